/**
 * Generators shared by the property tests: hostile text (the full Unicode range, lone surrogates,
 * control characters, 100 KB strings, strings at the byte limits), number-like text, keys that
 * name Object.prototype's members, query strings with their exact wire encoding, and JSON body
 * text (valid, odd and malformed).
 */
import { createHmac } from 'node:crypto';
import { brotliCompressSync, constants as zlib, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CREDENTIALS, NOW_S } from '../fixtures.js';
import { CONTENT_TYPES, type Transport } from './model.js';

// ---- text ---------------------------------------------------------------------------------

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** C0 controls, DEL and the C1 range. */
export const controlChar = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
/** Characters that mean something to URLs, JSON, shells, logs or Unicode normalisation. */
export const specialChar = fc.constantFrom(
  '%',
  '+',
  '&',
  '=',
  '#',
  '?',
  '/',
  '\\',
  ',',
  ';',
  ' ',
  '"',
  "'",
  '<',
  '>',
  '`',
  '{',
  '}',
  '[',
  ']',
  '|',
  '^',
  '~',
  '@',
  '*',
  '\u00a0',
  '\u00ad',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u200d',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\u0301',
  'é',
  'ß',
  'İ',
  'Ω',
  '中',
  '한',
  '😀',
  '👩‍👩‍👧',
  '\u{10ffff}',
  '\u{e0001}',
  '１',
  '٣',
);
export const anyChar = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: controlChar },
  { weight: 2, arbitrary: specialChar },
);
/** Short text from the whole of Unicode, lone surrogates and controls included. */
export const unicodeText = fc.string({ unit: anyChar, maxLength: 24 });

/** Text of about 100 KB (UTF-8), of one repeated character. */
export const hugeText = fc
  .record({ unit: fc.constantFrom('a', '9', 'é', '€', '😀', '\u0000', '\ud800', ','), bytes: fc.integer({ min: 100_000, max: 110_000 }) })
  .map(({ unit, bytes }) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))));

/** Text of exactly `n` or `n + 1` UTF-8 bytes around the limits the service applies, in 1- to 4-byte characters. */
export const boundaryText = fc
  .record({
    unit: fc.constantFrom('a', 'Z', '7', 'é', '€', '😀'),
    bytes: fc.constantFrom(1, 16, 63, 64, 65, 127, 128, 129, 254, 255, 256, 4095, 4096, 4097),
    plus: fc.constantFrom(0, 1),
  })
  .map(({ unit, bytes, plus }) => {
    const total = bytes + plus;
    const size = Buffer.byteLength(unit);
    return unit.repeat(Math.floor(total / size)) + 'a'.repeat(total % size);
  });

/** Text that looks like a number, or almost: every form README says is refused, and some that are not. */
export const numberText = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.integer({ min: 0, max: 2 ** 32 + 5 }).map(String),
  fc.integer().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  fc.double().map(String),
  fc.record({ zeros: fc.integer({ min: 1, max: 24 }), n: fc.nat({ max: 100_000 }) }).map(({ zeros, n }) => '0'.repeat(zeros) + n),
  fc.constantFrom(
    '0',
    '1',
    '60',
    '3600',
    '86400',
    '86401',
    '1440',
    '1441',
    '-0',
    '+0',
    '-1',
    '+5',
    '5.0',
    '5.',
    '.5',
    '1e3',
    '1E3',
    '6e1',
    ' 5',
    '5 ',
    '0x10',
    '0X1F',
    '0b11',
    '0o17',
    '1_000',
    '1,000',
    '１２',
    '٣',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '-1e309',
    '4294967295',
    '4294967296',
    '18446744073709551616',
    '9007199254740993',
    '0000000000000000060',
    '00',
    '\u0660',
    '5\u0000',
  ),
);

export const boolText = fc.constantFrom('true', 'false', '1', '0', 'TRUE', 'False', 'yes', 'no', 'on', ' true', 'true ', '01', '-0', 'null', 'undefined');

/** Keys that name members of Object.prototype, or are special to JavaScript objects. */
export const protoKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
  '__defineSetter__',
  '__lookupSetter__',
  'length',
  'then',
);

/** Any text at all, mostly short; occasionally one of about 100 KB. */
export const hostileText = fc.oneof(
  { weight: 6, arbitrary: unicodeText },
  { weight: 3, arbitrary: numberText },
  { weight: 1, arbitrary: boolText },
  { weight: 1, arbitrary: protoKey },
  { weight: 2, arbitrary: boundaryText },
  { weight: 1, arbitrary: fc.constant('') },
);
export const hostileTextWithHuge = fc.oneof({ weight: 30, arbitrary: hostileText }, { weight: 1, arbitrary: hugeText });

// ---- the wire encoding of query text -------------------------------------------------------

/** A query component as sent (`wire`) and as the service must read it (`value`). */
export interface Wire {
  readonly wire: string;
  readonly value: string;
}

/** Stands for "not valid UTF-8": any ill-formed string, which every rule must refuse. */
export const NOT_UTF8 = '\udc80';

/** UTF-8 bytes of each code point, and for a lone surrogate the 3 bytes UTF-8 would give it (WTF-8): not valid UTF-8. */
export function wtf8(text: string): number[] {
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return bytes;
}

const hex = (byte: number, lower: boolean) => {
  const h = byte.toString(16).padStart(2, '0');
  return `%${lower ? h : h.toUpperCase()}`;
};

/** encodeURIComponent, except that lone surrogates are sent as their WTF-8 bytes instead of throwing. */
export function encodeComponent(text: string, lower = false): string {
  let out = '';
  for (const ch of text) {
    out += /^[A-Za-z0-9\-_.!~*'()]$/.test(ch)
      ? ch
      : wtf8(ch)
          .map((b) => hex(b, lower))
          .join('');
  }
  return out;
}

/** Every byte percent-encoded, letters and digits too. */
export function encodeEveryByte(text: string, lower = false): string {
  return wtf8(text)
    .map((b) => hex(b, lower))
    .join('');
}

/** What the service must read from a value sent as (WTF-8) bytes: the text, or NOT_UTF8 when it has lone surrogates. */
export const readAs = (text: string) => (text.isWellFormed() ? text : NOT_UTF8);

/** `text` sent in one of the encodings a client may use. */
export function encoded(text: string): fc.Arbitrary<Wire> {
  const value = readAs(text);
  return fc.oneof(
    { weight: 4, arbitrary: fc.boolean().map((lower) => ({ wire: encodeComponent(text, lower), value })) },
    { weight: 1, arbitrary: fc.boolean().map((lower) => ({ wire: encodeEveryByte(text, lower), value })) },
    // Form encoding: a space as '+'.
    { weight: 1, arbitrary: fc.constant({ wire: encodeComponent(text).replaceAll('%20', '+'), value }) },
  );
}

/** Raw sequences whose reading is fixed by RFC 3986 and the form encoding: stray '%', '+', bytes that are not UTF-8. */
export const oddWire: fc.Arbitrary<Wire> = fc.constantFrom<Wire>(
  { wire: '100%', value: '100%' },
  { wire: '%', value: '%' },
  { wire: '%zz', value: '%zz' },
  { wire: '%4', value: '%4' },
  { wire: 'a%2', value: 'a%2' },
  { wire: '%%41', value: '%A' },
  { wire: '%25', value: '%' },
  { wire: '%2B', value: '+' },
  { wire: '+', value: ' ' },
  { wire: 'a+b', value: 'a b' },
  { wire: '%00', value: '\u0000' },
  { wire: '%0A', value: '\n' },
  { wire: '%7F', value: '\u007f' },
  { wire: '%C2%85', value: '\u0085' },
  { wire: '%C3%A9', value: 'é' },
  { wire: '%c3%a9', value: 'é' },
  { wire: '%EF%BB%BF', value: '\ufeff' },
  { wire: '%F0%9F%98%80', value: '😀' },
  { wire: '%E9', value: NOT_UTF8 },
  { wire: '%C3', value: NOT_UTF8 },
  { wire: '%C3%28', value: NOT_UTF8 },
  { wire: '%ED%A0%80', value: NOT_UTF8 },
  { wire: '%ED%B2%80', value: NOT_UTF8 },
  { wire: '%F4%90%80%80', value: NOT_UTF8 },
  { wire: '%C0%AF', value: NOT_UTF8 },
  { wire: '%FF', value: NOT_UTF8 },
  { wire: '1%E9', value: NOT_UTF8 },
  { wire: '%31%32', value: '12' },
);

/** A value as sent: mostly `text` encoded some way, sometimes one of the odd raw sequences. */
export function wireValue(text: fc.Arbitrary<string>): fc.Arbitrary<Wire> {
  return fc.oneof({ weight: 9, arbitrary: text.chain(encoded) }, { weight: 1, arbitrary: oddWire });
}

/** One `key=value` of a query string; `value: undefined` sends the key alone (read as empty). */
export interface QueryPart {
  readonly key: Wire;
  readonly value: Wire | undefined;
}

/** How an argument appears in a query: absent, once, empty, as a bare key, or repeated. */
export function fieldParts(name: string, value: fc.Arbitrary<Wire>, mode: 'valid' | 'chaos', required: boolean): fc.Arbitrary<QueryPart[]> {
  const key = fc
    .oneof({ weight: 5, arbitrary: fc.constant(name) }, { weight: 1, arbitrary: fc.constant(encodeEveryByte(name)) })
    .map((wire) => ({ wire, value: name }));
  const once = fc.record({ key, value }).map((p) => [p]);
  if (mode === 'valid') {
    return required ? once : fc.oneof({ weight: 3, arbitrary: once }, { weight: 1, arbitrary: fc.constant<QueryPart[]>([]) });
  }
  return fc.oneof(
    { weight: 6, arbitrary: once },
    { weight: 2, arbitrary: fc.constant<QueryPart[]>([]) },
    { weight: 1, arbitrary: key.map((k): QueryPart[] => [{ key: k, value: { wire: '', value: '' } }]) },
    { weight: 1, arbitrary: key.map((k): QueryPart[] => [{ key: k, value: undefined }]) },
    { weight: 2, arbitrary: fc.array(fc.record({ key, value: fc.option(value, { nil: undefined, freq: 4 }) }), { minLength: 2, maxLength: 3 }) },
  );
}

/** Parameters no route reads: Object.prototype's names, near misses of real names, anything. */
export function extraParts(names: readonly string[]): fc.Arbitrary<QueryPart[]> {
  const nearMiss = fc.constantFrom(...names).chain((n) => fc.constantFrom(n.toUpperCase(), `${n}[]`, `${n}[0]`, ` ${n}`, `${n} `, `${n}.x`, n.slice(1)));
  const key = fc
    .oneof(
      protoKey,
      nearMiss,
      unicodeText.filter((k) => !names.includes(k) && k !== ''),
    )
    .chain(encoded);
  return fc.array(fc.record({ key, value: fc.option(wireValue(hostileText), { nil: undefined, freq: 6 }) }), { maxLength: 4 });
}

/** The query string (without `?`) of these parts, in this order; sometimes with stray separators. */
export function queryString(parts: readonly QueryPart[], stray = false): string {
  const q = parts.map((p) => (p.value === undefined ? p.key.wire : `${p.key.wire}=${p.value.wire}`)).join(stray ? '&&' : '&');
  return stray ? `&${q}&` : q;
}

/** The (key, value) pairs the service must read from these parts, in order. */
export function decodedPairs(parts: readonly QueryPart[]): [string, string][] {
  return parts.filter((p) => p.key.wire !== '' || p.value !== undefined).map((p) => [p.key.value, p.value?.value ?? '']);
}

/**
 * A whole query for a route: in `valid` mode every argument is well-formed (some optional ones
 * left out), in `chaos` mode anything goes; both add parameters no route reads, in any order.
 */
export function queryFor(
  fields: Record<string, { valid: fc.Arbitrary<string>; required: boolean }>,
): fc.Arbitrary<{ query: string; pairs: [string, string][] }> {
  const names = Object.keys(fields);
  const build = (mode: 'valid' | 'chaos') =>
    fc.tuple(
      fc.tuple(
        ...names.map((name) => {
          const { valid, required } = fields[name]!;
          const value =
            mode === 'valid' ? valid.chain(encoded) : wireValue(fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: hostileTextWithHuge }));
          return fieldParts(name, value, mode, required);
        }),
      ),
      extraParts(names),
      fc.boolean(),
    );
  return fc
    .oneof(build('valid'), build('chaos'))
    .chain(([own, extra, stray]) =>
      fc.shuffledSubarray([...own.flat(), ...extra], { minLength: own.flat().length + extra.length }).map((parts) => ({ parts, stray })),
    )
    .map(({ parts, stray }) => ({ query: queryString(parts, stray), pairs: decodedPairs(parts) }));
}

// ---- JSON body text -----------------------------------------------------------------------

/** JSON number literals, including the ones JSON.stringify never writes: -0, 1e309, 6e1, 60.0. */
export const jsonNumber = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter(Number.isFinite)
    .map((d) => JSON.stringify(d)),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom(
    '-0',
    '0',
    '1',
    '60',
    '60.0',
    '6e1',
    '6E+1',
    '0.6e2',
    '86400',
    '86401',
    '1e309',
    '-1e309',
    '1E400',
    '1e-400',
    '4294967296',
    '9007199254740993',
    '3600.5',
    '1.0000000000000001',
  ),
);

/** Any JSON string literal, lone surrogates escaped (as JSON.stringify writes them), and 100 KB ones now and then. */
export const jsonString = hostileTextWithHuge.map((s) => JSON.stringify(s));

/** Any JSON value as text, nested a little, its strings drawn from `strings`. */
function jsonValueWith(strings: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: jsonNumber },
      { weight: 4, arbitrary: strings },
      { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
      { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.tuple(fc.oneof(protoKey, unicodeText), tie('value')), { maxLength: 3 })
          .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
      },
    ),
  })).value;
}
/** Any JSON value as text, its strings now and then 100 KB long. */
export const jsonValue = jsonValueWith(jsonString);
/** Any JSON value as text, of short strings only (for tokens, which travel in a header). */
export const smallJsonValue = jsonValueWith(hostileText.map((s) => JSON.stringify(s)));

/** A JSON object as text from (key, value text) entries: keys may repeat (the last one wins), blanks vary. */
export function jsonObject(entries: readonly (readonly [string, string])[], space = ''): string {
  return `{${space}${entries.map(([k, v]) => `${JSON.stringify(k)}${space}:${space}${v}`).join(`,${space}`)}${space}}`;
}

/** Text that is not JSON, or not the JSON it seems: each a classic way to get JSON wrong. */
export const malformedJson = fc.constantFrom(
  '{',
  '}',
  '{"expiresIn":60',
  '{"expiresIn":60,}',
  "{'expiresIn':60}",
  '{expiresIn:60}',
  '{"expiresIn":NaN}',
  '{"expiresIn":Infinity}',
  '{"expiresIn":-Infinity}',
  '{"expiresIn":0x10}',
  '{"expiresIn":007}',
  '{"expiresIn":+5}',
  '{"expiresIn":.5}',
  '{"expiresIn":5.}',
  '{"a":1}{"b":2}',
  '{"a":1}/*x*/',
  '// x\n{}',
  '{"a":"\u0001"}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800',
  '{"a" 1}',
  '[1,]',
  'NaN',
  'undefined',
  "'x'",
  '"x"',
  '60',
  'true',
  'null',
  ' ',
  '\n',
  '\u00a0{}',
  '{}\u0000',
  '\u0000{}',
  '{"a":1}}',
  'nul',
  '{"__proto__":',
  '[',
  '{"token":"a","token"}',
);

/** A body of any kind as text: an object with the given entries, another JSON value, or malformed text. */
export function bodyText(entries: fc.Arbitrary<(readonly [string, string])[]>): fc.Arbitrary<string> {
  const object = fc.tuple(entries, fc.constantFrom('', ' ', '\n', '\t')).map(([e, space]) => jsonObject(e, space));
  return fc.oneof(
    { weight: 12, arbitrary: object },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('\ufeff', ' ', '\r\n'), object).map(([prefix, text]) => prefix + text) },
    { weight: 2, arbitrary: jsonValue },
    { weight: 2, arbitrary: malformedJson },
    // A cut-off object: the first n characters of a well-formed one.
    { weight: 2, arbitrary: fc.tuple(object, fc.nat()).map(([text, n]) => text.slice(0, n % Math.max(1, text.length))) },
    // Deep nesting, within the 16 KB limit.
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 8000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

// ---- how a body travels -------------------------------------------------------------------

/** Content types (mostly JSON), Content-Length or chunked, and now and then a Content-Encoding. */
export const transport: fc.Arbitrary<Transport> = fc.record({
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...CONTENT_TYPES.filter((c) => c.json && c.charset === 'utf-8')) },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  ),
  chunked: fc.boolean(),
  encoding: fc.oneof(
    { weight: 10, arbitrary: fc.constant<Transport['encoding']>('identity') },
    { weight: 1, arbitrary: fc.constantFrom<Transport['encoding']>('gzip', 'deflate', 'br', 'corrupt-gzip', 'unknown') },
  ),
});

/** The UTF-8 bytes of `text`, sometimes with bytes that are not UTF-8 spliced in. */
export function bodyBytes(text: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  const junk = fc.constantFrom([0xff], [0xfe], [0xc3], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]);
  return fc.tuple(text, fc.option(fc.tuple(fc.nat(), junk), { nil: undefined, freq: 12 })).map(([t, splice]) => {
    const bytes = Buffer.from(t, 'utf8');
    if (splice === undefined) return bytes;
    const at = splice[0] % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(splice[1]), bytes.subarray(at)]);
  });
}

/**
 * The request parts that send `bytes` as `t` says: its headers and the bytes on the wire. An
 * empty body is sent without a Content-Encoding (there is nothing to decode), and `t` is adjusted
 * to say so.
 */
export function onTheWire(t: Transport, bytes: Buffer): { transport: Transport; headers: Record<string, string>; body: Buffer; chunked: boolean } {
  const used: Transport = bytes.length === 0 && t.encoding !== 'identity' ? { ...t, encoding: 'identity' } : t;
  const headers: Record<string, string> = {};
  if (used.contentType.header !== undefined) headers['Content-Type'] = used.contentType.header;
  let body = bytes;
  switch (used.encoding) {
    case 'gzip':
      headers['Content-Encoding'] = 'gzip';
      body = gzipSync(bytes);
      break;
    case 'deflate':
      headers['Content-Encoding'] = 'Deflate';
      body = deflateSync(bytes);
      break;
    case 'br':
      headers['Content-Encoding'] = 'br';
      body = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1 } });
      break;
    case 'corrupt-gzip':
      headers['Content-Encoding'] = 'gzip';
      body = Buffer.concat([Buffer.from('not gzip: '), bytes]);
      break;
    case 'unknown':
      headers['Content-Encoding'] = 'x-snappy';
      break;
  }
  return { transport: used, headers, body, chunked: used.chunked };
}

// ---- hand-made JWTs ---------------------------------------------------------------------------

/** A JWT made by hand: any header and payload text, signed (HS256) with one of the given secrets, or not. */
export interface CraftedJwt {
  readonly token: string;
  readonly headerText: string;
  readonly payloadText: string;
  /** The name of the secret whose HMAC-SHA256 signs header.payload; undefined: no valid signature. */
  readonly signedWith: string | undefined;
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Header texts: HS256 as issued, other algorithms, typ JWT (whose payload jws parses as JSON), odd kids, not JSON. */
export const jwtHeader = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          alg: fc.constantFrom<unknown>('HS256', 'HS256', 'HS256', 'HS512', 'none', 'hs256', 'RS256', 7),
          typ: fc.constantFrom<unknown>('JWT', 'JWT', 'JWT', 'jwt', 'at+jwt', 1),
          kid: fc.oneof(fc.string(), fc.constantFrom<unknown>(7, null, {}, ['a'])),
          crit: fc.constant(['b64']),
          b64: fc.constant(false),
        },
        { requiredKeys: ['alg'] },
      )
      .map((h) => JSON.stringify(h)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'null',
      '123',
      '"x"',
      '[]',
      '{',
      'not json',
      '{"alg":"HS256","typ":"JWT"}',
      '{"typ":"JWT"}',
      '{"alg":"HS256","__proto__":{"alg":"none"}}',
    ),
  },
);

/** Payload claims that look like this server's, some right and some wrong, and any other JSON. */
export function jwtPayload(claims: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const known = Object.entries(claims).map(([name, value]) =>
    fc.tuple(fc.constant(name), fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: smallJsonValue })),
  );
  const entries = fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.oneof(...known) },
      { weight: 1, arbitrary: fc.tuple(fc.oneof(protoKey, fc.constantFrom('active', 'token_type')), smallJsonValue) },
    ),
    { maxLength: 9 },
  );
  return fc.oneof(
    { weight: 6, arbitrary: entries.map((e) => jsonObject(e)) },
    { weight: 2, arbitrary: fc.constantFrom('not json', '{', '{"exp":', "{'exp':1}", '\u0000', 'null', '123', '"str"', '[]', '[{"exp":1}]', '{"exp":1e309}') },
  );
}

export function craftedJwt(secrets: Readonly<Record<string, string>>, payload: fc.Arbitrary<string>): fc.Arbitrary<CraftedJwt> {
  const names = Object.keys(secrets);
  return fc
    .record({
      headerText: jwtHeader,
      payloadText: payload,
      signer: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'empty', 'garbage', 'padded') }),
    })
    .map(({ headerText, payloadText, signer }) => {
      const input = `${b64url(headerText)}.${b64url(payloadText)}`;
      if (signer === undefined) return { token: `${input}.`, headerText, payloadText, signedWith: undefined };
      if (signer === 'garbage') return { token: `${input}.${b64url('not a signature')}`, headerText, payloadText, signedWith: undefined };
      const secret = secrets[signer] ?? '';
      const signature = createHmac('sha256', secret).update(input).digest('base64url');
      // With '=' padding the token is not JWS compact serialization at all.
      if (signer === 'padded') return { token: `${input}.${signature}=`, headerText, payloadText, signedWith: undefined };
      return { token: `${input}.${signature}`, headerText, payloadText, signedWith: signer === 'empty' ? undefined : signer };
    });
}

/** The secrets a hand-made JWT may be signed with, by name: this server's two, and a stranger's. */
export const SECRETS = { master: CREDENTIALS.MASTER_SECRET, videosdk: CREDENTIALS.VIDEOSDK_SECRET, other: 'some-other-secret-0123456789abcdef' };

const near = (n: number) =>
  fc.oneof(
    fc.integer({ min: n - 90, max: n + 90 }).map(String),
    fc.constantFrom(String(n - 3600), String(n + 3600), `"${n + 60}"`, '1e309', 'null', '-0', `${n}.5`),
  );
/** Claims that look like this server's: right and wrong issuers, types, keys, and times around NOW. */
export const serverClaims = {
  iss: fc.constantFrom(JSON.stringify(CREDENTIALS.MASTER_KEY), '"someone-else"', '7'),
  type: fc.constantFrom('"conference"', '"chat"', '"app"', '"management"', '["chat"]'),
  apikey: fc.constantFrom(JSON.stringify(CREDENTIALS.VIDEOSDK_API_KEY), '"another-key"', 'null'),
  roles: fc.constantFrom('["crawler"]', '["rtc"]', '"crawler"', '[]', '{"0":"crawler"}', 'null'),
  exp: near(NOW_S + 60),
  nbf: near(NOW_S),
  iat: near(NOW_S),
  jti: fc.constantFrom('"4c9ea3ec-3f24-4f8e-9d3b-1f1b1b1b1b1b"', '7', '""', '{}'),
  sub: fc.constantFrom('"alice"', '""', '7'),
  participantId: fc.constantFrom('"p1"', '"p2"'),
};
