import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { CREDENTIALS, NOW_S, expectInvalid, expectProblem, testApp } from '../fixtures.js';
import { parseAgora } from '../agora.js';

const app = testApp();

describe('GET /access_token', () => {
  it('when only channelName is given, then a wildcard subscriber token for 3600 s is returned, uncached', async () => {
    const res = await request(app).get('/access_token').query({ channelName: 'test' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers.expires).toBe('0');
    expect(res.body).toEqual({ token: expect.stringMatching(/^007/), expiresAt: '2026-11-23T18:00:00.000Z' });
    const { parsed, service } = parseAgora(res.body.token);
    expect([parsed.issueTs, parsed.expire]).toEqual([NOW_S, 3600]);
    expect(String(service.__channel_name)).toBe('test');
    expect(String(service.__uid)).toBe('');
    expect(service.__privileges).toEqual({ 1: 3600 });
  });

  it('when a publisher uid and expireTime are given, then the token carries them', async () => {
    const res = await request(app).get('/access_token?channelName=my%20room&uid=1234&role=publisher&expireTime=6400').expect(200);
    const { service } = parseAgora(res.body.token);
    expect(String(service.__uid)).toBe('1234');
    expect(service.__privileges).toEqual({ 1: 6400, 2: 6400, 3: 6400, 4: 6400 });
    expect(res.body.expiresAt).toBe(new Date((NOW_S + 6400) * 1000).toISOString());
  });

  it('when uid is a name, then a user-account token is returned', async () => {
    const res = await request(app).get('/access_token').query({ channelName: 'test', uid: 'alice' }).expect(200);
    expect(String(parseAgora(res.body.token).service.__uid)).toBe('alice');
  });

  it('when uid is the largest uint32, then it is kept exactly', async () => {
    const res = await request(app).get('/access_token').query({ channelName: 'test', uid: '4294967295' }).expect(200);
    expect(String(parseAgora(res.body.token).service.__uid)).toBe('4294967295');
  });

  it.each([
    ['', 'channelName', 'channelName is required'],
    ['channelName=', 'channelName', 'channelName is required'],
    ['channelName=a/b', 'channelName', 'channelName may only contain'],
    [`channelName=${'x'.repeat(64)}`, 'channelName', 'channelName must be at most 63 bytes'],
    ['channelName=t&uid=4294967296', 'uid', 'uid must be a whole number from 0 to 4294967295'],
    ['channelName=t&uid=1&uid=2', 'uid', 'uid must be given once'],
    ['channelName=t&role=admin', 'role', 'role must be one of: publisher, subscriber'],
    ['channelName=t&role=PUBLISHER', 'role', 'role must be one of'],
    ['channelName=t&expireTime=abc', 'expireTime', 'expireTime must be a whole number from 1 to 86400'],
    ['channelName=t&expireTime=NaN', 'expireTime', 'expireTime must be a whole number'],
    ['channelName=t&expireTime=1e3', 'expireTime', 'expireTime must be a whole number'],
    ['channelName=t&expireTime=-5', 'expireTime', 'expireTime must be a whole number'],
    ['channelName=t&expireTime=0', 'expireTime', 'expireTime must be a whole number'],
    ['channelName=t&expireTime=86401', 'expireTime', 'expireTime must be a whole number'],
    ['channelName=t&expireTime=3600.5', 'expireTime', 'expireTime must be a whole number'],
  ])('when the query is "%s", then 400 names %s', async (query, field, message) => {
    const res = await request(app).get(`/access_token?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      type: 'urn:rtc-token-server:problem:invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: expect.stringContaining(message),
      errors: [{ field, message: expect.stringContaining(message) }],
    });
  });

  it('when several parameters are bad, then every one is named', async () => {
    const res = await request(app).get('/access_token?uid=-&role=x&expireTime=0').expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['channelName', 'role', 'expireTime']);
  });

  it('when TOKEN_MAX_TTL is lower, then expireTime above it is refused', async () => {
    const short = testApp({ TOKEN_MAX_TTL: '1800' });
    await request(short).get('/access_token?channelName=t&expireTime=1800').expect(200);
    const res = await request(short).get('/access_token?channelName=t&expireTime=1801').expect(400);
    expect(res.body.detail).toBe('expireTime must be a whole number from 1 to 1800');
  });

  it('when unknown parameters are sent, then they are ignored', async () => {
    await request(app).get('/access_token?channelName=t&foo=bar&foo=baz&__proto__=x&constructor=y').expect(200);
  });
});

describe('GET /rtm_token', () => {
  it('when uid is given, then an RTM login token is returned', async () => {
    const res = await request(app).get('/rtm_token').query({ uid: 'bob', expireTime: '60' }).expect(200);
    const { parsed, service } = parseAgora(res.body.token);
    expect(parsed.expire).toBe(60);
    expect(String(service.__user_id)).toBe('bob');
    expect(service.__privileges).toEqual({ 1: 60 });
    expect(res.body.expiresAt).toBe('2026-11-23T17:01:00.000Z');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['', 'uid is required'],
    [`uid=${'u'.repeat(65)}`, 'uid must be at most 64 bytes'],
    ['uid=bob&expireTime=x', 'expireTime must be a whole number'],
  ])('when the query is "%s", then 400 says %s', async (query, message) => {
    const res = await request(app).get(`/rtm_token?${query}`).expect(400);
    expect(res.body.detail).toContain(message);
  });
});

describe('GET /rte_token', () => {
  it('when a publisher asks, then one token carries RTC privileges in the channel and the RTM login, all until expireTime', async () => {
    const res = await request(app).get('/rte_token?channelName=room1&uid=alice&role=publisher&expireTime=900').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.expiresAt).toBe(new Date((NOW_S + 900) * 1000).toISOString());
    const { parsed, services } = parseAgora(res.body.token);
    expect([parsed.issueTs, parsed.expire]).toEqual([NOW_S, 900]);
    expect(services.map((s) => [s.__type, String(s.__type === 1 ? s.__uid : s.__user_id), s.__privileges])).toEqual([
      [1, 'alice', { 1: 900, 2: 900, 3: 900, 4: 900 }],
      [2, 'alice', { 1: 900 }],
    ]);
  });

  it('when uid is missing or 0, then 400 names uid', async () => {
    expectInvalid(await request(app).get('/rte_token?channelName=room1'), 'uid', 'uid is required');
    expectInvalid(await request(app).get('/rte_token?channelName=room1&uid=0'), 'uid', 'uid must not be 0: the RTM login needs a user id');
  });
});

describe('GET /agora/chat-token', () => {
  it('when a user asks, then an Agora Chat user token for that user, for AGORA_TOKEN_TTL by default', async () => {
    const res = await request(app).get('/agora/chat-token?userId=alice').expect(200);
    const { parsed, service } = parseAgora(res.body.token);
    expect([parsed.expire, service.__type, String(service.__user_id), service.__privileges]).toEqual([3600, 5, 'alice', { 1: 3600 }]);
  });

  it('when the caller authenticates with a JWT, then the user id is the caller and another is 403', async () => {
    const { SignJWT } = await import('jose');
    const secret = 'client-jwt-secret-for-agora-chat-tests-01';
    const jwtApp = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: secret });
    const caller = await new SignJWT({ sub: 'bob', exp: NOW_S + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    const own = await request(jwtApp).get('/agora/chat-token').set('Authorization', `Bearer ${caller}`).expect(200);
    expect(String(parseAgora(own.body.token).service.__user_id)).toBe('bob');
    const other = await request(jwtApp).get('/agora/chat-token?userId=alice').set('Authorization', `Bearer ${caller}`);
    expectProblem(other, 403, 'forbidden', "userId must be your own identity (the token's sub) or omitted");
  });
});

describe('POST /agora/chat-app-token', () => {
  const admin = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;

  it('when the admin key is presented, then an Agora Chat app token', async () => {
    const res = await request(app)
      .post('/agora/chat-app-token')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send({ expireTime: 600 })
      .expect(200);
    const { parsed, service } = parseAgora(res.body.token);
    expect([parsed.expire, service.__type, String(service.__user_id), service.__privileges]).toEqual([600, 5, '', { 2: 600 }]);
  });

  it('when no admin key is presented, then 401; when ADMIN_API_KEY is unset, then 404', async () => {
    expect((await request(app).post('/agora/chat-app-token')).status).toBe(401);
    expect(
      (
        await request(testApp({ ADMIN_API_KEY: undefined }))
          .post('/agora/chat-app-token')
          .set('Authorization', admin)
      ).status,
    ).toBe(404);
  });
});
