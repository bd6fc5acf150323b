/**
 * Property tests of the GET token routes: any query string (hostile text, repeated and empty
 * parameters, Object.prototype's names, every wire encoding) gets what README's rules say, as
 * modelled in model.ts: a token whose decoded claims are exactly the arguments asked for, or a
 * 400 problem+json naming exactly the bad arguments. Never a 5xx, and the app stays healthy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { METHODS as NODE_METHODS } from 'node:http';
import jwt from 'jsonwebtoken';
import { NOW_S, testApp } from '../fixtures.js';
import { CLAIMS } from '../claims.js';
import { API_KEY_CHALLENGE } from '../../src/http/middleware/caller-auth.js';
import { CHANNEL_ALPHABET, AGORA_RTC, AGORA_RTM, CHAT, CONFERENCE, HMS_APP, VIDEOSDK, modelQuery, type ModelSchema, type Outcome } from './model.js';
import { anyChar, craftedJwt, encodeComponent, encodeEveryByte, hugeText, jwtPayload, protoKey, queryFor, specialChar, unicodeText } from './arbitraries.js';
import { SCALE, badFields, budget, expectHealthy, expectNoStore, expectCatalogueProblem, serve, timeoutFor, type Reply, type Served } from './harness.js';

const API_KEY = 'property-client-key-0123456789';
let open: Served;
let keyed: Served;

beforeAll(async () => {
  open = await serve(testApp());
  keyed = await serve(testApp({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: API_KEY }));
});
afterEach(async () => {
  await expectHealthy(open);
  await expectHealthy(keyed);
});
/** At least this many generated requests in `npm test` (scaled under FUZZ_RUNS); see harness.ts. */
const FLOOR = 1000;
afterAll(async () => {
  const sent = open?.sent() + keyed?.sent();
  console.info(`[property] routes.test.ts sent ${sent} generated requests`);
  await open?.close();
  await keyed?.close();
  expect(sent).toBeGreaterThanOrEqual(Math.round(FLOOR * SCALE));
});

// ---- well-formed values of each kind of argument ---------------------------------------------

/** Text a route must accept as an identifier: well-formed, no control characters, 1..max bytes. */
const identifier = (maxBytes: number) =>
  fc
    .string({ unit: fc.oneof({ weight: 4, arbitrary: anyChar }, { weight: 1, arbitrary: specialChar }), minLength: 1, maxLength: 40 })
    // eslint-disable-next-line no-control-regex -- replacing control characters is the point.
    .map((s) => s.replace(/[\u0000-\u001f\u007f]/g, 'x').toWellFormed())
    .filter((s) => Buffer.byteLength(s) <= maxBytes);
const seconds = (max: number) =>
  fc.oneof(
    fc.integer({ min: 1, max }).map(String),
    fc.integer({ min: 1, max }).map((n) => `000${n}`),
    fc.constantFrom('1', String(max)),
  );
const commaListOf = (values: readonly string[], refuse?: (l: string[]) => boolean) =>
  fc
    .array(fc.constantFrom(...values), { minLength: 1, maxLength: 4 })
    .filter((l) => !refuse?.(l))
    .chain((l) =>
      fc
        .array(fc.constantFrom('', ' ', '\t', '\u00a0'), { minLength: l.length, maxLength: l.length })
        .map((pads) => l.map((v, i) => `${pads[i]}${v}`).join(',')),
    );
const bothJoins = (l: string[]) => l.includes('allow_join') && l.includes('ask_join');

// ---- how a token must look -------------------------------------------------------------------

const expiry = (seconds: number) => new Date((NOW_S + seconds) * 1000).toISOString();

interface RouteSpec {
  readonly path: string;
  readonly model: ModelSchema;
  readonly valid: Record<string, fc.Arbitrary<string>>;
  /** One accepted value of each required argument. */
  readonly sample: Record<string, string>;
  /** The identity argument and its wildcard, refused when callers authenticate (403). */
  readonly wildcard?: { field: string; value: unknown };
  /** Checks the token against the arguments; returns its lifetime in seconds. */
  readonly claims: (token: string, args: Record<string, any>) => number;
  /** A combination README refuses after each argument is read on its own. */
  readonly refuse?: (args: Record<string, any>) => string | undefined;
}

const ROUTES: RouteSpec[] = [
  {
    path: '/access_token',
    model: AGORA_RTC,
    valid: {
      channelName: fc.string({ unit: fc.constantFrom(...CHANNEL_ALPHABET), minLength: 1, maxLength: 63 }),
      uid: fc.oneof(
        fc.nat({ max: 4294967295 }).map(String),
        fc.nat({ max: 99 }).map((n) => `00${n}`),
        fc.constantFrom('0', '4294967295'),
        identifier(255),
      ),
      role: fc.constantFrom('publisher', 'subscriber'),
      expireTime: seconds(86400),
    },
    sample: { channelName: 'room' },
    wildcard: { field: 'uid', value: 0 },
    claims: CLAIMS.agoraRtc,
  },
  {
    path: '/rtm_token',
    model: AGORA_RTM,
    valid: { uid: identifier(64), expireTime: seconds(86400) },
    sample: { uid: 'alice' },
    claims: CLAIMS.agoraRtm,
  },
  {
    path: '/get-token',
    model: VIDEOSDK,
    valid: {
      permissions: commaListOf(['allow_join', 'ask_join', 'allow_mod'], bothJoins),
      roomId: identifier(128),
      participantId: identifier(128),
      roles: commaListOf(['crawler', 'rtc']),
      expiresIn: seconds(86400),
    },
    sample: {},
    claims: CLAIMS.videosdk,
  },
  {
    path: '/hms/app-token',
    model: HMS_APP,
    valid: {
      roomId: identifier(128),
      userId: identifier(128),
      role: fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 1, maxLength: 128 }),
      expiresIn: seconds(86400),
    },
    sample: { roomId: 'room', userId: 'alice', role: 'host' },
    claims: CLAIMS.hmsApp,
  },
  {
    path: '/conference-token',
    model: CONFERENCE,
    valid: { userId: identifier(128), roomId: identifier(128), role: fc.constantFrom('admin', 'publisher', 'subscriber'), expirationMinutes: seconds(1440) },
    sample: { userId: 'alice', roomId: 'room', role: 'admin' },
    claims: CLAIMS.conference,
  },
  {
    path: '/chat-token',
    model: CHAT,
    valid: {
      userId: identifier(128),
      channelId: identifier(128),
      read: fc.constantFrom('true', 'false', '1', '0'),
      write: fc.constantFrom('true', 'false', '1', '0'),
      ttlMinutes: seconds(1440),
    },
    sample: { userId: 'alice', channelId: 'general' },
    refuse: (args) => (!args.read && !args.write ? 'write' : undefined),
    claims: CLAIMS.chat,
  },
];

/** The model's outcome, with the route's combination rule applied after the arguments pass. */
function expected(route: RouteSpec, pairs: [string, string][]): Outcome {
  const outcome = modelQuery(route.model, pairs);
  if (outcome.kind === 'ok') {
    const refused = route.refuse?.(outcome.args);
    if (refused) return { kind: 'invalid', fields: [refused] };
  }
  return outcome;
}

/** Checks one answer against the outcome: the token and its claims, or the 400 naming exactly the bad fields. */
function expectOutcome(route: RouteSpec, res: Reply, outcome: Outcome, head: boolean): void {
  expectNoStore(res);
  if (outcome.kind === 'invalid') {
    expect(res.status, res.text.slice(0, 400)).toBe(400);
    if (head) return;
    expect(expectCatalogueProblem(res)).toBe('invalid-request');
    expect(badFields(res)).toEqual(outcome.fields);
    return;
  }
  expect(res.status, res.text.slice(0, 400)).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  if (head) return;
  expect(Object.keys(res.body)).toEqual(['token', 'expiresAt']);
  const lifetime = route.claims(res.body.token, outcome.args);
  expect(res.body.expiresAt).toBe(expiry(lifetime));
}

const origin = fc.option(fc.constantFrom('https://app.example.com', 'null', 'http://localhost:3000', 'https://évil.example', '*', ''), {
  nil: undefined,
  freq: 3,
});

describe('GET token routes: any query string', () => {
  for (const route of ROUTES) {
    const fields = Object.fromEntries(Object.entries(route.model).map(([name, f]) => [name, { valid: route.valid[name]!, required: f.required }]));

    it(
      `${route.path}: the answer is the model's, a token carries exactly the arguments, never a 5xx`,
      async () => {
        await fc.assert(
          fc.asyncProperty(queryFor(fields), fc.constantFrom('GET', 'GET', 'GET', 'HEAD'), origin, async ({ query, pairs }, method, from) => {
            const headers: Record<string, string> = from === undefined ? {} : { Origin: from };
            const res = await open.send({ method, path: `${route.path}?${query}`, headers });
            expectOutcome(route, res, expected(route, pairs), method === 'HEAD');
            expect(res.headers.vary).toMatch(/\bOrigin\b/);
            if (from !== undefined) expect(res.headers['access-control-allow-origin']).toBe('*');
          }),
          budget(150),
        );
      },
      timeoutFor(20_000),
    );

    it(
      `${route.path} under CLIENT_AUTH=api-key: 401 without the key, else the same answers (and 403 for a wildcard identity)`,
      async () => {
        const key = fc.oneof(
          { weight: 6, arbitrary: fc.constant(API_KEY) },
          { weight: 1, arbitrary: fc.constantFrom(undefined, '', ` ${API_KEY}x`, API_KEY.toUpperCase(), 'short') },
        );
        await fc.assert(
          fc.asyncProperty(queryFor(fields), key, async ({ query, pairs }, apiKey) => {
            const res = await keyed.send({ method: 'GET', path: `${route.path}?${query}`, headers: apiKey === undefined ? {} : { 'X-API-Key': apiKey } });
            if (apiKey !== API_KEY) {
              expect(expectCatalogueProblem(res, 401)).toBe('unauthorized');
              expect(res.headers['www-authenticate']).toBe(API_KEY_CHALLENGE);
              return;
            }
            const outcome = expected(route, pairs);
            if (outcome.kind === 'ok' && route.wildcard && outcome.args[route.wildcard.field] === route.wildcard.value) {
              expect(expectCatalogueProblem(res, 403)).toBe('forbidden');
              return;
            }
            expectOutcome(route, res, outcome, false);
          }),
          budget(30),
        );
      },
      timeoutFor(20_000),
    );
  }
});

describe('GET token routes under CLIENT_AUTH=jwt: hand-made bearer tokens', () => {
  const CLIENT_SECRET = 'client-jwt-secret-for-property-tests-0123';
  const callerClaims = {
    sub: fc.constantFrom('"alice"', '"bob"', '""', '7', '"0"', '"12345"'),
    exp: fc.constantFrom(String(NOW_S + 600), String(NOW_S - 600), String(NOW_S + 20), '"soon"', '1e309'),
    nbf: fc.constantFrom(String(NOW_S), String(NOW_S + 600), 'null'),
    iat: fc.constantFrom(String(NOW_S), String(NOW_S + 600), '"now"'),
    roles: fc.constantFrom('["publisher"]', '"admin publisher"', '[7]', '{}'),
  };

  it(
    'a token not signed with CLIENT_JWT_SECRET gets 401 with a Bearer challenge; a signed one never a 5xx, and its token is for its own sub',
    async () => {
      const jwtApp = await serve(testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: CLIENT_SECRET }));
      try {
        const arb = fc.record({
          t: craftedJwt({ client: CLIENT_SECRET, other: 'not-the-client-secret-0123456789abcd' }, jwtPayload(callerClaims)),
          path: fc.constantFrom('/conference-token?roomId=r&role=subscriber', '/chat-token?channelId=c', '/rtm_token', '/access_token?channelName=c'),
        });
        await fc.assert(
          fc.asyncProperty(arb, async ({ t, path }) => {
            const res = await jwtApp.send({ method: 'GET', path, headers: { Authorization: `Bearer ${t.token}` } });
            expect(res.status, res.text).toBeLessThan(500);
            if (t.signedWith !== 'client') expect(res.status, res.text).toBe(401);
            if (res.status >= 400) expectCatalogueProblem(res);
            if (res.status === 401)
              expect(res.headers['www-authenticate'], `${res.status} ${res.text.slice(0, 200)} ${t.token.length}`).toMatch(/^Bearer realm="rtc-token-server"/);
            if (res.status === 200 && !path.startsWith('/access_token') && !path.startsWith('/rtm_token')) {
              expect((jwt.decode(res.body.token) as jwt.JwtPayload).sub).toBe(JSON.parse(t.payloadText).sub);
            }
          }),
          budget(60),
        );
        await expectHealthy(jwtApp);
      } finally {
        await jwtApp.close();
      }
    },
    timeoutFor(20_000),
  );
});

describe('GET token routes: 100 KB values', () => {
  it(
    'any argument of any route given 100 KB of text is refused, naming that argument',
    async () => {
      const arb = fc
        .constantFrom(...ROUTES)
        .chain((route) => fc.record({ route: fc.constant(route), name: fc.constantFrom(...Object.keys(route.model)), huge: hugeText, lower: fc.boolean() }));
      await fc.assert(
        fc.asyncProperty(arb, async ({ route, name, huge, lower }) => {
          // Every other argument well-formed, so the one named is the only bad one.
          const others = Object.entries(route.sample)
            .filter(([other]) => other !== name)
            .map(([other, value]) => `${other}=${value}`);
          const res = await open.send({ method: 'GET', path: `${route.path}?${[...others, `${name}=${encodeEveryByte(huge, lower)}`].join('&')}` });
          expect(expectCatalogueProblem(res, 400)).toBe('invalid-request');
          expect(badFields(res)).toEqual([name]);
        }),
        budget(30),
      );
    },
    timeoutFor(20_000),
  );

  it("when a URL exceeds Node's default 16 KB header limit (as in the server process), then Node answers 431 itself and the app stays healthy", async () => {
    const small = await serve(testApp(), { maxHeaderSize: 16 * 1024 });
    try {
      const res = await small.send({ method: 'GET', path: `/access_token?channelName=${'a'.repeat(100_000)}` });
      expect(res.status).toBe(431);
      await expectHealthy(small);
    } finally {
      await small.close();
    }
  });
});

describe('any method on any path', () => {
  const PATHS: Record<string, readonly string[]> = {
    '/access_token': ['GET', 'HEAD'],
    '/rtm_token': ['GET', 'HEAD'],
    '/get-token': ['GET', 'HEAD'],
    '/hms/app-token': ['GET', 'HEAD'],
    '/conference-token': ['GET', 'HEAD'],
    '/chat-token': ['GET', 'HEAD'],
    '/hms/management-token': ['POST'],
    '/introspect': ['POST'],
    '/revoke': ['POST'],
    '/create-meeting': ['POST'],
    '/validate-meeting/abcd-efgh-ijkl': ['POST'],
    '/healthz': ['GET', 'HEAD'],
    '/readyz': ['GET', 'HEAD'],
    '/metrics': ['GET', 'HEAD'],
  };
  // Every method Node's HTTP parser knows, except CONNECT (a tunnel, not a request).
  const METHODS = NODE_METHODS.filter((m) => m !== 'CONNECT');

  it(
    'a method a path does not serve gets 405 with Allow (OPTIONS: 204 with Allow), as problem+json',
    async () => {
      const arb = fc.constantFrom(...Object.keys(PATHS)).chain((path) =>
        fc.record({
          path: fc.constant(path),
          method: fc.constantFrom(...METHODS.filter((m) => !PATHS[path]!.includes(m))),
          query: fc.option(
            unicodeText.map((t) => encodeComponent(t)),
            { nil: undefined },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ path, method, query }) => {
          const allowed = PATHS[path]!;
          const res = await open.send({ method, path: query === undefined ? path : `${path}?q=${query}` });
          const allow = [...allowed, 'OPTIONS'].join(', ');
          if (method === 'OPTIONS') {
            expect(res.status).toBe(204);
            expect(res.headers.allow).toBe(allow);
            return;
          }
          expect(res.status).toBe(405);
          expect(res.headers.allow).toBe(allow);
          if (method === 'HEAD') expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          else expect(expectCatalogueProblem(res, 405)).toBe('method-not-allowed');
        }),
        budget(60),
      );
    },
    timeoutFor(20_000),
  );

  it(
    'any other path gets a 404 problem+json (or what a known path serves), never a 5xx',
    async () => {
      const segment = fc.oneof(
        unicodeText.map((t) => encodeComponent(t)),
        fc.constantFrom(
          '..',
          '.',
          '%2e%2e',
          '%2F',
          '%00',
          '%',
          '%E0%A4%A',
          '%FF',
          '~',
          ';x',
          'access_token',
          'ACCESS_TOKEN',
          'docs',
          'metrics',
          'validate-meeting',
          'hms',
          'favicon.ico',
        ),
        protoKey,
      );
      const arb = fc.record({
        segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
        method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT'),
        trailing: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ segments, method, trailing }) => {
          const path = `/${segments.join('/')}${trailing ? '/' : ''}`;
          const res = await open.send({ method, path });
          expect(res.status, `${method} ${path}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400 && method !== 'HEAD') expectCatalogueProblem(res);
        }),
        budget(150),
      );
    },
    timeoutFor(20_000),
  );
});
