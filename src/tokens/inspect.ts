/**
 * The token doctor: what a token is, whether this deployment's credentials signed it, and every
 * reason a provider would refuse it, in words a developer can act on. It reads every kind this
 * service mints: Agora AccessToken2 (RTC, RTM, RTC+RTM, Chat) with agora-token's own parser, and
 * the JWTs of VideoSDK, 100ms and the native kinds. Secrets never appear in the answer: only what
 * the token itself carries, and which of our keys (if any) signed it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import agora from 'agora-token/src/AccessToken2.js';
import type { KeyObject } from 'node:crypto';
import { AGORA_MAX_TTL } from './agora.js';
import { CLOCK_TOLERANCE_SECONDS, epochSeconds } from './jwt.js';
import type { Credentials } from './service.js';

export const TOKEN_KINDS = [
  'agora-rtc',
  'agora-rtm',
  'agora-rte',
  'agora-chat',
  'videosdk',
  'hms-app',
  'hms-management',
  'native-conference',
  'native-chat',
  'jwt',
  'unknown',
] as const;
export type InspectedKind = (typeof TOKEN_KINDS)[number];

export const PROBLEM_CODES = [
  'malformed',
  'expired',
  'not-yet-valid',
  'signature-invalid',
  'foreign-credentials',
  'privilege-expires-early',
  'wildcard-uid',
  'revoked',
  'lifetime-over-provider-max',
] as const;
export type InspectionCode = (typeof PROBLEM_CODES)[number];

export interface Inspection {
  readonly kind: InspectedKind;
  /** True only when there is no problem. */
  readonly valid: boolean;
  /** `valid-previous`: signed with the secret being retired. `unverifiable`: not ours to check (another app, or no credentials here). */
  readonly signature: 'valid' | 'valid-previous' | 'invalid' | 'unverifiable';
  readonly claims: Record<string, unknown>;
  readonly problems: { code: InspectionCode; message: string }[];
}

export interface InspectOptions {
  readonly now: Date;
  /** The revocation rule refusing a token with these claims, if any (the server's rules). */
  readonly revokedBy?: (claims: Record<string, unknown>) => { kind: string; value: string; until: Date } | undefined;
}

/** Inspects `token` against this deployment's `credentials`. Never throws for any input string. */
export function inspectToken(token: string, credentials: Credentials, options: InspectOptions): Inspection {
  const raw = token.trim();
  if (raw.startsWith('007')) return inspectAgora(raw, credentials, options);
  if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(raw)) return inspectJwt(raw, credentials, options);
  return finish('unknown', 'unverifiable', {}, [
    problem('malformed', 'this is neither an Agora token (007…) nor a JWT (three base64url parts): check that the whole token was copied'),
  ]);
}

type Problem = Inspection['problems'][number];
const problem = (code: InspectionCode, message: string): Problem => ({ code, message });
const finish = (kind: InspectedKind, signature: Inspection['signature'], claims: Record<string, unknown>, problems: Problem[]): Inspection => ({
  kind,
  valid: problems.length === 0,
  signature,
  claims,
  problems,
});

const seconds = (n: number) => `${n} s`;
const iso = (epochS: number) => new Date(epochS * 1000).toISOString();

/** Problems every kind shares: a window in time, judged with the verifiers' clock tolerance. */
function timeProblems(now: number, issuedAt: number | undefined, notBefore: number | undefined, expiresAt: number | undefined): Problem[] {
  const problems: Problem[] = [];
  if (expiresAt !== undefined && now >= expiresAt + CLOCK_TOLERANCE_SECONDS)
    problems.push(problem('expired', `expired ${seconds(now - expiresAt)} ago, at ${iso(expiresAt)}: ask for a new token`));
  const start = Math.max(notBefore ?? -Infinity, issuedAt ?? -Infinity);
  if (Number.isFinite(start) && start > now + CLOCK_TOLERANCE_SECONDS)
    problems.push(
      problem(
        'not-yet-valid',
        `not valid for another ${seconds(start - now)}: the minting server's clock is ahead of this one (or the token was made for later)`,
      ),
    );
  return problems;
}

function revoked(claims: Record<string, unknown>, options: InspectOptions): Problem[] {
  const rule = options.revokedBy?.(claims);
  return rule === undefined ? [] : [problem('revoked', `refused by a revocation rule on ${rule.kind} ${rule.value} until ${rule.until.toISOString()}`)];
}

// ---- Agora ----------------------------------------------------------------------------------------

const SERVICE_NAMES: Record<number, string> = { 1: 'rtc', 2: 'rtm', 4: 'streaming', 5: 'chat', 7: 'rtm' };
const PRIVILEGE_NAMES: Record<string, Record<number, string>> = {
  rtc: { 1: 'joinChannel', 2: 'publishAudioStream', 3: 'publishVideoStream', 4: 'publishDataStream' },
  rtm: { 1: 'login' },
  chat: { 1: 'user', 2: 'app' },
};

interface ParsedService {
  __type: number;
  __privileges: Record<string, number>;
  __channel_name?: Buffer;
  __uid?: Buffer;
  __user_id?: Buffer;
}

function inspectAgora(token: string, credentials: Credentials, options: InspectOptions): Inspection {
  const parsed = new agora.AccessToken2();
  if (!parsed.from_string(token)) {
    return finish('unknown', 'unverifiable', {}, [
      problem('malformed', 'starts like an Agora token (007) but does not decode: it was cut or altered in transit'),
    ]);
  }
  // agora-token keeps the App ID it parsed as bytes.
  const appId = String(parsed.appId);
  const issueTs = Number(parsed.issueTs);
  const expire = Number(parsed.expire);
  const services = (parsed.services as unknown as ParsedService[]).map((service) => {
    const name = SERVICE_NAMES[service.__type] ?? `service-${service.__type}`;
    const privileges = Object.fromEntries(
      Object.entries(service.__privileges).map(([id, relative]) => [
        PRIVILEGE_NAMES[name]?.[Number(id)] ?? `privilege-${id}`,
        { expiresIn: relative, expiresAt: relative === 0 ? null : iso(issueTs + relative) },
      ]),
    );
    const entry: Record<string, unknown> = { service: name, privileges };
    if (service.__channel_name !== undefined) entry.channel = service.__channel_name.toString();
    if (service.__uid !== undefined) entry.uid = service.__uid.toString();
    if (service.__user_id !== undefined) entry.userId = service.__user_id.toString();
    return entry;
  });
  const names = new Set(services.map((s) => s.service));
  const kind: InspectedKind = names.has('chat')
    ? 'agora-chat'
    : names.has('rtc') && names.has('rtm')
      ? 'agora-rte'
      : names.has('rtc')
        ? 'agora-rtc'
        : 'agora-rtm';
  const rtc = services.find((s) => s.service === 'rtc');
  const claims: Record<string, unknown> = {
    appId,
    issuedAt: iso(issueTs),
    expiresIn: expire,
    expiresAt: iso(issueTs + expire),
    salt: parsed.salt,
    services,
  };

  const problems: Problem[] = [];
  let signature: Inspection['signature'];
  const ours = credentials.agora;
  if (ours === undefined) {
    signature = 'unverifiable';
    problems.push(problem('foreign-credentials', 'this server has no Agora credentials (AGORA_APP_ID), so it did not mint this token and cannot check it'));
  } else if (appId.toLowerCase() !== ours.appId.toLowerCase()) {
    signature = 'unverifiable';
    problems.push(
      problem('foreign-credentials', `made for another App ID (${appId}) than this server's (${ours.appId}): it was minted by another project or server`),
    );
  } else if (parsed.verifySignature(ours.appCertificate)) {
    signature = 'valid';
  } else {
    signature = 'invalid';
    problems.push(
      problem(
        'signature-invalid',
        "signed with a different app certificate than this server's: the minting server has another AGORA_APP_CERTIFICATE for this App ID",
      ),
    );
  }

  const now = epochSeconds(options.now);
  // Agora: an expire of 0 means "never" only in the deprecated AccessToken; for 007 it is already over.
  problems.push(...timeProblems(now, issueTs, undefined, issueTs + expire));
  if (expire > AGORA_MAX_TTL)
    problems.push(
      problem(
        'lifetime-over-provider-max',
        `lives ${seconds(expire)}, longer than Agora's maximum of ${seconds(AGORA_MAX_TTL)} (24 h): Agora caps or refuses it`,
      ),
    );
  for (const service of services) {
    for (const [name, privilege] of Object.entries(service.privileges as Record<string, { expiresIn: number }>)) {
      // 0 is agora-token's default: the privilege lasts as long as the token.
      if (privilege.expiresIn !== 0 && privilege.expiresIn < expire) {
        problems.push(
          problem(
            'privilege-expires-early',
            `the ${service.service as string} privilege ${name} ends after ${seconds(privilege.expiresIn)}, before the token (${seconds(expire)}): the SDK loses that right while the token still looks valid`,
          ),
        );
      }
    }
  }
  if (rtc !== undefined && (rtc.uid === '0' || rtc.uid === '')) {
    problems.push(problem('wildcard-uid', 'uid 0 is the wildcard: any user can join with this token, as any uid'));
  }
  const subject = (rtc?.uid as string | undefined) ?? (services.find((s) => s.service === 'rtm' || s.service === 'chat')?.userId as string | undefined);
  problems.push(...revoked({ sub: subject, channel: rtc?.channel, iat: issueTs }, options));
  return finish(kind, signature, claims, problems);
}

// ---- JWTs -----------------------------------------------------------------------------------------

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Which key of ours signed `token` (HS256 over its first two parts): current, previous, or none. */
function signedWith(token: string, header: Record<string, unknown>, keys: readonly (KeyObject | undefined)[]): 'valid' | 'valid-previous' | 'invalid' {
  if (header.alg !== 'HS256') return 'invalid';
  const dot = token.lastIndexOf('.');
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  for (const [index, key] of keys.entries()) {
    if (key === undefined) continue;
    const expected = createHmac('sha256', key).update(token.slice(0, dot)).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return index === 0 ? 'valid' : 'valid-previous';
  }
  return 'invalid';
}

function inspectJwt(token: string, credentials: Credentials, options: InspectOptions): Inspection {
  const [headerPart = '', payloadPart = ''] = token.split('.');
  const header = decodePart(headerPart);
  const claims = decodePart(payloadPart);
  if (header === undefined || claims === undefined) {
    return finish('unknown', 'unverifiable', {}, [
      problem('malformed', 'looks like a JWT but its header or payload is not base64url JSON: it was cut or altered'),
    ]);
  }
  const problems: Problem[] = [];
  // Each kind names its issuer in the payload: the native key, the VideoSDK API key, the 100ms access key.
  let kind: InspectedKind = 'jwt';
  let expected: { id: string; name: string; keys: readonly (KeyObject | undefined)[] } | undefined;
  let given: unknown;
  if (claims.type === 'conference' || claims.type === 'chat') {
    kind = claims.type === 'conference' ? 'native-conference' : 'native-chat';
    given = claims.iss;
    const c = credentials.native;
    expected = c && { id: c.key, name: 'MASTER_KEY', keys: [c.secret, c.previous] };
  } else if (typeof claims.apikey === 'string') {
    kind = 'videosdk';
    given = claims.apikey;
    const c = credentials.videosdk;
    expected = c && { id: c.apiKey, name: 'VIDEOSDK_API_KEY', keys: [c.secret, c.previous] };
  } else if (typeof claims.access_key === 'string') {
    kind = claims.type === 'management' ? 'hms-management' : 'hms-app';
    given = claims.access_key;
    const c = credentials.hms;
    expected = c && { id: c.accessKey, name: 'HMS_APP_ACCESS_KEY', keys: [c.secret] };
  }

  let signature: Inspection['signature'] = 'unverifiable';
  if (kind === 'jwt') {
    problems.push(
      problem('foreign-credentials', 'a JWT this server does not mint: it carries neither VideoSDK (apikey), 100ms (access_key) nor native (type) claims'),
    );
  } else if (expected === undefined) {
    problems.push(
      problem('foreign-credentials', `a ${kind} token, but this server has no credentials for that provider, so it did not mint it and cannot check it`),
    );
  } else {
    if (given !== expected.id) {
      problems.push(
        problem(
          'foreign-credentials',
          `issued for another key (${String(given)}) than this server's ${expected.name} (${expected.id}): it was minted by another project or server`,
        ),
      );
    } else {
      signature = signedWith(token, header, expected.keys);
      if (signature === 'invalid')
        problems.push(
          problem(
            'signature-invalid',
            `carries this server's ${expected.name} but is not signed with its secret (nor the previous one): the minting server has another secret`,
          ),
        );
    }
  }
  const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  problems.push(...timeProblems(epochSeconds(options.now), num(claims.iat), num(claims.nbf), num(claims.exp)));
  // 100ms names its user and room user_id and room_id.
  problems.push(...revoked({ ...claims, sub: claims.sub ?? claims.user_id, room: claims.room ?? claims.room_id }, options));
  return finish(kind, signature, claims, problems);
}

/** The inspection for a person: a verdict line, the problems, then the claims. */
export function describeInspection(result: Inspection): string {
  const lines = [`${result.valid ? 'valid' : 'NOT VALID'}: ${result.kind} token, signature ${result.signature}`];
  for (const { code, message } of result.problems) lines.push(`  ✗ ${code}: ${message}`);
  lines.push('claims:');
  for (const line of JSON.stringify(result.claims, null, 2).split('\n')) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}
