/**
 * Property tests of the POST routes that read a JSON body: /hms/management-token, /introspect and
 * /revoke. Any body (objects with hostile keys and values, other JSON, malformed text, bytes that
 * are not UTF-8, 2 MB), any Content-Type, chunked or compressed, and raw requests whose
 * Content-Length lies, get what README says (model.ts); introspection and revocation follow a
 * model of which tokens are active. Never a 5xx, and the app stays healthy.
 */
import type { RequestListener } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { BUILDER_CREDENTIALS, CREDENTIALS, NOW, NOW_S, UUID_V4, testApp } from '../fixtures.js';
import { CLAIMS } from '../claims.js';
import { buildAgoraRtcToken, buildChatToken, buildConferenceToken, buildHmsAppToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { HMS_MANAGEMENT, INTROSPECT, REVOKE, modelBody, modelBodyReading, modelVerify, type JwtVerdict, type Outcome, type Transport } from './model.js';
import {
  SECRETS,
  bodyBytes,
  bodyText,
  craftedJwt,
  jsonNumber,
  jsonValue,
  jwtPayload,
  onTheWire,
  protoKey,
  serverClaims,
  transport,
  unicodeText,
  hostileTextWithHuge,
  type CraftedJwt,
} from './arbitraries.js';
import {
  SCALE,
  badFields,
  budget,
  expectHealthy,
  expectNoStore,
  expectCatalogueProblem,
  responses,
  serve,
  timeoutFor,
  type Reply,
  type Served,
} from './harness.js';

const ADMIN_KEY = CREDENTIALS.ADMIN_API_KEY;
const CHALLENGE = 'Bearer realm="rtc-token-server"';

/** One app for stateless routes; for stateful sequences, a fresh app and store per run behind the same server. */
let stateless: Served;
let current: RequestListener = testApp();
let stateful: Served;

beforeAll(async () => {
  stateless = await serve(testApp());
  stateful = await serve((req, res) => current(req, res));
});
afterEach(async () => {
  await expectHealthy(stateless);
  await expectHealthy(stateful);
});
/** At least this many generated requests in `npm test` (scaled under FUZZ_RUNS). */
const FLOOR = 700;
afterAll(async () => {
  const sent = stateless.sent() + stateful.sent();
  console.info(`[property] bodies.test.ts sent ${sent} generated requests`);
  await stateless.close();
  await stateful.close();
  expect(sent).toBeGreaterThanOrEqual(Math.round(FLOOR * SCALE));
});

/** Authorization headers: the admin key in the forms README accepts, and near misses. */
const adminAuth = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .constantFrom(`Bearer ${ADMIN_KEY}`, `bearer ${ADMIN_KEY}`, `BEARER   ${ADMIN_KEY}`, `Bearer ${ADMIN_KEY}  `)
      .map((header) => ({ header, ok: true })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        undefined,
        '',
        ADMIN_KEY,
        'Bearer',
        `Bearer ${ADMIN_KEY}x`,
        `Bearer ${ADMIN_KEY.slice(1)}`,
        `Bearer\t${ADMIN_KEY}`,
        `Bearer ${ADMIN_KEY} more`,
        `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`,
        `Bearer ${'k'.repeat(8000)}`,
      )
      .map((header) => ({ header, ok: false })),
  },
);

/** application/json, Content-Length, no Content-Encoding. */
const PLAIN: Transport = { contentType: { header: 'application/json', json: true, charset: 'utf-8' }, chunked: false, encoding: 'identity' };

const withAuth = (header: string | undefined, headers: Record<string, string>) => (header === undefined ? headers : { ...headers, Authorization: header });

/** A request body as sent: its bytes (before any Content-Encoding) and how it travels. */
const body = (entries: fc.Arbitrary<(readonly [string, string])[]>) => fc.record({ bytes: bodyBytes(bodyText(entries)), transport });

async function post(served: Served, path: string, auth: string | undefined, t: Transport, bytes: Buffer) {
  const wire = onTheWire(t, bytes);
  const res = await served.send({ method: 'POST', path, headers: withAuth(auth, wire.headers), body: wire.body, chunked: wire.chunked });
  return { res, verdict: modelBodyReading(wire.transport, bytes) };
}

/** Checks a refused body or 400 fields; returns the outcome when the body was read and its arguments are valid. */
function expectRead(res: Reply, verdict: ReturnType<typeof modelBodyReading>, outcome: (value: unknown) => Outcome): Record<string, unknown> | undefined {
  expectNoStore(res);
  if (verdict.kind === 'problem') {
    expect(expectCatalogueProblem(res, verdict.status)).toBe(verdict.code);
    return undefined;
  }
  const o = outcome(verdict.value);
  if (o.kind === 'invalid') {
    expect(expectCatalogueProblem(res, 400), res.text).toBe('invalid-request');
    expect(badFields(res)).toEqual(o.fields);
    return undefined;
  }
  return o.args;
}

describe('POST /hms/management-token: any body', () => {
  it(
    "the answer is the model's, a token lives exactly expiresIn, never a 5xx",
    async () => {
      const entries = fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.tuple(fc.constant('expiresIn'), fc.oneof(fc.integer({ min: 1, max: 86400 }).map(String), jsonNumber, jsonValue)) },
          { weight: 1, arbitrary: fc.tuple(fc.oneof(protoKey, unicodeText), jsonValue) },
        ),
        { maxLength: 4 },
      );
      await fc.assert(
        fc.asyncProperty(adminAuth, body(entries), async (auth, { bytes, transport: t }) => {
          const { res, verdict } = await post(stateless, '/hms/management-token', auth.header, t, bytes);
          if (!auth.ok) {
            expect(expectCatalogueProblem(res, 401)).toBe('unauthorized');
            expect(res.headers['www-authenticate']).toBe(CHALLENGE);
            return;
          }
          const args = expectRead(res, verdict, (value) => modelBody(HMS_MANAGEMENT, value));
          if (args === undefined) return;
          expect(res.status, res.text).toBe(200);
          expect(res.body).toEqual({ token: expect.any(String), expiresAt: new Date((NOW_S + (args.expiresIn as number)) * 1000).toISOString() });
          CLAIMS.hmsManagement(res.body.token, args);
        }),
        budget(300),
      );
    },
    timeoutFor(20_000),
  );
});

// ---- introspection and revocation against a model ------------------------------------------------

const { native, videosdk: vsdk, hms, agora } = BUILDER_CREDENTIALS;

/** A token of the pool a sequence works on, and what the model knows of it. */
interface PoolToken {
  readonly token: string;
  /** What verifying it at NOW must give, with or without its expiry checked. */
  verdict(ignoreExpiration: boolean): JwtVerdict;
}

const KINDS = ['conference', 'chat', 'videosdk', 'videosdk-without-jti', 'hms', 'agora', 'conference-other-secret', 'videosdk-other-key', 'tampered'] as const;
/** Issue times around the edges the model cares about: expired, within the 30 s tolerance, not yet valid. */
const OFFSETS = [0, -600, -3600 - 29, -3600 - 31, -86400, 15, 45, 3600];

/** A token this server issued (or looks like one), issued `offset` seconds from NOW for an hour. */
function mint(kind: (typeof KINDS)[number], offset: number): PoolToken {
  const now = new Date(NOW.getTime() + offset * 1000);
  const iat = NOW_S + offset;
  const exp = iat + 3600;
  /** Ours: verifiable when not before its nbf (30 s tolerance), active while also unexpired. */
  const ours = (token: string, type: 'conference' | 'chat' | 'videosdk', nbf?: number): PoolToken => ({
    token,
    verdict(ignoreExpiration) {
      if (nbf !== undefined && nbf > NOW_S + 30) return { kind: 'invalid' };
      if (!ignoreExpiration && NOW_S >= exp + 30) return { kind: 'expired' };
      return { kind: 'valid', type, claims: jwt.decode(token) as Record<string, unknown> };
    },
  });
  const foreign = (token: string): PoolToken => ({ token, verdict: () => ({ kind: 'invalid' }) });
  switch (kind) {
    case 'conference':
      return ours(buildConferenceToken({ userId: 'alice', roomId: 'room1', role: 'admin', expirationMinutes: 60 }, native, { now }).token, 'conference', iat);
    case 'chat':
      return ours(buildChatToken({ userId: 'bob', channelId: 'general', read: true, write: false, ttlMinutes: 60 }, native, { now }).token, 'chat', iat);
    case 'videosdk':
      return ours(buildVideoSdkToken({ roles: ['crawler'], participantId: 'p1', expiresIn: 3600 }, vsdk, { now }).token, 'videosdk');
    case 'videosdk-without-jti':
      // As VideoSDK tokens were before they carried a jti: verifiable, but not revocable on its own.
      return ours(
        jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], version: 2, iat, exp }, CREDENTIALS.VIDEOSDK_SECRET, {
          algorithm: 'HS256',
        }),
        'videosdk',
      );
    case 'hms':
      return foreign(buildHmsAppToken({ roomId: 'r', userId: 'u', role: 'host', expiresIn: 3600 }, hms, { now }).token);
    case 'agora':
      return foreign(buildAgoraRtcToken({ channelName: 'c', uid: 7, expireTime: 3600 }, agora, { now }).token);
    case 'conference-other-secret':
      return foreign(
        buildConferenceToken(
          { userId: 'a', roomId: 'r', role: 'admin' },
          { key: CREDENTIALS.MASTER_KEY, secret: secretKey('another-master-secret-0123456789abcdef') },
          { now },
        ).token,
      );
    case 'videosdk-other-key':
      return foreign(buildVideoSdkToken({}, { apiKey: 'another-api-key', secret: vsdk.secret }, { now }).token);
    case 'tampered': {
      // A signature with one character changed.
      const token = buildConferenceToken({ userId: 'alice', roomId: 'room1', role: 'admin' }, native, { now }).token;
      const i = token.length - 5;
      return foreign(token.slice(0, i) + (token[i] === 'A' ? 'z' : 'A') + token.slice(i + 1));
    }
  }
}

const PROVIDERS = { native: { key: CREDENTIALS.MASTER_KEY, secret: 'master' }, videosdk: { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: 'videosdk' } };
/** A hand-made JWT, whose verdict is the model's. */
const crafted = (t: CraftedJwt): PoolToken => ({ token: t.token, verdict: (ignoreExpiration) => modelVerify(t, PROVIDERS, NOW_S, ignoreExpiration) });

type Op =
  | { op: 'introspect'; ref: number }
  | { op: 'revoke-jti'; ref: number }
  | { op: 'revoke-token'; ref: number }
  | { op: 'revoke-text'; jti: string }
  | { op: 'raw'; path: '/introspect' | '/revoke'; bytes: Buffer; transport: Transport };

const rawEntries = fc.array(
  fc.tuple(
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom('token', 'jti') }, { weight: 1, arbitrary: protoKey }, { weight: 1, arbitrary: unicodeText }),
    fc.oneof({ weight: 2, arbitrary: hostileTextWithHuge.map((s) => JSON.stringify(s)) }, { weight: 1, arbitrary: jsonValue }),
  ),
  { maxLength: 3 },
);

const sequence = fc.record({
  pool: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constantFrom(...KINDS), offset: fc.constantFrom(...OFFSETS) }),
      craftedJwt(SECRETS, jwtPayload(serverClaims)).map((t) => ({ crafted: t })),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  ops: fc.array<Op>(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('introspect' as const), ref: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('revoke-jti' as const), ref: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('revoke-token' as const), ref: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke-text' as const), jti: hostileTextWithHuge }) },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('raw' as const),
          path: fc.constantFrom('/introspect' as const, '/revoke' as const),
          bytes: bodyBytes(bodyText(rawEntries)),
          transport,
        }),
      },
    ),
    { minLength: 1, maxLength: 6 },
  ),
});

/** What a JSON response carries for `value` (JSON.stringify's view: Infinity is null, -0 is 0). */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('POST /introspect and /revoke: sequences against a model of revocations', () => {
  it(
    "each answer is the model's: active exactly while verified, unexpired and not revoked; revocations last as README says",
    async () => {
      await fc.assert(
        fc.asyncProperty(sequence, async ({ pool: specs, ops }) => {
          current = testApp({}, { store: openMemoryStore() });
          const pool = specs.map((spec) => ('crafted' in spec ? crafted(spec.crafted) : mint(spec.kind, spec.offset)));
          /** The jtis a rule refuses; every rule has the default end (now + TOKEN_MAX_TTL + 30 s), and the clock stands still. */
          const revoked = new Set<string>();
          const isRevoked = (jti: unknown) => typeof jti === 'string' && revoked.has(jti);
          const auth = `Bearer ${ADMIN_KEY}`;
          const send = (path: string, body: unknown) => post(stateful, path, auth, PLAIN, Buffer.from(JSON.stringify(body)));
          /** A 400 naming exactly `field`. */
          const expectBad = (res: Reply, field: string) => {
            expect(expectCatalogueProblem(res, 400), res.text).toBe('invalid-request');
            expect(badFields(res)).toEqual([field]);
          };
          /** A rule on `jti`, lasting TOKEN_MAX_TTL plus the 30 s tolerance from now. */
          const expectJtiRevoked = (res: Reply, jti: string) => {
            revoked.add(jti);
            expect(res.status, res.text).toBe(201);
            expect(res.body).toEqual({
              id: expect.stringMatching(UUID_V4),
              kind: 'jti',
              value: jti,
              until: new Date(NOW.getTime() + (86400 + 30) * 1000).toISOString(),
              createdAt: NOW.toISOString(),
            });
          };

          for (const op of ops) {
            if (op.op === 'introspect') {
              const t = pool[op.ref % pool.length]!;
              const { res, verdict } = await send('/introspect', { token: t.token });
              if (expectRead(res, verdict, (value) => modelBody(INTROSPECT, value)) === undefined) continue;
              expect(res.status, res.text).toBe(200);
              const v = t.verdict(false);
              if (v.kind === 'valid' && !isRevoked(v.claims.jti)) expect(res.body).toEqual(asJson({ ...v.claims, active: true, token_type: v.type }));
              else expect(res.body).toEqual({ active: false });
            } else if (op.op === 'revoke-jti' || op.op === 'revoke-text') {
              const claims = op.op === 'revoke-jti' ? (pool[op.ref % pool.length]!.verdict(true) as { claims?: Record<string, unknown> }).claims : undefined;
              const jti = op.op === 'revoke-text' ? op.jti : typeof claims?.jti === 'string' ? claims.jti : 'no-jti';
              // A 100 KB jti makes the body too large: the body is read before its fields.
              const { res, verdict } = await send('/revoke', { jti });
              const args = expectRead(res, verdict, (value) => modelBody(REVOKE, value));
              if (args === undefined) continue;
              if (args.jti === undefined) expectBad(res, 'body');
              else expectJtiRevoked(res, jti);
            } else if (op.op === 'revoke-token') {
              const t = pool[op.ref % pool.length]!;
              const v = t.verdict(true);
              const { res, verdict } = await send('/revoke', { token: t.token });
              if (expectRead(res, verdict, (value) => modelBody(REVOKE, value)) === undefined) continue;
              // Any token of ours with a jti, expired or not, becomes a rule on its jti.
              if (v.kind !== 'valid' || typeof v.claims.jti !== 'string') expectBad(res, 'token');
              else expectJtiRevoked(res, v.claims.jti);
            } else {
              const { res, verdict } = await post(stateful, op.path, auth, op.transport, op.bytes);
              const args = expectRead(res, verdict, (value) => modelBody(op.path === '/introspect' ? INTROSPECT : REVOKE, value));
              if (args === undefined) continue;
              if (op.path === '/introspect') {
                // Random text is never one of our tokens.
                expect(res.status, res.text).toBe(200);
                expect(res.body).toEqual({ active: false });
              } else if (args.jti === undefined && args.token === undefined) {
                expectBad(res, 'body');
              } else if (args.token !== undefined && args.jti !== undefined) {
                // Two kinds of rule: the second one given is named.
                expectBad(res, 'jti');
              } else if (args.token !== undefined) {
                // Random text is never a token of ours.
                expectBad(res, 'token');
              } else {
                expectJtiRevoked(res, args.jti as string);
              }
            }
          }
        }),
        budget(100),
      );
    },
    timeoutFor(20_000),
  );
});

// ---- 2 MB bodies and lying lengths -----------------------------------------------------------

describe('2 MB bodies and requests whose length lies', () => {
  const MB2 = 2 * 1024 * 1024;
  const crawler = buildVideoSdkToken({ roles: ['crawler'] }, vsdk, { now: NOW }).token;
  const ROUTES = [
    { path: '/hms/management-token', auth: `Bearer ${ADMIN_KEY}` },
    { path: '/introspect', auth: `Bearer ${ADMIN_KEY}` },
    { path: '/revoke', auth: `Bearer ${ADMIN_KEY}` },
    // With no Authorization header the meeting routes look for the token in the body, so they read it first.
    { path: '/create-meeting', auth: `Bearer ${crawler}`, bodyToken: true },
    { path: '/validate-meeting/abcd-efgh-ijkl', auth: crawler, bodyToken: true },
  ];
  const BIG = [
    'x'.repeat(MB2),
    `{"token":"${'a'.repeat(MB2)}"}`,
    `{"expiresIn":${'9'.repeat(MB2)}}`,
    '['.repeat(MB2),
    `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`.padEnd(MB2, ' '),
  ].map((text) => Buffer.from(text, 'utf8'));
  const big = fc.constantFrom(...BIG.keys());

  it(
    'an authorized 2 MB JSON body gets 413 problem+json (plain, chunked or gzip), a 2 MB body of another type 415, and without authorization 401 (where the body cannot carry the token)',
    async () => {
      const arb = fc.record({
        route: fc.constantFrom(...ROUTES),
        make: big,
        how: fc.constantFrom<Transport['encoding']>('identity', 'identity', 'gzip', 'br'),
        chunked: fc.boolean(),
        type: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=b',
        ),
        unauthorized: fc.constantFrom(false, false, false, true),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ route, make, how, chunked, type, unauthorized }) => {
          const bytes = BIG[make]!;
          const json = type.startsWith('application/json');
          const wire = onTheWire({ contentType: { header: type, json, charset: 'utf-8' }, chunked, encoding: how }, bytes);
          const res = await stateless.send({
            method: 'POST',
            path: route.path,
            headers: withAuth(unauthorized ? undefined : route.auth, wire.headers),
            body: wire.body,
            chunked,
          });
          if (unauthorized && !('bodyToken' in route)) expect(expectCatalogueProblem(res, 401)).toBe('unauthorized');
          else if (json) expect(expectCatalogueProblem(res, 413)).toBe('payload-too-large');
          else expect(expectCatalogueProblem(res, 415)).toBe('unsupported-media-type');
        }),
        budget(30),
      );
    },
    timeoutFor(30_000),
  );

  /** A raw request to /hms/management-token with the admin key and the given length headers. */
  const rawRequest = (lengthHeaders: string, bytes: Buffer, close = true) =>
    Buffer.concat([
      Buffer.from(
        `POST /hms/management-token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n${lengthHeaders}${close ? 'Connection: close\r\n' : ''}\r\n`,
        'latin1',
      ),
      bytes,
    ]);
  const HEALTH = Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'latin1');
  const entries = fc.array(fc.tuple(fc.constantFrom('expiresIn', 'x'), fc.oneof(jsonNumber, jsonValue)), { maxLength: 3 });
  /** The model's answer to a body of `bytes` (application/json, no encoding); returns the args of a 200. */
  const expectModel = (res: Reply, bytes: Buffer) => {
    const args = expectRead(res, modelBodyReading(PLAIN, bytes), (value) => modelBody(HMS_MANAGEMENT, value));
    if (args !== undefined) {
      expect(res.status, res.text).toBe(200);
      CLAIMS.hmsManagement(res.body.token, args);
    }
  };

  it(
    "a body cut short by its Content-Length, the next request right behind it: the first answer is the model's for the bytes declared, the next request is answered as its own",
    async () => {
      await fc.assert(
        fc.asyncProperty(bodyBytes(bodyText(entries)), fc.nat(), async (bytes, cut) => {
          const declared = bytes.subarray(0, cut % (bytes.length + 1));
          const replies = responses(await stateless.raw(Buffer.concat([rawRequest(`Content-Length: ${declared.length}\r\n`, declared, false), HEALTH])));
          expect(replies.map((r) => r.status)).toHaveLength(2);
          expectModel(replies[0] as Reply, declared);
          expect(replies[1]).toMatchObject({ status: 200, body: { status: 'ok' } });
        }),
        budget(60),
      );
    },
    timeoutFor(20_000),
  );

  it(
    'a Content-Length that lies (shorter with bytes after it, longer than what arrives, malformed, or beside Transfer-Encoding): never a 5xx; the app answers as the model says or Node refuses the framing with 400',
    async () => {
      const arb = fc.record({
        bytes: bodyBytes(bodyText(entries)),
        cut: fc.nat(),
        lie: fc.constantFrom('shorter', 'shorter', 'longer', 'not-a-number', 'negative', 'two-values', 'with-chunked', 'plus-sign'),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ bytes, cut, lie }) => {
          const declared = cut % (bytes.length + 1);
          const header = {
            shorter: `Content-Length: ${declared}\r\n`,
            longer: `Content-Length: ${bytes.length + 1 + (cut % 100)}\r\n`,
            'not-a-number': 'Content-Length: abc\r\n',
            negative: 'Content-Length: -1\r\n',
            'two-values': `Content-Length: ${bytes.length}, ${bytes.length + 1}\r\n`,
            'with-chunked': `Content-Length: ${bytes.length}\r\nTransfer-Encoding: chunked\r\n`,
            'plus-sign': `Content-Length: +${bytes.length}\r\n`,
          }[lie];
          const replies = responses(await stateless.raw(rawRequest(header, bytes)));
          for (const reply of replies) {
            expect(reply.status, reply.text).toBeLessThan(500);
            // The app's answers carry a request id; Node's own refusals of bad framing do not.
            if (reply.headers['x-request-id'] !== undefined) {
              expect(lie).toBe('shorter');
              expectModel(reply, bytes.subarray(0, declared));
            } else {
              expect(reply.status).toBe(400);
            }
          }
          if (lie !== 'shorter' && lie !== 'longer') expect(replies.map((r) => r.status)).toEqual([400]);
        }),
        budget(60),
      );
    },
    timeoutFor(20_000),
  );
});
