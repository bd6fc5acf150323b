/**
 * Revocation rules at the HTTP level: each kind on each route family (every token route of every
 * provider, the community drop-in routes, the meeting routes, introspection), lifting a rule,
 * a rule ending by itself, and the admin routes that list and lift them.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { buildConferenceToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { CREDENTIALS, NOW, UUID_V4, expectInvalid, expectProblem, testApp } from '../fixtures.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const native = { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) };
const vsdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };

/** An app on a clock the test moves, with a memory store. */
function setup() {
  let now = NOW;
  const store = openMemoryStore();
  const app = testApp({}, { store, clock: () => now });
  return {
    app,
    store,
    at: (ms: number) => (now = new Date(NOW.getTime() + ms)),
    revoke: (body: object) => request(app).post('/revoke').set('Authorization', ADMIN).send(body),
    lift: (id: string) => request(app).delete(`/revocations/${id}`).set('Authorization', ADMIN),
    list: () => request(app).get('/revocations').set('Authorization', ADMIN),
  };
}

type App = ReturnType<typeof setup>['app'];

/** Every way in that mints, for user `user` in room `room` (routes without a room ignore it). */
const MINTING: { name: string; room: boolean; call: (app: App, user: string, room: string) => request.Test }[] = [
  { name: 'GET /access_token (Agora RTC)', room: true, call: (app, u, r) => request(app).get(`/access_token?channelName=${r}&uid=${u}&role=publisher`) },
  { name: 'GET /rtm_token (Agora RTM)', room: false, call: (app, u) => request(app).get(`/rtm_token?uid=${u}`) },
  { name: 'GET /rte_token (Agora RTC+RTM)', room: true, call: (app, u, r) => request(app).get(`/rte_token?channelName=${r}&uid=${u}`) },
  { name: 'GET /agora/chat-token', room: false, call: (app, u) => request(app).get(`/agora/chat-token?userId=${u}`) },
  { name: 'GET /get-token (VideoSDK)', room: true, call: (app, u, r) => request(app).get(`/get-token?participantId=${u}&roomId=${r}`) },
  { name: 'GET /hms/app-token (100ms)', room: true, call: (app, u, r) => request(app).get(`/hms/app-token?roomId=${r}&userId=${u}&role=host`) },
  { name: 'GET /conference-token', room: true, call: (app, u, r) => request(app).get(`/conference-token?userId=${u}&roomId=${r}&role=publisher`) },
  { name: 'GET /chat-token', room: true, call: (app, u, r) => request(app).get(`/chat-token?userId=${u}&channelId=${r}`) },
  { name: 'GET /rtc/… (community)', room: true, call: (app, u, r) => request(app).get(`/rtc/${r}/publisher/userAccount/${u}`) },
  { name: 'GET /rtm/… (community)', room: false, call: (app, u) => request(app).get(`/rtm/${u}`) },
  { name: 'GET /rte/… (community)', room: true, call: (app, u, r) => request(app).get(`/rte/${r}/publisher/userAccount/${u}`) },
  { name: 'POST /getToken (community)', room: true, call: (app, u, r) => request(app).post('/getToken').send({ tokenType: 'rtc', channel: r, uid: u }) },
];

const UNTIL = new Date(NOW.getTime() + (86400 + 30) * 1000).toISOString();

describe.each(MINTING)('minting on $name', ({ call }) => {
  it('when the user is revoked, then 403 revoked naming the user and the end, other users still mint, and lifting the rule lets the user mint again', async () => {
    const { app, revoke, lift } = setup();
    expect((await call(app, 'alice', 'room-1')).status).toBe(200);
    const rule = (await revoke({ subject: 'alice' }).expect(201)).body as { id: string };
    expectProblem(await call(app, 'alice', 'room-1'), 403, 'revoked', `user alice is revoked until ${UNTIL}: no token is issued for it`);
    expect((await call(app, 'bob', 'room-1')).status).toBe(200);
    await lift(rule.id).expect(204);
    expect((await call(app, 'alice', 'room-1')).status).toBe(200);
  });
});

describe.each(MINTING.filter((route) => route.room))('minting on $name', ({ call }) => {
  it('when the room is revoked, then nobody mints for it until the rule ends by itself, and other rooms mint', async () => {
    const { app, revoke, at } = setup();
    await revoke({ room: 'room-1', until: new Date(NOW.getTime() + 60_000).toISOString() }).expect(201);
    expect((await call(app, 'bob', 'room-1')).status).toBe(403);
    expect((await call(app, 'bob', 'room-2')).status).toBe(200);
    at(59_999);
    expect((await call(app, 'carol', 'room-1')).status).toBe(403);
    at(60_000);
    expect((await call(app, 'carol', 'room-1')).status).toBe(200);
  });
});

describe('verified tokens: the meeting routes and /introspect', () => {
  const videosdk = (input: Parameters<typeof buildVideoSdkToken>[0], now = NOW) => buildVideoSdkToken({ roles: ['crawler'], ...input }, vsdk, { now }).token;
  const conference = (userId: string, roomId: string, now = NOW) =>
    buildConferenceToken({ userId, roomId, role: 'publisher', expirationMinutes: 60 }, native, { now }).token;

  async function refusedOnMeetings(app: App, token: string): Promise<boolean> {
    const statuses = await Promise.all(
      ['/create-meeting', '/validate-meeting/abcd-efgh-ijkl'].map(async (path) => (await request(app).post(path).set('Authorization', token)).status),
    );
    if (statuses.every((s) => s === 401)) return true;
    expect(statuses.every((s) => s !== 401)).toBe(true);
    return false;
  }
  const active = async (app: App, token: string) =>
    ((await request(app).post('/introspect').set('Authorization', ADMIN).send({ token }).expect(200)).body as { active: boolean }).active;

  it.each([
    ['subject', { subject: 'alice' }, { participantId: 'alice' }, { participantId: 'bob' }],
    ['room', { room: 'room-1' }, { roomId: 'room-1' }, { roomId: 'room-2' }],
  ])(
    'when a %s rule holds, then a VideoSDK token carrying it gets 401 on the meeting routes and is inactive; one without it works',
    async (_kind, body, refused, allowed) => {
      const { app, revoke } = setup();
      const [bad, good] = [videosdk(refused), videosdk(allowed)];
      expect(await refusedOnMeetings(app, bad)).toBe(false);
      await revoke(body).expect(201);
      expect(await refusedOnMeetings(app, bad)).toBe(true);
      expect(await active(app, bad)).toBe(false);
      expect(await refusedOnMeetings(app, good)).toBe(false);
      expect(await active(app, good)).toBe(true);
    },
  );

  it('when an issuedBefore rule holds, then tokens issued before that instant are refused and those issued at or after it are not', async () => {
    const { app, revoke, at } = setup();
    const old = videosdk({}, new Date(NOW.getTime() - 10_000));
    const oldConference = conference('alice', 'room-1', new Date(NOW.getTime() - 10_000));
    await revoke({ issuedBefore: NOW.toISOString() }).expect(201);
    expect(await refusedOnMeetings(app, old)).toBe(true);
    expect(await active(app, oldConference)).toBe(false);
    at(1000);
    expect(await refusedOnMeetings(app, videosdk({}, new Date(NOW.getTime() + 1000)))).toBe(false);
    expect(await active(app, conference('alice', 'room-1', NOW))).toBe(true);
  });

  it('when a jti rule holds, then only that native token is inactive; a subject rule makes every token of the user inactive', async () => {
    const { app, revoke } = setup();
    const [first, second, other] = [conference('alice', 'r'), conference('alice', 'r'), conference('bob', 'r')];
    await revoke({ jti: (jwt.decode(first) as jwt.JwtPayload).jti }).expect(201);
    expect([await active(app, first), await active(app, second), await active(app, other)]).toEqual([false, true, true]);
    await revoke({ subject: 'alice' }).expect(201);
    expect([await active(app, second), await active(app, other)]).toEqual([false, true]);
  });
});

describe('GET /revocations and DELETE /revocations/:id', () => {
  it('when rules are added, then GET lists those in force, oldest first, and not those that ended', async () => {
    const { revoke, list, at } = setup();
    const a = (await revoke({ subject: 'alice', until: new Date(NOW.getTime() + 1000).toISOString() }).expect(201)).body as { id: string };
    at(10);
    const b = (await revoke({ room: 'room-1' }).expect(201)).body as { id: string };
    const listed = (await list().expect(200)).body as { revocations: { id: string }[] };
    expect(listed.revocations.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(listed.revocations[1]).toEqual({
      id: expect.stringMatching(UUID_V4),
      kind: 'room',
      value: 'room-1',
      until: expect.any(String),
      createdAt: new Date(NOW.getTime() + 10).toISOString(),
    });
    at(1000);
    expect(((await list().expect(200)).body as { revocations: { id: string }[] }).revocations.map((r) => r.id)).toEqual([b.id]);
  });

  it('when a rule is lifted, then 204, it is gone from the store and the list, and lifting it again is a 404', async () => {
    const { store, revoke, lift, list } = setup();
    const { id } = (await revoke({ subject: 'alice' }).expect(201)).body as { id: string };
    const res = await lift(id).expect(204);
    expect(res.text).toBe('');
    expect(await store.rules(NOW)).toEqual([]);
    expect(((await list()).body as { revocations: unknown[] }).revocations).toEqual([]);
    expectProblem(await lift(id), 404, 'not-found', `no revocation rule with id ${id}`);
  });

  it('when the id is over 64 bytes, then 400 names it', async () => {
    expectInvalid(await setup().lift('x'.repeat(65)), 'id', 'id must be at most 64 bytes');
  });

  it.each([
    ['GET', '/revocations'],
    ['DELETE', '/revocations/some-id'],
    ['POST', '/inspect'],
  ])('when %s %s comes without the admin key, then 401', async (method, path) => {
    const res = await request(testApp())[method.toLowerCase() as 'get' | 'delete' | 'post'](path);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server"');
  });

  it('when ADMIN_API_KEY is unset, then the rule routes are 404', async () => {
    const app = testApp({ ADMIN_API_KEY: undefined });
    expect((await request(app).get('/revocations').set('Authorization', ADMIN)).status).toBe(404);
    expect((await request(app).delete('/revocations/x').set('Authorization', ADMIN)).status).toBe(404);
  });
});
