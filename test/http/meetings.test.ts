import { describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { CREDENTIALS, NOW, NOW_S, PRODUCTION_ENV, brokenStore, expectInvalid, testApp } from '../fixtures.js';

const vsdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
const token = (input: Parameters<typeof buildVideoSdkToken>[0] = {}, now = NOW) => buildVideoSdkToken(input, vsdk, { now }).token;
const ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;

describe('POST /create-meeting', () => {
  it('when a crawler token is sent as Bearer, then 201 with a well-formed id that validates', async () => {
    const store = openMemoryStore();
    const app = testApp({}, { store });
    const res = await request(app)
      .post('/create-meeting')
      .set('Authorization', `Bearer ${token({ roles: ['crawler'], participantId: 'host-1' })}`)
      .expect(201);
    expect(res.body).toEqual({ meetingId: expect.stringMatching(ID), roomId: res.body.meetingId, createdAt: NOW.toISOString() });
    expect(await store.find(res.body.meetingId)).toEqual({ id: res.body.meetingId, createdAt: NOW, createdBy: 'host-1' });
  });

  it('when the token is sent bare and has no participantId, then the creator is the apikey', async () => {
    const store = openMemoryStore();
    const res = await request(testApp({}, { store })).post('/create-meeting').set('Authorization', token()).expect(201);
    expect((await store.find(res.body.meetingId))?.createdBy).toBe(CREDENTIALS.VIDEOSDK_API_KEY);
  });

  it('when 50 meetings are created, then all ids differ', async () => {
    const app = testApp();
    const auth = `Bearer ${token()}`;
    const ids = await Promise.all(
      Array.from({ length: 50 }, async () => (await request(app).post('/create-meeting').set('Authorization', auth).expect(201)).body.meetingId),
    );
    expect(new Set(ids).size).toBe(50);
  });

  it('when a JSON body is sent, then it is accepted and ignored', async () => {
    await request(testApp()).post('/create-meeting').set('Authorization', token()).send({ region: 'sg001' }).expect(201);
  });

  it.each([
    ['no Authorization header', undefined, 'an Authorization header, or a JSON body with a token, carrying a token from /get-token is required'],
    ['a garbage token', 'Bearer not.a.jwt', 'the token is not a valid VideoSDK token from this server'],
    [
      'a token signed with another secret',
      `Bearer ${buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey('another-secret-entirely') }, { now: NOW }).token}`,
      'the token is not a valid VideoSDK token from this server',
    ],
    [
      'a token for another API key',
      `Bearer ${buildVideoSdkToken({}, { apiKey: 'someone-else', secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }, { now: NOW }).token}`,
      'the token was issued for another API key',
    ],
    ['an expired token', `Bearer ${token({ expiresIn: 60 }, new Date(NOW.getTime() - 3_600_000))}`, 'the token has expired'],
    [
      'an alg:none token',
      `Bearer ${jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], exp: NOW_S + 60 }, '', { algorithm: 'none' })}`,
      'the token is not a valid VideoSDK token from this server',
    ],
    [
      'an HS512 token with the right secret',
      `Bearer ${jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], exp: NOW_S + 60 }, CREDENTIALS.VIDEOSDK_SECRET, { algorithm: 'HS512' })}`,
      'the token is not a valid VideoSDK token from this server',
    ],
    [
      'a token without exp',
      `Bearer ${jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], iat: NOW_S }, CREDENTIALS.VIDEOSDK_SECRET, { algorithm: 'HS256' })}`,
      'the token has no expiry',
    ],
    [
      'a token not valid before an hour from now',
      `Bearer ${jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, exp: NOW_S + 7200, nbf: NOW_S + 3600 }, CREDENTIALS.VIDEOSDK_SECRET, { algorithm: 'HS256' })}`,
      'the token is not a valid VideoSDK token from this server',
    ],
  ])('when the request has %s, then 401 with WWW-Authenticate', async (_label, header, detail) => {
    const req = request(testApp()).post('/create-meeting');
    if (header) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rtc-token-server"/);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:unauthorized', status: 401, detail });
  });

  it('when the token expired 20 s ago, then the clock tolerance still accepts it', async () => {
    await request(testApp())
      .post('/create-meeting')
      .set('Authorization', token({ expiresIn: 40 }, new Date(NOW.getTime() - 60_000)))
      .expect(201);
  });

  it('when the token roles lack crawler, then 403', async () => {
    const res = await request(testApp())
      .post('/create-meeting')
      .set('Authorization', token({ roles: ['rtc'] }))
      .expect(403);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:forbidden', status: 403 });
  });

  it('when VideoSDK has no credentials, then 503 provider not configured', async () => {
    const res = await request(testApp({ VIDEOSDK_API_KEY: undefined, VIDEOSDK_SECRET: undefined }))
      .post('/create-meeting')
      .set('Authorization', token())
      .expect(503);
    expect(res.body.detail).toBe('provider not configured: videosdk');
  });

  it('when the store is down, then 503 store-unavailable without internals, and token routes still answer', async () => {
    const app = testApp({}, { store: brokenStore() });
    const res = await request(app).post('/create-meeting').set('Authorization', token()).expect(503);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:store-unavailable',
      title: 'Store unavailable',
      status: 503,
      detail: 'the meeting store is unavailable; retry later',
    });
    await request(app).get('/conference-token?userId=u&roomId=r&role=admin').expect(200);
    await request(app).get('/healthz').expect(200);
  });

  it('when GET is used, then 405 with Allow: POST', async () => {
    const res = await request(testApp()).get('/create-meeting').expect(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });

  it('when the body is not JSON, then 415', async () => {
    await request(testApp()).post('/create-meeting').set('Authorization', token()).set('Content-Type', 'text/plain').send('hello').expect(415);
  });
});

describe('POST /validate-meeting/:meetingId', () => {
  it('when the meeting was created, then 200 valid with its createdAt', async () => {
    const app = testApp();
    const created = await request(app).post('/create-meeting').set('Authorization', token()).expect(201);
    const res = await request(app).post(`/validate-meeting/${created.body.meetingId}`).set('Authorization', `Bearer ${token()}`).expect(200);
    expect(res.body).toEqual({ meetingId: created.body.meetingId, roomId: created.body.meetingId, valid: true, createdAt: NOW.toISOString() });
  });

  it('when the id is well-formed but unknown, then 404', async () => {
    const res = await request(testApp()).post('/validate-meeting/abcd-efgh-ijkl').set('Authorization', token()).expect(404);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:not-found', detail: 'no meeting with id abcd-efgh-ijkl' });
  });

  it.each(['ABCD-EFGH-IJKL', 'abcd-efgh', 'abcd_efgh_ijkl', 'abcd-efgh-ijklm', '%20', 'abc%2Fd-efgh-ijkl'])(
    'when the id is %s, then 400 names meetingId',
    async (id) => {
      expectInvalid(
        await request(testApp()).post(`/validate-meeting/${id}`).set('Authorization', token()),
        'meetingId',
        'meetingId must look like abcd-efgh-ijkl: three groups of four lowercase letters or digits',
      );
    },
  );

  it('when no token is sent, then 401 before the id is looked at', async () => {
    await request(testApp()).post('/validate-meeting/BAD').expect(401);
  });

  it('when the store is down, then 503', async () => {
    await request(testApp({}, { store: brokenStore() }))
      .post('/validate-meeting/abcd-efgh-ijkl')
      .set('Authorization', token())
      .expect(503);
  });
});

describe('GET /readyz', () => {
  it('when the store answers, then 200 ready naming the store', async () => {
    expect((await request(testApp()).get('/readyz').expect(200)).body).toEqual({
      status: 'ready',
      store: 'memory',
      providers: { agora: true, videosdk: true, '100ms': true, native: true },
    });
  });

  it('when only some providers are configured, then 200 says which', async () => {
    const app = testApp({ AGORA_APP_ID: undefined, AGORA_APP_CERTIFICATE: undefined, HMS_APP_ACCESS_KEY: undefined, HMS_APP_SECRET: undefined });
    expect((await request(app).get('/readyz').expect(200)).body.providers).toEqual({ agora: false, videosdk: true, '100ms': false, native: true });
  });

  it('when no provider is configured (production without credentials), then 503 says so per provider while /healthz stays 200', async () => {
    const none = Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, undefined]));
    const app = testApp({ ...PRODUCTION_ENV, ...none });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:no-provider-configured',
      title: 'No token provider configured',
      status: 503,
      detail: "no token provider is configured: every token route answers 503; set at least one provider's credentials",
      store: 'memory',
      providers: { agora: false, videosdk: false, '100ms': false, native: false },
    });
    await request(app).get('/healthz').expect(200);
  });

  it('when the store is down, then 503 problem while /healthz stays 200', async () => {
    const app = testApp({}, { store: brokenStore() });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.type).toBe('urn:rtc-token-server:problem:store-unavailable');
    await request(app).get('/healthz').expect(200);
  });
});
