import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { NOW_S, testApp } from '../fixtures.js';
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
