import { describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { buildAgoraRtcToken, buildChatToken, buildConferenceToken, buildHmsAppToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { CREDENTIALS, NOW, NOW_S, UUID_V4, brokenStore, expectInvalid, testApp } from '../fixtures.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const native = { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) };
const vsdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
const conference = (now = NOW, minutes = 60) =>
  buildConferenceToken({ userId: 'alice', roomId: 'room1', role: 'publisher', expirationMinutes: minutes }, native, { now }).token;
const videosdk = (input: Parameters<typeof buildVideoSdkToken>[0] = {}, now = NOW) => buildVideoSdkToken(input, vsdk, { now }).token;
const claimsOf = (token: string) => jwt.decode(token) as jwt.JwtPayload;
const HOUR_AGO = new Date(NOW.getTime() - 3_600_000);
/** A conference token of this deployment's key, signed with another secret. */
const foreignConference = () =>
  buildConferenceToken(
    { userId: 'a', roomId: 'r', role: 'admin' },
    { key: CREDENTIALS.MASTER_KEY, secret: secretKey('another-master-secret-0123456789abcdef') },
    { now: NOW },
  ).token;
/** The default end of a rule: TOKEN_MAX_TTL (86400 s) plus the 30 s clock tolerance from now. */
const JTI_UNTIL = new Date(NOW.getTime() + (86400 + 30) * 1000).toISOString();

function setup(overrides: Record<string, string | undefined> = {}) {
  const store = openMemoryStore();
  const app = testApp(overrides, { store });
  const introspect = (token: unknown) => request(app).post('/introspect').set('Authorization', ADMIN).send({ token });
  const revoke = (body: object) => request(app).post('/revoke').set('Authorization', ADMIN).send(body);
  return { store, app, introspect, revoke };
}

describe('admin authentication of /introspect and /revoke', () => {
  it.each(['/introspect', '/revoke'])('when ADMIN_API_KEY is unset, then %s answers 404', async (path) => {
    const res = await request(testApp({ ADMIN_API_KEY: undefined }))
      .post(path)
      .set('Authorization', ADMIN)
      .send({ token: conference() })
      .expect(404);
    expect(res.body.type).toBe('urn:rtc-token-server:problem:not-found');
  });

  it.each([
    ['/introspect', undefined, 'an Authorization: Bearer <admin key> header is required'],
    ['/introspect', 'Bearer wrong-admin-key-0123456789', 'the admin key is not valid'],
    ['/revoke', undefined, 'an Authorization: Bearer <admin key> header is required'],
    ['/revoke', `Bearer ${videosdk()}`, 'the admin key is not valid'],
  ])('when %s is called with Authorization %s, then 401 with WWW-Authenticate and no-store', async (path, authorization, detail) => {
    const req = request(testApp()).post(path).send({ jti: 'x', token: 'y' });
    if (authorization) req.set('Authorization', authorization);
    const res = await req.expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:unauthorized', status: 401, detail });
  });

  it.each(['/introspect', '/revoke'])('when %s is called with GET, then 405 with Allow: POST', async (path) => {
    const res = await request(testApp()).get(path).set('Authorization', ADMIN).expect(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });
});

describe('POST /introspect', () => {
  it('when a conference token of ours is sent, then active with token_type conference and its claims as issued', async () => {
    const token = conference();
    const res = await setup().introspect(token).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      active: true,
      token_type: 'conference',
      iss: CREDENTIALS.MASTER_KEY,
      sub: 'alice',
      type: 'conference',
      room: 'room1',
      role: 'publisher',
      permissions: ['publish', 'subscribe'],
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 3600,
      jti: expect.stringMatching(UUID_V4),
    });
    expect(res.body.jti).toBe(claimsOf(token).jti);
  });

  it('when a chat token is sent, then active with token_type chat', async () => {
    const token = buildChatToken({ userId: 'bob', channelId: 'general', write: false }, native, { now: NOW }).token;
    expect((await setup().introspect(token).expect(200)).body).toEqual({ active: true, token_type: 'chat', ...claimsOf(token) });
  });

  it('when a VideoSDK token is sent, then active with token_type videosdk and its claims, jti included', async () => {
    const token = videosdk({ roomId: 'abcd-efgh-ijkl', participantId: 'p1', roles: ['rtc'] });
    const res = await setup().introspect(token).expect(200);
    expect(res.body).toEqual({
      active: true,
      token_type: 'videosdk',
      apikey: CREDENTIALS.VIDEOSDK_API_KEY,
      permissions: ['allow_join'],
      version: 2,
      roomId: 'abcd-efgh-ijkl',
      participantId: 'p1',
      roles: ['rtc'],
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      exp: NOW_S + 7200,
    });
  });

  it('when a VideoSDK token from before jti is sent, then it is active (nothing to look up)', async () => {
    const legacy = jwt.sign(
      { apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], version: 2, iat: NOW_S, exp: NOW_S + 60 },
      CREDENTIALS.VIDEOSDK_SECRET,
      { algorithm: 'HS256' },
    );
    expect((await setup().introspect(legacy).expect(200)).body).toMatchObject({ active: true, token_type: 'videosdk' });
  });

  it('when the token expired 20 s ago, then the 30 s clock tolerance still counts it active', async () => {
    expect(
      (
        await setup()
          .introspect(conference(new Date(NOW.getTime() - 3_620_000)))
          .expect(200)
      ).body.active,
    ).toBe(true);
  });

  it.each([
    ['an expired conference token', () => conference(HOUR_AGO, 1)],
    ['an expired VideoSDK token', () => videosdk({ expiresIn: 60 }, HOUR_AGO)],
    ['a conference token signed with another secret', foreignConference],
    [
      'a VideoSDK token signed with another secret',
      () => buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey('another-videosdk-secret') }, { now: NOW }).token,
    ],
    [
      'a token with a tampered payload',
      () => {
        const [h, , s] = conference().split('.');
        return `${h}.${Buffer.from(JSON.stringify({ iss: CREDENTIALS.MASTER_KEY, sub: 'mallory', type: 'conference', exp: NOW_S + 60 })).toString('base64url')}.${s}`;
      },
    ],
    [
      'a master-secret token for another issuer',
      () => buildConferenceToken({ userId: 'a', roomId: 'r', role: 'admin' }, { key: 'someone-else', secret: native.secret }, { now: NOW }).token,
    ],
    [
      'a master-secret token of an unknown type',
      () => jwt.sign({ iss: CREDENTIALS.MASTER_KEY, sub: 'a', type: 'admin', exp: NOW_S + 60 }, CREDENTIALS.MASTER_SECRET, { algorithm: 'HS256' }),
    ],
    ['a VideoSDK token for another API key', () => buildVideoSdkToken({}, { apiKey: 'someone-else', secret: vsdk.secret }, { now: NOW }).token],
    ['an alg:none token', () => jwt.sign({ iss: CREDENTIALS.MASTER_KEY, type: 'conference', exp: NOW_S + 60 }, '', { algorithm: 'none' })],
    [
      'a 100ms app token (checked by 100ms, not here)',
      () =>
        buildHmsAppToken(
          { roomId: 'r', userId: 'u', role: 'host' },
          { accessKey: CREDENTIALS.HMS_APP_ACCESS_KEY, secret: secretKey(CREDENTIALS.HMS_APP_SECRET) },
          { now: NOW },
        ).token,
    ],
    [
      'an Agora token',
      () =>
        buildAgoraRtcToken({ channelName: 'lobby' }, { appId: CREDENTIALS.AGORA_APP_ID, appCertificate: CREDENTIALS.AGORA_APP_CERTIFICATE }, { now: NOW })
          .token,
    ],
    ['garbage', () => 'not-a-token'],
  ])('when %s is sent, then 200 { active: false } and nothing else', async (_label, make) => {
    const res = await setup().introspect(make()).expect(200);
    expect(res.body).toEqual({ active: false });
  });

  it('when the token was revoked, then it is inactive while another token stays active', async () => {
    const { introspect, revoke } = setup();
    const [revoked, other] = [conference(), conference()];
    await revoke({ token: revoked }).expect(201);
    expect((await introspect(revoked).expect(200)).body).toEqual({ active: false });
    expect((await introspect(other).expect(200)).body.active).toBe(true);
  });

  it('when the store is down, then introspection still answers from the revocation rules held in memory', async () => {
    const app = testApp({}, { store: brokenStore() });
    expect((await request(app).post('/introspect').set('Authorization', ADMIN).send({ token: conference() }).expect(200)).body.active).toBe(true);
    expect((await request(app).post('/introspect').set('Authorization', ADMIN).send({ token: 'garbage' }).expect(200)).body).toEqual({ active: false });
  });

  it('when no provider is configured, then every token is inactive', async () => {
    const app = testApp({ MASTER_KEY: undefined, MASTER_SECRET: undefined, VIDEOSDK_API_KEY: undefined, VIDEOSDK_SECRET: undefined });
    expect((await request(app).post('/introspect').set('Authorization', ADMIN).send({ token: conference() }).expect(200)).body).toEqual({ active: false });
  });

  it.each([
    ['no body', undefined, 'token', 'token is required'],
    ['an empty object', {}, 'token', 'token is required'],
    ['a number', { token: 42 }, 'token', 'token must be a string'],
    ['an empty string (empty counts as absent)', { token: '' }, 'token', 'token is required'],
    ['a token over 4096 bytes', { token: 'a'.repeat(4097) }, 'token', 'token must be at most 4096 bytes'],
    ['an array body', [1], 'body', 'the request body must be a JSON object'],
  ])('when the body is %s, then 400 names the field', async (_label, body, field, message) => {
    const req = request(testApp()).post('/introspect').set('Authorization', ADMIN);
    expectInvalid(await (body === undefined ? req : req.send(body)), field, message);
  });

  it('when the body is not JSON, then 415', async () => {
    await request(testApp())
      .post('/introspect')
      .set('Authorization', ADMIN)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('token=abc')
      .expect(415);
  });
});

describe('POST /revoke', () => {
  it('when a jti is revoked, then 201 with the rule (until now + TOKEN_MAX_TTL + tolerance), the rule is stored, and its token turns inactive', async () => {
    const { store, introspect, revoke } = setup();
    const token = conference();
    const jti = claimsOf(token).jti!;
    const res = await revoke({ jti }).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ id: expect.stringMatching(UUID_V4), kind: 'jti', value: jti, until: JTI_UNTIL, createdAt: NOW.toISOString() });
    expect(await store.rules(NOW)).toEqual([{ id: res.body.id, kind: 'jti', value: jti, until: new Date(JTI_UNTIL), createdAt: NOW }]);
    expect((await introspect(token).expect(200)).body).toEqual({ active: false });
  });

  it('when a token is revoked, then the rule is on its jti, and only that token turns inactive', async () => {
    const { introspect, revoke } = setup();
    const [token, other] = [videosdk({ expiresIn: 600 }), videosdk({ expiresIn: 600 })];
    const res = await revoke({ token }).expect(201);
    expect(res.body).toMatchObject({ kind: 'jti', value: claimsOf(token).jti, until: JTI_UNTIL });
    expect((await introspect(token).expect(200)).body).toEqual({ active: false });
    expect((await introspect(other).expect(200)).body.active).toBe(true);
  });

  it('when until is given, then the rule ends then', async () => {
    const until = new Date(NOW.getTime() + 90_000).toISOString();
    expect((await setup().revoke({ subject: 'alice', until }).expect(201)).body).toMatchObject({ kind: 'subject', value: 'alice', until });
  });

  it('when a revoked VideoSDK token calls the meeting routes, then 401 "the token has been revoked" while a fresh one still works', async () => {
    const { app, revoke } = setup();
    const token = videosdk();
    await request(app).post('/create-meeting').set('Authorization', token).expect(201);
    await revoke({ token }).expect(201);
    for (const path of ['/create-meeting', '/validate-meeting/abcd-efgh-ijkl']) {
      const res = await request(app).post(path).set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server", error="invalid_token"');
      expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:unauthorized', detail: 'the token has been revoked' });
    }
    await request(app).post('/create-meeting').set('Authorization', videosdk()).expect(201);
  });

  it('when a VideoSDK token without jti is revoked, then 400 explains to revoke its subject or room instead', async () => {
    const legacy = jwt.sign(
      { apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], version: 2, iat: NOW_S, exp: NOW_S + 60 },
      CREDENTIALS.VIDEOSDK_SECRET,
      { algorithm: 'HS256' },
    );
    expectInvalid(
      await setup().revoke({ token: legacy }),
      'token',
      'token has no jti (a VideoSDK token issued before tokens carried one): revoke its subject or room instead',
    );
  });

  it.each([
    ['a token signed with another secret', foreignConference],
    [
      'a 100ms token',
      () =>
        buildHmsAppToken(
          { roomId: 'r', userId: 'u', role: 'host' },
          { accessKey: CREDENTIALS.HMS_APP_ACCESS_KEY, secret: secretKey(CREDENTIALS.HMS_APP_SECRET) },
          { now: NOW },
        ).token,
    ],
    ['garbage', () => 'not-a-token'],
  ])('when %s is revoked, then 400: only tokens of ours can be', async (_label, make) => {
    expectInvalid(await setup().revoke({ token: make() }), 'token', 'token is not a valid token from this server');
  });

  it.each([
    ['no kind', {}, 'body', 'the body must hold one of token, jti, subject, room, issuedBefore'],
    ['only until', { until: '2030-01-01T00:00:00Z' }, 'body', 'the body must hold one of token, jti, subject, room, issuedBefore'],
    ['both jti and token', { jti: 'a', token: 'b' }, 'jti', 'jti cannot be combined with token: one rule per request'],
    ['subject and room', { subject: 'a', room: 'b' }, 'room', 'room cannot be combined with subject: one rule per request'],
    ['an empty jti (empty counts as absent)', { jti: '' }, 'body', 'the body must hold one of token, jti, subject, room, issuedBefore'],
    ['a numeric jti', { jti: 7 }, 'jti', 'jti must be a string'],
    ['a jti over 128 bytes', { jti: 'j'.repeat(129) }, 'jti', 'jti must be at most 128 bytes'],
    ['a jti with a control character', { jti: 'a\nb' }, 'jti', 'jti must not contain control characters'],
    ['a numeric token', { token: 1 }, 'token', 'token must be a string'],
    ['a subject over 255 bytes', { subject: 's'.repeat(256) }, 'subject', 'subject must be at most 255 bytes'],
    [
      'a date without time',
      { issuedBefore: '2026-11-23' },
      'issuedBefore',
      'issuedBefore must be an ISO 8601 instant with Z or an offset, like 2026-12-03T18:00:00Z',
    ],
    [
      'an instant without offset',
      { room: 'r', until: '2030-01-01T00:00:00' },
      'until',
      'until must be an ISO 8601 instant with Z or an offset, like 2026-12-03T18:00:00Z',
    ],
    [
      'February 31st',
      { room: 'r', until: '2030-02-31T00:00:00Z' },
      'until',
      'until must be an ISO 8601 instant with Z or an offset, like 2026-12-03T18:00:00Z',
    ],
    ['an until in the past', { subject: 'a', until: new Date(NOW.getTime() - 1000).toISOString() }, 'until', 'until must be in the future'],
    ['an until of now', { subject: 'a', until: NOW.toISOString() }, 'until', 'until must be in the future'],
  ])('when the body has %s, then 400 names the field and nothing is stored', async (_label, body, field, message) => {
    const { store, revoke } = setup();
    expectInvalid(await revoke(body), field, message);
    expect(await store.rules(new Date(0))).toEqual([]);
  });

  it('when there is no body, then 400 names it', async () => {
    expectInvalid(
      await request(testApp()).post('/revoke').set('Authorization', ADMIN),
      'body',
      'the body must hold one of token, jti, subject, room, issuedBefore',
    );
  });

  it('when the store is down, then 503 store-unavailable and no rule is enforced that the store does not hold', async () => {
    const app = testApp({}, { store: brokenStore() });
    const res = await request(app).post('/revoke').set('Authorization', ADMIN).send({ subject: 'alice' }).expect(503);
    expect(res.body.type).toBe('urn:rtc-token-server:problem:store-unavailable');
    await request(app).get('/conference-token?userId=alice&roomId=r&role=publisher').expect(200);
    expect((await request(app).get('/revocations').set('Authorization', ADMIN).expect(200)).body).toEqual({ revocations: [] });
  });
});
