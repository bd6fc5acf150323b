/**
 * Property tests of the validators and builders without HTTP: every argument rule on any
 * JavaScript value and any query text, every builder and TokenClient on any input, and token
 * verification on any string and on hand-made JWTs. Each is compared with the model (model.ts):
 * the same verdict, the same value; a refusal is always the TypeError/RangeError README promises,
 * naming the argument; a token always carries exactly its arguments.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  InvalidTokenError,
  TokenClient,
  buildAgoraRtcToken,
  buildAgoraRtmToken,
  buildChatToken,
  buildConferenceToken,
  buildHmsAppToken,
  buildHmsManagementToken,
  buildVideoSdkToken,
  verifyNativeToken,
  verifyVideoSdkToken,
} from '../../src/index.js';
import { verifyIssuedToken } from '../../src/tokens/introspect.js';
import { createTokenService } from '../../src/tokens/service.js';
import type { Schema } from '../../src/tokens/args.js';
import { BUILDER_CREDENTIALS, CREDENTIALS, NOW, NOW_S, testConfig } from '../fixtures.js';
import { CLAIMS, type TokenKind } from '../claims.js';
import { modelArgs, modelSchemas, modelVerify, type ModelSchema } from './model.js';
import { SECRETS, craftedJwt, hostileTextWithHuge, jwtPayload, numberText, protoKey, serverClaims, unicodeText, boolText } from './arbitraries.js';
import { budget, timeoutFor } from './harness.js';

// ---- values of every kind ----------------------------------------------------------------------

const specialNumber = fc.constantFrom(
  NaN,
  -0,
  0,
  1,
  Infinity,
  -Infinity,
  Number('1e309'),
  -Number('1e309'),
  2 ** 53 + 2,
  2 ** 32,
  4294967295,
  4294967296,
  0.5,
  60.0000001,
  1e-7,
  -1,
  60,
  3600,
  86400,
  86401,
  1440,
  1441,
  604800,
  604801,
  Number.MIN_VALUE,
  Number.EPSILON,
);
const ENUMS = ['allow_join', 'ask_join', 'allow_mod', 'crawler', 'rtc', 'publisher', 'subscriber', 'admin', '', ' crawler', 'x'];
/** Any JavaScript value an untyped caller could pass. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withSparseArray: true,
      maxDepth: 2,
    }),
  },
  { weight: 3, arbitrary: specialNumber },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 4, arbitrary: hostileTextWithHuge },
  { weight: 2, arbitrary: numberText },
  { weight: 1, arbitrary: boolText },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...ENUMS), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.anything(), { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ENUMS) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, Symbol('x'), () => 1, new Error('x'), Object.create(null), new Proxy({}, {})) },
  { weight: 1, arbitrary: fc.dictionary(protoKey, fc.anything()) },
);

const isArgumentError = (e: unknown) => e instanceof ArgumentTypeError || e instanceof ArgumentRangeError;
/** README: TypeError/ERR_INVALID_ARG_TYPE for the wrong kind, RangeError/ERR_OUT_OF_RANGE for a value not allowed. */
function expectArgumentError(error: unknown, argument: string, wrongKind?: boolean): void {
  expect(isArgumentError(error), `an ArgumentTypeError/RangeError, not ${String(error)}`).toBe(true);
  const e = error as ArgumentTypeError | ArgumentRangeError;
  expect(e.argument).toBe(argument);
  expect(e.message).toContain(argument);
  if (e instanceof ArgumentTypeError) expect([e.name, e.code, e instanceof TypeError]).toEqual(['TypeError', 'ERR_INVALID_ARG_TYPE', true]);
  else expect([e.name, e.code, e instanceof RangeError]).toEqual(['RangeError', 'ERR_OUT_OF_RANGE', true]);
  if (wrongKind !== undefined) expect(e instanceof ArgumentTypeError, `${argument}: TypeError exactly for the wrong kind`).toBe(wrongKind);
}

/** The JavaScript kinds a rule takes: a value of another kind is a TypeError, of this kind a RangeError. */
function takesKind(schema: ModelSchema, name: string, value: unknown): boolean {
  const kinds = schema[name]!.rule.kinds;
  return kinds.includes(Array.isArray(value) ? 'array' : typeof value);
}

// ---- the rules -------------------------------------------------------------------------------

/** The deployment's schemas (TOKEN_MAX_TTL 86400), as the routes use them, beside the model's. */
const service = createTokenService(testConfig());
const RULES: [TokenKind, Schema, ModelSchema][] = (() => {
  const model = modelSchemas();
  return [
    ['agoraRtc', service.agoraRtc.schema, model.agoraRtc],
    ['agoraRtm', service.agoraRtm.schema, model.agoraRtm],
    ['videosdk', service.videosdk.schema, model.videosdk],
    ['hmsApp', service.hmsApp.schema, model.hmsApp],
    ['hmsManagement', service.hmsManagement.schema, model.hmsManagement],
    ['conference', service.conference.schema, model.conference],
    ['chat', service.chat.schema, model.chat],
  ];
})();
const field = fc.constantFrom(
  ...RULES.flatMap(([kind, schema, model]) => Object.keys(schema).map((name) => ({ kind, name, rule: schema[name]!.rule, model }))),
);

describe('argument rules', () => {
  it(
    "check(any value): the model's value, or a TypeError (wrong kind) / RangeError (bad value) naming the argument; nothing else escapes",
    () => {
      fc.assert(
        fc.property(field, anyValue, ({ name, rule, model }, value) => {
          const expected = model[name]!.rule.check(value);
          let got: unknown;
          try {
            got = rule.check(value, name);
          } catch (error) {
            expect(expected.ok, `${name} refused ${fc.stringify(value)}`).toBe(false);
            expectArgumentError(error, name, !takesKind(model, name, value));
            return;
          }
          expect(expected.ok, `${name} accepted a value README refuses`).toBe(true);
          expect(got).toEqual((expected as { value: unknown }).value);
        }),
        budget(3000),
      );
    },
    timeoutFor(20_000),
  );

  it(
    "parse(any query text): the model's value, or a RangeError or TypeError naming the argument",
    () => {
      fc.assert(
        fc.property(
          field,
          fc.oneof(
            hostileTextWithHuge,
            numberText,
            boolText,
            fc.constantFrom(...ENUMS),
            fc.array(fc.constantFrom(...ENUMS)).map((l) => l.join(',')),
          ),
          ({ name, rule, model }, text) => {
            const expected = model[name]!.rule.parse(text);
            let got: unknown;
            try {
              got = rule.parse(text, name);
            } catch (error) {
              expect(expected.ok, `${name} refused ${JSON.stringify(text).slice(0, 80)}`).toBe(false);
              expectArgumentError(error, name);
              return;
            }
            expect(expected.ok, `${name} accepted ${JSON.stringify(text).slice(0, 80)}`).toBe(true);
            expect(got).toEqual((expected as { value: unknown }).value);
          },
        ),
        budget(3000),
      );
    },
    timeoutFor(20_000),
  );
});

// ---- the builders ----------------------------------------------------------------------------

const { native, videosdk: vsdk, hms, agora } = BUILDER_CREDENTIALS;

/** The library's own ceilings: 86400 s for Agora, 604800 s for VideoSDK and 100ms, 1440 min native. */
const LIBRARY = modelSchemas(604800, 1440);
const BUILDERS: {
  kind: TokenKind;
  model: ModelSchema;
  build: (input: any) => { token: string; expiresAt: Date };
  valid: Record<string, fc.Arbitrary<unknown>>;
}[] = [
  {
    kind: 'agoraRtc',
    model: LIBRARY.agoraRtc,
    build: (input) => buildAgoraRtcToken(input, agora, { now: NOW }),
    valid: {
      channelName: fc.stringMatching(/^[a-z0-9 _-]{1,63}$/),
      uid: fc.oneof(fc.nat({ max: 4294967295 }), fc.string({ minLength: 1, maxLength: 20 })),
      role: fc.constantFrom('publisher', 'subscriber'),
      expireTime: fc.integer({ min: 1, max: 86400 }),
    },
  },
  {
    kind: 'agoraRtm',
    model: LIBRARY.agoraRtm,
    build: (input) => buildAgoraRtmToken(input, agora, { now: NOW }),
    valid: { uid: fc.string({ minLength: 1, maxLength: 64 }), expireTime: fc.integer({ min: 1, max: 86400 }) },
  },
  {
    kind: 'videosdk',
    model: LIBRARY.videosdk,
    build: (input) => buildVideoSdkToken(input, vsdk, { now: NOW }),
    valid: {
      permissions: fc.subarray(['allow_join', 'allow_mod'], { minLength: 1 }),
      roomId: unicodeText,
      participantId: unicodeText,
      roles: fc.subarray(['crawler', 'rtc'], { minLength: 1 }),
      expiresIn: fc.integer({ min: 1, max: 604800 }),
    },
  },
  {
    kind: 'hmsApp',
    model: LIBRARY.hmsApp,
    build: (input) => buildHmsAppToken(input, hms, { now: NOW }),
    valid: { roomId: unicodeText, userId: unicodeText, role: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), expiresIn: fc.integer({ min: 1, max: 604800 }) },
  },
  {
    kind: 'hmsManagement',
    model: LIBRARY.hmsManagement,
    build: (input) => buildHmsManagementToken(input, hms, { now: NOW }),
    valid: { expiresIn: fc.integer({ min: 1, max: 604800 }) },
  },
  {
    kind: 'conference',
    model: LIBRARY.conference,
    build: (input) => buildConferenceToken(input, native, { now: NOW }),
    valid: {
      userId: unicodeText,
      roomId: unicodeText,
      role: fc.constantFrom('admin', 'publisher', 'subscriber'),
      expirationMinutes: fc.integer({ min: 1, max: 1440 }),
    },
  },
  {
    kind: 'chat',
    model: LIBRARY.chat,
    build: (input) => buildChatToken(input, native, { now: NOW }),
    valid: { userId: unicodeText, channelId: unicodeText, read: fc.boolean(), write: fc.boolean(), ttlMinutes: fc.integer({ min: 1, max: 1440 }) },
  },
];

/** An input object: each argument absent, well-formed or anything at all, plus keys no builder reads. */
function inputFor(model: ModelSchema, valid: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    Object.keys(model).map((name) => [
      name,
      fc.oneof({ weight: 3, arbitrary: valid[name]! }, { weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: fc.constant(undefined) }),
    ]),
  );
  return fc.tuple(fc.record(fields), fc.dictionary(protoKey, anyValue, { maxKeys: 2 })).map(([own, extra]) => ({ ...extra, ...own }));
}

/** The model's verdict for a builder: the first bad argument, or the arguments; chat refuses read = write = false on write. */
function libraryOutcome(kind: TokenKind, model: ModelSchema, input: Record<string, unknown>) {
  const outcome = modelArgs(model, input);
  if (outcome.ok && kind === 'chat' && !outcome.args.read && !outcome.args.write) return { ok: false as const, field: 'write' };
  return outcome;
}

describe('builders', () => {
  for (const { kind, model, build, valid } of BUILDERS) {
    it(
      `${kind}: any input gives a token with exactly its arguments, or the TypeError/RangeError naming the first bad one`,
      () => {
        fc.assert(
          fc.property(inputFor(model, valid), (input) => {
            const outcome = libraryOutcome(kind, model, input);
            let issued: { token: string; expiresAt: Date };
            try {
              issued = build(input);
            } catch (error) {
              expect(outcome.ok, `refused: ${String(error)}`).toBe(false);
              expectArgumentError(error, (outcome as { field: string }).field);
              return;
            }
            expect(outcome.ok, 'accepted an input README refuses').toBe(true);
            const lifetime = CLAIMS[kind](issued.token, (outcome as { args: Record<string, unknown> }).args);
            expect(issued.expiresAt).toEqual(new Date((NOW_S + lifetime) * 1000));
          }),
          budget(300),
        );
      },
      timeoutFor(20_000),
    );
  }

  it(
    'TokenClient: never throws synchronously; resolves to a token with exactly its arguments, or rejects naming the bad argument',
    async () => {
      const client = new TokenClient(CREDENTIALS.MASTER_KEY, CREDENTIALS.MASTER_SECRET, { currentDate: () => NOW });
      const conference = fc.tuple(
        fc.oneof(unicodeText, anyValue),
        fc.oneof(unicodeText, anyValue),
        fc.oneof(fc.constantFrom('admin', 'publisher', 'subscriber'), anyValue),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 1440 }), anyValue),
      );
      const chat = fc.tuple(
        fc.oneof(unicodeText, anyValue),
        fc.oneof(unicodeText, anyValue),
        fc.oneof(fc.boolean(), anyValue),
        fc.oneof(fc.boolean(), anyValue),
        fc.oneof(fc.integer({ min: 1, max: 1440 }), anyValue),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            conference.map((a) => ['conference', a] as const),
            chat.map((a) => ['chat', a] as const),
          ),
          async ([kind, a]) => {
            let pending: Promise<string>;
            let input: Record<string, unknown>;
            if (kind === 'conference') {
              input = { userId: a[0], roomId: a[1], role: a[2], expirationMinutes: a[3] };
              pending = client.getConferenceToken(a[0] as string, a[1] as string, a[2] as 'admin', a[3] as number);
            } else {
              input = { userId: a[0], channelId: a[1], read: a[2], write: a[3], ttlMinutes: a[4] };
              pending = client.getChatToken(a[0] as string, a[1] as string, a[2] as boolean, a[3] as boolean, a[4] as number);
            }
            expect(pending).toBeInstanceOf(Promise);
            const outcome = libraryOutcome(kind, LIBRARY[kind], input);
            const settled = await pending.then(
              (token) => ({ token }),
              (error: unknown) => ({ error }),
            );
            if ('error' in settled) {
              expect(outcome.ok, `rejected: ${String(settled.error)}`).toBe(false);
              expectArgumentError(settled.error, (outcome as { field: string }).field);
            } else {
              expect(outcome.ok).toBe(true);
              CLAIMS[kind](settled.token, (outcome as { args: Record<string, unknown> }).args);
            }
          },
        ),
        budget(300),
      );
    },
    timeoutFor(20_000),
  );
});

// ---- verification ----------------------------------------------------------------------------

const anyToken = fc.oneof(
  { weight: 6, arbitrary: craftedJwt(SECRETS, jwtPayload(serverClaims)) },
  { weight: 1, arbitrary: hostileTextWithHuge.map((token) => ({ token, headerText: '', payloadText: '', signedWith: undefined })) },
);

const PROVIDERS = { native: { key: CREDENTIALS.MASTER_KEY, secret: 'master' }, videosdk: { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: 'videosdk' } };

describe('token verification', () => {
  it(
    'any string or hand-made JWT: verified exactly when the model says, with its claims; otherwise only InvalidTokenError, "expired" exactly for an expired token of ours',
    () => {
      fc.assert(
        fc.property(anyToken, fc.boolean(), (t, ignoreExpiration) => {
          const expected = t.headerText === '' ? ({ kind: 'invalid' } as const) : modelVerify(t, PROVIDERS, NOW_S, ignoreExpiration);
          const credentials = { native, videosdk: vsdk };
          let got: ReturnType<typeof verifyIssuedToken>;
          try {
            got = verifyIssuedToken(t.token, credentials, { now: NOW, ignoreExpiration });
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(InvalidTokenError);
            expect((error as InvalidTokenError).reason).toBe(expected.kind === 'expired' ? 'expired' : 'invalid');
            expect(expected.kind).not.toBe('valid');
            // The per-provider verifiers refuse the same way.
            for (const verify of [
              () => verifyNativeToken(t.token, native, { now: NOW, ignoreExpiration }),
              () => verifyVideoSdkToken(t.token, vsdk, { now: NOW, ignoreExpiration }),
            ]) {
              expect(verify).toThrow(InvalidTokenError);
            }
            return;
          }
          expect(expected.kind, `verified ${t.headerText} ${t.payloadText}`).toBe('valid');
          const valid = expected as Extract<typeof expected, { kind: 'valid' }>;
          expect(got).toEqual({ type: valid.type, claims: valid.claims });
        }),
        budget(2000),
      );
    },
    timeoutFor(20_000),
  );
});
