/**
 * An independent model of the argument rules, written from README.md's "Parameters" section and
 * not from src/: what each route must accept, what it must refuse, and the value it must put in
 * the token. The properties compare the service with it, request by request.
 */

/** A refusal or the value the service must use. */
export type Verdict = { ok: true; value: unknown } | { ok: false };

const ok = (value: unknown): Verdict => ({ ok: true, value });
const bad: Verdict = { ok: false };

/** A rule of one argument, on query text (`parse`) and on a JSON value (`check`). */
export interface ModelRule {
  parse(text: string): Verdict;
  check(value: unknown): Verdict;
  /** The JavaScript kinds it takes (typeof, or 'array'): a value of another kind is the wrong kind. */
  readonly kinds: readonly string[];
}

export interface ModelField {
  readonly rule: ModelRule;
  readonly required: boolean;
  /** The value an absent optional argument takes. */
  readonly fallback?: unknown;
}

export type ModelSchema = Record<string, ModelField>;

export const req = (rule: ModelRule): ModelField => ({ rule, required: true });
export const opt = (rule: ModelRule, fallback?: unknown): ModelField => ({ rule, required: false, fallback });

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
// "Strings … must be valid Unicode without control characters": C0 and DEL.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** README: "Strings are counted in UTF-8 bytes. They must be valid Unicode without control characters." */
export function text(maxBytes: number, alphabet?: RegExp): ModelRule {
  const check = (value: unknown): Verdict => {
    if (typeof value !== 'string' || value === '') return bad;
    if (!value.isWellFormed() || utf8Bytes(value) > maxBytes) return bad;
    if (alphabet ? !alphabet.test(value) : CONTROL.test(value)) return bad;
    return ok(value);
  };
  return { parse: check, check, kinds: ['string'] };
}

/**
 * README: "Whole numbers must be plain digits: 1e3, +5, 5.0, ' 5' and 0x10 are refused". Leading
 * zeros are digits too. Not in the README: the service reads at most 16 digits (a longer run of
 * digits is refused even when it spells a number in range, e.g. 17 zeros then 60).
 */
export function wholeNumber(min: number, max: number): ModelRule {
  const inRange = (n: number) => Number.isInteger(n) && n >= min && n <= max;
  return {
    parse: (s) => (/^[0-9]{1,16}$/.test(s) && inRange(Number(s)) ? ok(Number(s)) : bad),
    check: (v) => (typeof v === 'number' && inRange(v) ? ok(v) : bad),
    kinds: ['number'],
  };
}

/** README: "Booleans accept true, false, 1 or 0, and nothing else." */
export const bool: ModelRule = {
  parse: (s) => (s === 'true' || s === '1' ? ok(true) : s === 'false' || s === '0' ? ok(false) : bad),
  check: (v) => (typeof v === 'boolean' ? ok(v) : bad),
  kinds: ['boolean'],
};

export function oneOf(values: readonly string[]): ModelRule {
  const check = (v: unknown) => (typeof v === 'string' && values.includes(v) ? ok(v) : bad);
  return { parse: check, check, kinds: ['string'] };
}

/** A comma list of allowed values (blanks around items ignored), duplicates dropped; `refuse` a combination. */
export function commaList(values: readonly string[], refuse?: (list: string[]) => boolean): ModelRule {
  const check = (items: unknown): Verdict => {
    if (!Array.isArray(items) || items.length === 0) return bad;
    const list: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' || !values.includes(item)) return bad;
      if (!list.includes(item)) list.push(item);
    }
    return refuse?.(list) ? bad : ok(list);
  };
  return { parse: (s) => check(s.split(',').map((item) => item.trim())), check, kinds: ['array'] };
}

/**
 * README, /access_token uid: "digits only → numeric uid 0..4294967295. Digits outside that range
 * are a 400, never wrapped or truncated. Any other non-empty string of 1–255 bytes builds a
 * user-account token."
 */
export const agoraUid: ModelRule = {
  parse(s) {
    if (/^[0-9]+$/.test(s)) {
      const digits = s.replace(/^0+(?=[0-9])/, '');
      return digits.length <= 10 && Number(digits) <= 4294967295 ? ok(Number(digits)) : bad;
    }
    return text(255).parse(s);
  },
  check(v) {
    if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 4294967295 ? ok(v) : bad;
    return typeof v === 'string' ? agoraUid.parse(v) : bad;
  },
  kinds: ['number', 'string'],
};

/** Agora's channel-name alphabet (README, /access_token). */
export const CHANNEL_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,';
const channelPattern = new RegExp(`^[${CHANNEL_ALPHABET.replace(/[\\\]^-]/g, '\\$&')}]+$`);

/**
 * Every route's arguments with a ceiling of `maxTtl` seconds on expiries (TOKEN_MAX_TTL, 86400 by
 * default; the library builders use the providers' own: 86400 for Agora, 604800 for VideoSDK and
 * 100ms) and `maxMinutes` on native ones (min(1440, TOKEN_MAX_TTL / 60)).
 */
export function modelSchemas(maxTtl = 86400, maxMinutes = 1440) {
  const agoraTtl = Math.min(maxTtl, 86400);
  return {
    agoraRtc: {
      channelName: req(text(63, channelPattern)),
      uid: opt(agoraUid, 0),
      role: opt(oneOf(['publisher', 'subscriber']), 'subscriber'),
      expireTime: opt(wholeNumber(1, agoraTtl), Math.min(3600, agoraTtl)),
    },
    agoraRtm: { uid: req(text(64)), expireTime: opt(wholeNumber(1, agoraTtl), Math.min(3600, agoraTtl)) },
    videosdk: {
      permissions: opt(
        commaList(['allow_join', 'ask_join', 'allow_mod'], (l) => l.includes('allow_join') && l.includes('ask_join')),
        ['allow_join'],
      ),
      roomId: opt(text(128)),
      participantId: opt(text(128)),
      roles: opt(commaList(['crawler', 'rtc'])),
      expiresIn: opt(wholeNumber(1, maxTtl), Math.min(7200, maxTtl)),
    },
    hmsApp: {
      roomId: req(text(128)),
      userId: req(text(128)),
      role: req(text(128, /^[A-Za-z0-9_-]+$/)),
      expiresIn: opt(wholeNumber(1, maxTtl), Math.min(86400, maxTtl)),
    },
    hmsManagement: { expiresIn: opt(wholeNumber(1, maxTtl), Math.min(86400, maxTtl)) },
    conference: {
      userId: req(text(128)),
      roomId: req(text(128)),
      role: req(oneOf(['admin', 'publisher', 'subscriber'])),
      expirationMinutes: opt(wholeNumber(1, maxMinutes), Math.min(60, maxMinutes)),
    },
    chat: {
      userId: req(text(128)),
      channelId: req(text(128)),
      read: opt(bool, true),
      write: opt(bool, true),
      ttlMinutes: opt(wholeNumber(1, maxMinutes), Math.min(60, maxMinutes)),
    },
  } satisfies Record<string, ModelSchema>;
}

const HTTP = modelSchemas();
export const AGORA_RTC: ModelSchema = HTTP.agoraRtc;
export const AGORA_RTM: ModelSchema = HTTP.agoraRtm;
export const VIDEOSDK: ModelSchema = HTTP.videosdk;
export const HMS_APP: ModelSchema = HTTP.hmsApp;
export const CONFERENCE: ModelSchema = HTTP.conference;
export const CHAT: ModelSchema = HTTP.chat;
export const HMS_MANAGEMENT: ModelSchema = HTTP.hmsManagement;
export const INTROSPECT: ModelSchema = { token: req(text(4096)) };
export const REVOKE: ModelSchema = { jti: opt(text(128)), token: opt(text(4096)) };

/**
 * The library's reading of typed arguments (README, Library): `undefined` is absent, anything else
 * is checked; the first bad argument in the schema's order is the one named.
 */
export function modelArgs(schema: ModelSchema, input: Record<string, unknown>): { ok: true; args: Record<string, unknown> } | { ok: false; field: string } {
  const args: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = input[name];
    if (value === undefined) {
      if (field.required) return { ok: false, field: name };
      args[name] = field.fallback;
      continue;
    }
    const verdict = field.rule.check(value);
    if (!verdict.ok) return { ok: false, field: name };
    args[name] = verdict.value;
  }
  return { ok: true, args };
}

/** What the service must answer to a set of arguments. */
export type Outcome = { kind: 'ok'; args: Record<string, unknown> } | { kind: 'invalid'; fields: string[] };

/**
 * The outcome of a query string, from its decoded (key, value) pairs. README: an empty optional
 * is absent; an empty required one is "required"; a repeated one is refused; unknown ones are
 * ignored; every bad field is named.
 */
export function modelQuery(schema: ModelSchema, pairs: readonly (readonly [string, string])[]): Outcome {
  const fields: string[] = [];
  const args: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const given = pairs.filter(([key]) => key === name).map(([, value]) => value);
    if (given.length > 1) {
      fields.push(name);
      continue;
    }
    const raw = given[0];
    if (raw === undefined || raw === '') {
      if (field.required) fields.push(name);
      else args[name] = field.fallback;
      continue;
    }
    const verdict = field.rule.parse(raw);
    if (verdict.ok) args[name] = verdict.value;
    else fields.push(name);
  }
  return fields.length > 0 ? { kind: 'invalid', fields: fields.sort() } : { kind: 'ok', args };
}

/** The outcome of a parsed JSON body (an object or an array: the service reads no other). */
export function modelBody(schema: ModelSchema, body: unknown): Outcome {
  if (body === undefined) body = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'invalid', fields: ['body'] };
  const fields: string[] = [];
  const args: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
    if (value === undefined || value === null || value === '') {
      if (field.required) fields.push(name);
      else args[name] = field.fallback;
      continue;
    }
    const verdict = field.rule.check(value);
    if (verdict.ok) args[name] = verdict.value;
    else fields.push(name);
  }
  return fields.length > 0 ? { kind: 'invalid', fields: fields.sort() } : { kind: 'ok', args };
}

// ---- POST bodies ----------------------------------------------------------------------------

/** A Content-Type header and what README makes of it: JSON or not, and its charset. */
export interface ContentTypeCase {
  readonly header: string | undefined;
  readonly json: boolean;
  /** utf-8 (the default); utf-16 or utf-32 (decoded as such, so UTF-8 JSON turns to garbage); unsupported. */
  readonly charset: 'utf-8' | 'utf-16' | 'utf-32' | 'unsupported';
}

const json = (header: string, charset: ContentTypeCase['charset'] = 'utf-8'): ContentTypeCase => ({ header, json: true, charset });
const notJson = (header: string | undefined): ContentTypeCase => ({ header, json: false, charset: 'utf-8' });

export const CONTENT_TYPES: readonly ContentTypeCase[] = [
  json('application/json'),
  json('application/json; charset=utf-8'),
  json('application/json;charset=UTF-8'),
  json('Application/JSON'),
  json('application/json; charset="utf-8"'),
  json('application/json ; charset=utf-8'),
  json('application/json; foo=bar'),
  json('application/json;'),
  json('application/json; charset=latin1', 'unsupported'),
  json('application/json; charset=iso-8859-1', 'unsupported'),
  json('application/json; charset=utf8', 'unsupported'),
  json('application/json; charset=ascii', 'unsupported'),
  json('application/json; charset=utf-bogus', 'unsupported'),
  json('application/json; charset=utf-16', 'utf-16'),
  json('application/json; charset=utf-16le', 'utf-16'),
  json('application/json; charset=utf-32', 'utf-32'),
  notJson(undefined),
  notJson(''),
  notJson('text/plain'),
  notJson('text/plain; charset=utf-8'),
  notJson('text/json'),
  notJson('application/x-www-form-urlencoded'),
  notJson('multipart/form-data; boundary=----x'),
  notJson('application/jsonx'),
  notJson('application/json-patch+json'),
  notJson('application/vnd.api+json'),
  notJson('application/problem+json'),
  notJson('application/*'),
  notJson('*/*'),
  notJson('application/'),
  notJson('json'),
  notJson('application/octet-stream'),
];

/** How a body travels: Content-Length or chunked, and its Content-Encoding. */
export interface Transport {
  readonly contentType: ContentTypeCase;
  readonly chunked: boolean;
  readonly encoding: 'identity' | 'gzip' | 'deflate' | 'br' | 'corrupt-gzip' | 'unknown';
}

/** The largest body README allows: 16 KB. */
export const BODY_LIMIT = 16 * 1024;

/** What reading a POST body must give: the parsed JSON (undefined: no body) or a problem. */
export type BodyVerdict =
  { kind: 'body'; value: unknown } | { kind: 'problem'; status: 400 | 413 | 415; code: 'malformed-json' | 'payload-too-large' | 'unsupported-media-type' };

const problem = (status: 400 | 413 | 415, code: 'malformed-json' | 'payload-too-large' | 'unsupported-media-type'): BodyVerdict => ({
  kind: 'problem',
  status,
  code,
});

/**
 * README: "413 a POST body over 16 KB", "415 a POST body that is not application/json" (nor
 * UTF-8 JSON), "400 malformed-json a POST body that is not valid JSON" (JSON text is UTF-8, RFC
 * 8259 §8.1), "400 invalid-request a body that is not a JSON object". `bytes` is the body before
 * its Content-Encoding is applied; a sent length of 0 is no body.
 */
export function modelBodyReading(t: Transport, bytes: Buffer): BodyVerdict {
  // No body (Content-Length 0, not chunked): nothing to decode, whatever Content-Type and charset say.
  if (!t.chunked && bytes.length === 0) return { kind: 'body', value: undefined };
  if (!t.contentType.json) return problem(415, 'unsupported-media-type');
  if (t.contentType.charset === 'unsupported') return problem(415, 'unsupported-media-type');
  if (t.encoding === 'unknown') return problem(415, 'unsupported-media-type');
  if (t.encoding === 'corrupt-gzip') return problem(400, 'malformed-json');
  if (bytes.length > BODY_LIMIT) return problem(413, 'payload-too-large');
  if (bytes.length === 0) return { kind: 'body', value: {} };
  // JSON is UTF-8: a body declared as UTF-16 or UTF-32 (which body-parser could decode) is refused.
  if (t.contentType.charset === 'utf-16' || t.contentType.charset === 'utf-32') return problem(415, 'unsupported-media-type');
  if (!isWellFormedUtf8(bytes)) return problem(400, 'malformed-json');
  let text = bytes.toString('utf8');
  if (text.startsWith('\ufeff')) text = text.slice(1);
  if (text.length === 0) return { kind: 'body', value: {} };
  // Only an object or an array is read as JSON at all; `60` or `"x"` alone is refused as malformed.
  if (!/^[ \t\n\r]*[{[]/.test(text)) return problem(400, 'malformed-json');
  try {
    return { kind: 'body', value: JSON.parse(text) };
  } catch {
    return problem(400, 'malformed-json');
  }
}

function isWellFormedUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// ---- which tokens this server verifies ----------------------------------------------------------

/** What verifying a hand-made token must give (README, Key rotation, introspection and revocation). */
export type JwtVerdict =
  { kind: 'valid'; type: 'conference' | 'chat' | 'videosdk'; claims: Record<string, unknown> } | { kind: 'expired' } | { kind: 'invalid' };

const tryJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/**
 * The model of token verification: JWS compact form, an HS256 header, an HMAC with the provider's
 * secret, a JSON object payload whose `nbf` and `exp` (numbers) hold at `now` with 30 s of
 * tolerance (exp unless `ignoreExpiration`), then the provider's own claims: a native token is
 * issued by the master key with type conference or chat; a VideoSDK token carries this
 * deployment's apikey (and roles, when present, as a list). Native is tried first.
 */
export function modelVerify(
  t: { token: string; headerText: string; payloadText: string; signedWith: string | undefined },
  providers: { native?: { key: string; secret: string }; videosdk?: { apiKey: string; secret: string } },
  now: number,
  ignoreExpiration = false,
): JwtVerdict {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(t.token)) return { kind: 'invalid' };
  const header = tryJson(t.headerText);
  if (!header.ok || !header.value) return { kind: 'invalid' };
  const h = header.value as Record<string, unknown>;
  const parsed = tryJson(t.payloadText);
  if (h.typ === 'JWT' && !parsed.ok) return { kind: 'invalid' };
  if (h.alg !== 'HS256' || t.token.endsWith('.')) return { kind: 'invalid' };
  const payload = parsed.ok ? parsed.value : undefined;
  if (typeof payload !== 'object' || payload === null) return { kind: 'invalid' };
  const claims = payload as Record<string, unknown>;

  let expired = false;
  const attempt = (secret: string, own: () => boolean): boolean => {
    if (t.signedWith !== secret) return false;
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + 30)) return false;
    if (!ignoreExpiration && claims.exp !== undefined) {
      if (typeof claims.exp !== 'number') return false;
      if (now >= claims.exp + 30) {
        expired = true;
        return false;
      }
    }
    return typeof claims.exp === 'number' && own();
  };
  const { native, videosdk } = providers;
  if (native && attempt(native.secret, () => claims.iss === native.key && (claims.type === 'conference' || claims.type === 'chat'))) {
    return { kind: 'valid', type: claims.type as 'conference' | 'chat', claims };
  }
  if (videosdk && attempt(videosdk.secret, () => claims.apikey === videosdk.apiKey && (claims.roles === undefined || Array.isArray(claims.roles)))) {
    return { kind: 'valid', type: 'videosdk', claims };
  }
  return expired ? { kind: 'expired' } : { kind: 'invalid' };
}
