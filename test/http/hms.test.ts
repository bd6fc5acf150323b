import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { CREDENTIALS, NOW_S, expectInvalid, testApp, verifyAt } from '../fixtures.js';
import { CLAIMS } from '../claims.js';

const app = testApp();
const admin = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;

describe('GET /hms/app-token', () => {
  it('when room, user and role are given, then a 100ms app token for a day is returned', async () => {
    const res = await request(app).get('/hms/app-token').query({ roomId: 'room-1', userId: 'user-1', role: 'guest_speaker' }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.expiresAt).toBe('2026-11-24T17:00:00.000Z');
    expect(CLAIMS.hmsApp(res.body.token, { roomId: 'room-1', userId: 'user-1', role: 'guest_speaker', expiresIn: 86400 })).toBe(86400);
  });

  it.each([
    ['userId=u&role=host', 'roomId', 'roomId is required'],
    ['roomId=r&role=host', 'userId', 'userId is required'],
    ['roomId=r&userId=u', 'role', 'role is required'],
    ['roomId=r&userId=u&role=host%20admin', 'role', 'role may only contain letters, digits, _ and -'],
    ['roomId=r&userId=u&role=host&expiresIn=0', 'expiresIn', 'expiresIn must be a whole number from 1 to 86400'],
  ])('when the query is "%s", then 400 names %s', async (query, field, message) => {
    expectInvalid(await request(app).get(`/hms/app-token?${query}`), field, message);
  });
});

describe('POST /hms/management-token', () => {
  it('when the admin key is presented, then a management token for a day is returned', async () => {
    const res = await request(app).post('/hms/management-token').set('Authorization', admin).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(CLAIMS.hmsManagement(res.body.token, { expiresIn: 86400 })).toBe(86400);
  });

  it('when the body asks for a shorter lifetime, then the token has it', async () => {
    const res = await request(app).post('/hms/management-token').set('Authorization', admin).send({ expiresIn: 600 }).expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.HMS_APP_SECRET).exp).toBe(NOW_S + 600);
    expect(res.body.expiresAt).toBe('2026-11-23T17:10:00.000Z');
  });

  it.each([
    ['no header', undefined, 'an Authorization: Bearer <admin key> header is required'],
    ['a wrong key', 'Bearer not-the-admin-key-at-all', 'the admin key is not valid'],
    ['the key without Bearer', CREDENTIALS.ADMIN_API_KEY, 'an Authorization: Bearer <admin key> header is required'],
  ])('when the request has %s, then 401 with WWW-Authenticate', async (_label, header, detail) => {
    const req = request(app).post('/hms/management-token');
    if (header) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server"');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, detail });
    expect(JSON.stringify(res.body)).not.toContain('not-the-admin-key');
  });

  it.each(['post', 'get'] as const)('when ADMIN_API_KEY is not set, then %s is 404', async (method) => {
    const agent = request(testApp({ ADMIN_API_KEY: undefined }));
    const res = await agent[method]('/hms/management-token').set('Authorization', admin).expect(404);
    expect(res.body.type).toBe('urn:rtc-token-server:problem:not-found');
  });

  it.each([['{"expiresIn":0}'], ['{"expiresIn":"600"}'], ['{"expiresIn":1e309}'], ['{"expiresIn":-0.5}'], ['{"expiresIn":86401}']])(
    'when the body is %s, then 400 names expiresIn',
    async (raw) => {
      const res = await request(app).post('/hms/management-token').set('Authorization', admin).set('Content-Type', 'application/json').send(raw).expect(400);
      expect(res.body).toMatchObject({ detail: 'expiresIn must be a whole number from 1 to 86400', errors: [{ field: 'expiresIn' }] });
    },
  );

  it('when the body is malformed JSON, then 400 malformed-json', async () => {
    const res = await request(app)
      .post('/hms/management-token')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send('{"expiresIn": ')
      .expect(400);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:malformed-json', detail: 'the request body is not valid JSON' });
  });

  it('when the body is a JSON array, then 400 names the body', async () => {
    const res = await request(app).post('/hms/management-token').set('Authorization', admin).send([1, 2]).expect(400);
    expect(res.body.errors).toEqual([{ field: 'body', message: 'the request body must be a JSON object' }]);
  });

  it('when the body is larger than 16 KB, then 413', async () => {
    const res = await request(app)
      .post('/hms/management-token')
      .set('Authorization', admin)
      .send({ pad: 'x'.repeat(17 * 1024) })
      .expect(413);
    expect(res.body).toMatchObject({ status: 413, title: 'Payload too large' });
  });

  it('when the body is not JSON, then 415', async () => {
    const res = await request(app).post('/hms/management-token').set('Authorization', admin).set('Content-Type', 'text/plain').send('expiresIn=60').expect(415);
    expect(res.body).toMatchObject({ status: 415, detail: 'the request body must be application/json' });
  });

  it('when 100ms has no credentials, then 503 provider not configured', async () => {
    const res = await request(testApp({ HMS_APP_ACCESS_KEY: undefined, HMS_APP_SECRET: undefined }))
      .post('/hms/management-token')
      .set('Authorization', admin)
      .expect(503);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:provider-not-configured', detail: 'provider not configured: 100ms' });
  });
});
