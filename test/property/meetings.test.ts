/**
 * Property tests of the meeting routes on a SQLite store: any Authorization header, any body and
 * content type on /create-meeting; any id in the path of /validate-meeting/:meetingId (hostile
 * text, encoded slashes, %00, malformed or non-UTF-8 escapes, 100 KB). Answers follow README
 * (model.ts), never a 5xx, the app stays healthy, and nothing stored is lost: every meeting created
 * before and during the fuzzing still validates, with its createdAt, at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { BUILDER_CREDENTIALS, CREDENTIALS, NOW, NOW_S, testApp } from '../fixtures.js';
import { buildConferenceToken, buildHmsAppToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openSqliteStore } from '../../src/meetings/sqlite.js';
import type { MeetingStore } from '../../src/meetings/store.js';
import { modelBodyReading, modelVerify } from './model.js';
import {
  SECRETS,
  bodyBytes,
  bodyText,
  craftedJwt,
  encodeComponent,
  encodeEveryByte,
  jsonValue,
  jwtPayload,
  onTheWire,
  protoKey,
  serverClaims,
  transport,
  unicodeText,
  hostileText,
} from './arbitraries.js';
import { SCALE, badFields, budget, expectHealthy, expectNoStore, expectCatalogueProblem, serve, timeoutFor, type Served } from './harness.js';

const ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const vsdk = BUILDER_CREDENTIALS.videosdk;
const token = (input: Parameters<typeof buildVideoSdkToken>[0], now = NOW) => buildVideoSdkToken(input, vsdk, { now }).token;
const crawler = token({ roles: ['crawler'], participantId: 'host-1' });
const anyRole = token({ participantId: 'guest-7' });
const noParticipant = token({ roles: ['crawler', 'rtc'] });
const revokedToken = token({ roles: ['crawler'], participantId: 'revoked' });

let dir: string;
let store: MeetingStore;
let served: Served;
/** Every meeting the service said it created: id → [createdAt, createdBy]. */
const created = new Map<string, { createdAt: string; createdBy: string }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rts-property-'));
  store = openSqliteStore(join(dir, 'meetings.db'));
  served = await serve(testApp({}, { store }));
  const revoked = await served.send({
    method: 'POST',
    path: '/revoke',
    headers: { Authorization: `Bearer ${CREDENTIALS.ADMIN_API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: revokedToken }),
  });
  expect(revoked.status).toBe(201);
  // Meetings that exist before any fuzzing: they must all still validate at the end.
  for (const [auth, by] of [
    [crawler, 'host-1'],
    [anyRole, 'guest-7'],
    [noParticipant, CREDENTIALS.VIDEOSDK_API_KEY],
  ] as const) {
    for (let i = 0; i < 8; i++) {
      const res = await served.send({ method: 'POST', path: '/create-meeting', headers: { Authorization: `Bearer ${auth}` } });
      expect(res.status).toBe(201);
      created.set(res.body.meetingId, { createdAt: res.body.createdAt, createdBy: by });
    }
  }
});
afterEach(async () => {
  await expectHealthy(served);
});
/** At least this many generated requests in `npm test` (scaled under FUZZ_RUNS). */
const FLOOR = 300;
afterAll(async () => {
  const sent = served?.sent();
  console.info(`[property] meetings.test.ts sent ${sent} generated requests`);
  await served?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
  expect(sent).toBeGreaterThanOrEqual(Math.round(FLOOR * SCALE));
});

/** An Authorization header and what README makes of it. */
interface Auth {
  readonly header: string | undefined;
  readonly verdict: 'ok' | 'forbidden' | 'unauthorized';
  /** Who the store records as the creator. */
  readonly by?: string;
  /** A token this server could never have issued (a participantId that is not a string): left out. */
  readonly unusable?: boolean;
}
const auth: fc.Arbitrary<Auth> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom<Auth>(
      { header: `Bearer ${crawler}`, verdict: 'ok', by: 'host-1' },
      { header: `bearer ${crawler}`, verdict: 'ok', by: 'host-1' },
      { header: `BEARER    ${crawler}`, verdict: 'ok', by: 'host-1' },
      { header: crawler, verdict: 'ok', by: 'host-1' },
      { header: ` ${crawler}  `, verdict: 'ok', by: 'host-1' },
      { header: `Bearer ${anyRole}`, verdict: 'ok', by: 'guest-7' },
      { header: noParticipant, verdict: 'ok', by: CREDENTIALS.VIDEOSDK_API_KEY },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Auth>(
      { header: undefined, verdict: 'unauthorized' },
      { header: '', verdict: 'unauthorized' },
      { header: 'Bearer', verdict: 'unauthorized' },
      { header: `Token ${crawler}`, verdict: 'unauthorized' },
      { header: `Bearer ${crawler} more`, verdict: 'unauthorized' },
      { header: `Bearer ${crawler}x`, verdict: 'unauthorized' },
      { header: `Bearer\t${crawler}`, verdict: 'unauthorized' },
      { header: `Bearer ${revokedToken}`, verdict: 'unauthorized' },
      { header: `Bearer ${token({ roles: ['crawler'] }, new Date(NOW.getTime() - 86_400_000))}`, verdict: 'unauthorized' },
      {
        header: `Bearer ${buildVideoSdkToken({ roles: ['crawler'] }, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey('not-the-videosdk-secret') }, { now: NOW }).token}`,
        verdict: 'unauthorized',
      },
      {
        header: `Bearer ${buildVideoSdkToken({ roles: ['crawler'] }, { apiKey: 'someone-else', secret: vsdk.secret }, { now: NOW }).token}`,
        verdict: 'unauthorized',
      },
      {
        header: `Bearer ${jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], roles: ['crawler'], exp: 1e10 }, '', { algorithm: 'none' })}`,
        verdict: 'unauthorized',
      },
      {
        header: `Bearer ${buildConferenceToken({ userId: 'a', roomId: 'r', role: 'admin' }, BUILDER_CREDENTIALS.native, { now: NOW }).token}`,
        verdict: 'unauthorized',
      },
      {
        header: `Bearer ${buildHmsAppToken({ roomId: 'r', userId: 'u', role: 'host' }, { accessKey: 'k', secret: secretKey(CREDENTIALS.HMS_APP_SECRET) }, { now: NOW }).token}`,
        verdict: 'unauthorized',
      },
      { header: `Bearer ${'a'.repeat(10_000)}`, verdict: 'unauthorized' },
      { header: `Bearer ${token({ roles: ['rtc'] })}`, verdict: 'forbidden' },
    ),
  },
);

/** A hand-made JWT in Authorization, judged by the model: signed with the VideoSDK secret, well-formed, unexpired, crawler or no roles. */
const craftedAuth: fc.Arbitrary<Auth> = fc.tuple(craftedJwt(SECRETS, jwtPayload(serverClaims)), fc.boolean()).map(([t, bare]) => {
  const header = bare ? t.token : `Bearer ${t.token}`;
  const verdict = modelVerify(t, { videosdk: { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: 'videosdk' } }, NOW_S);
  if (verdict.kind !== 'valid') return { header, verdict: 'unauthorized' };
  const { roles, participantId, apikey } = verdict.claims as { roles?: unknown[]; participantId?: unknown; apikey: string };
  if (roles !== undefined && !roles.includes('crawler')) return { header, verdict: 'forbidden' };
  // Who the store records; a token of ours names a participant with a string, or not at all.
  return { header, verdict: 'ok', by: (participantId ?? apikey) as string, ...(typeof (participantId ?? apikey) === 'string' ? {} : { unusable: true }) };
});
const anyAuth = fc.oneof({ weight: 4, arbitrary: auth }, { weight: 1, arbitrary: craftedAuth });

/** An optional body of any kind: mostly none, otherwise any bytes in any content type. */
const entries = fc.array(fc.tuple(fc.oneof(protoKey, unicodeText, fc.constant('meetingId')), jsonValue), { maxLength: 3 });
const body = fc.option(fc.record({ bytes: bodyBytes(bodyText(entries)), transport }), { nil: undefined, freq: 2 });

/** Sends the request; resolves with the answer, or the answer to the body when the request gets that far. */
async function post(path: string, a: Auth, b: { bytes: Buffer; transport: Parameters<typeof onTheWire>[0] } | undefined) {
  const wire = b === undefined ? undefined : onTheWire(b.transport, b.bytes);
  const headers = { ...wire?.headers, ...(a.header === undefined ? {} : { Authorization: a.header }) };
  const res = await served.send({ method: 'POST', path, headers, body: wire?.body, chunked: wire?.chunked });
  return { res, verdict: wire === undefined ? undefined : modelBodyReading(wire.transport, b!.bytes) };
}

/** The answer before the handler: 401/403 for the header, then 415/413/400 for the body; undefined when both pass. */
function expectGate(res: Awaited<ReturnType<typeof post>>['res'], a: Auth, verdict: ReturnType<typeof modelBodyReading> | undefined): boolean {
  expectNoStore(res);
  // With no Authorization header at all the token may be in the JSON body, so the body is read
  // first: a body that cannot be read is its own 4xx before the 401.
  if (a.header === undefined && verdict?.kind === 'problem') {
    expect(expectCatalogueProblem(res, verdict.status)).toBe(verdict.code);
    return false;
  }
  if (a.verdict === 'unauthorized') {
    expect(expectCatalogueProblem(res, 401)).toBe('unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rtc-token-server"/);
    return false;
  }
  if (a.verdict === 'forbidden') {
    expect(expectCatalogueProblem(res, 403)).toBe('forbidden');
    return false;
  }
  if (verdict?.kind === 'problem') {
    expect(expectCatalogueProblem(res, verdict.status)).toBe(verdict.code);
    return false;
  }
  return true;
}

describe('POST /create-meeting', () => {
  it(
    'any Authorization and body: 201 with a fresh well-formed id exactly when README says, else the right problem; never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyAuth, body, async (a, b) => {
          fc.pre(!a.unusable);
          const { res, verdict } = await post('/create-meeting', a, b);
          if (!expectGate(res, a, verdict)) return;
          expect(res.status, res.text).toBe(201);
          expect(res.body).toEqual({ meetingId: expect.stringMatching(ID), roomId: res.body.meetingId, createdAt: NOW.toISOString() });
          expect(created.has(res.body.meetingId), 'an id is never handed out twice').toBe(false);
          created.set(res.body.meetingId, { createdAt: res.body.createdAt, createdBy: a.by! });
        }),
        budget(100),
      );
    },
    timeoutFor(30_000),
  );
});

/** An id as it appears in the path, and what README makes of it. */
interface PathId {
  readonly wire: string;
  /** The route does not match at all (a raw '/' inside, or nothing): 404 before anything else. */
  readonly unrouted?: boolean;
  /** The id Express decodes, or undefined when the escapes are not valid UTF-8 (400 before anything else). */
  readonly id?: string;
}

const known = () => fc.constantFrom(...created.keys());
const pathId: fc.Arbitrary<PathId> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .map((id) => ({ wire: id, id })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .map((id) => ({ wire: `${id}/`, id })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .chain((id) => fc.boolean().map((lower) => ({ wire: encodeEveryByte(id, lower), id }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .map((id) => ({ wire: id.toUpperCase(), id: id.toUpperCase() })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .map((id) => ({ wire: `${id}%00`, id: `${id}\u0000` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => known())
      .map((id) => ({ wire: `${id}?x=1&meetingId=${id}`, id })),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/).map((id) => ({ wire: id, id })) },
  {
    weight: 4,
    arbitrary: hostileText.filter((t) => t !== '').map((t) => ({ wire: encodeComponent(t), ...(t.isWellFormed() ? { id: t } : {}) })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 110_000 }).map((n) => ({ wire: 'a'.repeat(n), id: 'a'.repeat(n) })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<PathId>(
      { wire: 'abcd%2Fefgh-ijkl', id: 'abcd/efgh-ijkl' },
      { wire: 'abcd%2fefgh%2Fijkl', id: 'abcd/efgh/ijkl' },
      { wire: '%2E%2E', id: '..' },
      { wire: '..', id: '..' },
      { wire: '.', id: '.' },
      { wire: '%00', id: '\u0000' },
      { wire: 'abcd-efgh-ijk%6C', id: 'abcd-efgh-ijkl' },
      { wire: '%25', id: '%' },
      { wire: '%', id: undefined },
      { wire: '%zz', id: undefined },
      { wire: 'abcd-efgh-ijk%', id: undefined },
      { wire: '%E0%A4%A', id: undefined },
      { wire: '%C3', id: undefined },
      { wire: '%ED%A0%80', id: undefined },
      { wire: '%FF%FE', id: undefined },
      { wire: 'abcd/efgh-ijkl', unrouted: true },
      { wire: '', unrouted: true },
      { wire: 'abcd-efgh-ijkl//', unrouted: true },
      { wire: '__proto__', id: '__proto__' },
      { wire: 'constructor', id: 'constructor' },
      { wire: 'hasOwnProperty', id: 'hasOwnProperty' },
    ),
  },
);

describe('POST /validate-meeting/:meetingId', () => {
  it(
    'any id in the path, any Authorization and body: 200 for a stored id, 404 for an unknown well-formed one, 400 naming meetingId otherwise; never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(pathId, anyAuth, body, async (p, a, b) => {
          const { res, verdict } = await post(`/validate-meeting/${p.wire}`, a, b);
          if (p.unrouted) {
            expect(expectCatalogueProblem(res, 404)).toBe('not-found');
            return;
          }
          if (p.id === undefined) {
            // Escapes that are not valid UTF-8 cannot name any meeting: refused as a malformed id, before authorization.
            expect(expectCatalogueProblem(res, 400)).toBe('invalid-request');
            expect(badFields(res)).toEqual(['meetingId']);
            return;
          }
          if (!expectGate(res, a, verdict)) return;
          if (!ID.test(p.id)) {
            expect(expectCatalogueProblem(res, 400)).toBe('invalid-request');
            expect(badFields(res)).toEqual(['meetingId']);
            return;
          }
          const stored = created.get(p.id);
          if (stored === undefined) {
            expect(expectCatalogueProblem(res, 404)).toBe('not-found');
            expect(res.body.detail).toBe(`no meeting with id ${p.id}`);
            return;
          }
          expect(res.status, res.text).toBe(200);
          expect(res.body).toEqual({ meetingId: p.id, roomId: p.id, valid: true, createdAt: stored.createdAt });
        }),
        budget(200),
      );
    },
    timeoutFor(30_000),
  );
});

describe('nothing stored is lost', () => {
  it('every meeting created before and during the fuzzing still validates with its createdAt, and the store holds its creator', async () => {
    expect(created.size).toBeGreaterThanOrEqual(24);
    for (const [id, { createdAt, createdBy }] of created) {
      const res = await served.send({ method: 'POST', path: `/validate-meeting/${id}`, headers: { Authorization: crawler } });
      expect(res.status, id).toBe(200);
      expect(res.body).toEqual({ meetingId: id, roomId: id, valid: true, createdAt });
      expect(await store.find(id)).toEqual({ id, createdAt: new Date(createdAt), createdBy });
    }
  });
});
