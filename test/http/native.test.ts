import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { CREDENTIALS, NOW_S, expectInvalid, testApp, verifyAt } from '../fixtures.js';
import { CLAIMS } from '../claims.js';
import TokenClient from '../../src/index.js';

const app = testApp();

describe('GET /conference-token', () => {
  it('when a publisher asks, then the claims carry publish and subscribe for 60 minutes', async () => {
    const res = await request(app).get('/conference-token').query({ userId: 'someUser', roomId: 'someRoom', role: 'publisher' }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.expiresAt).toBe('2026-11-23T18:00:00.000Z');
    expect(CLAIMS.conference(res.body.token, { userId: 'someUser', roomId: 'someRoom', role: 'publisher', expirationMinutes: 60 })).toBe(3600);
  });

  it('when the same arguments go through the library, then the claims are the same but for jti', async () => {
    const res = await request(app).get('/conference-token?userId=userA&roomId=room1&role=admin&expirationMinutes=120').expect(200);
    const client = new TokenClient(CREDENTIALS.MASTER_KEY, CREDENTIALS.MASTER_SECRET, { currentDate: () => new Date(NOW_S * 1000) });
    const { jti: a, ...fromHttp } = verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET);
    const { jti: b, ...fromLibrary } = verifyAt(await client.getConferenceToken('userA', 'room1', 'admin', 120), CREDENTIALS.MASTER_SECRET);
    expect(fromHttp).toEqual(fromLibrary);
    expect(a).not.toBe(b);
  });

  it.each([
    ['roomId=r&role=admin', 'userId', 'userId is required'],
    ['userId=u&role=admin', 'roomId', 'roomId is required'],
    ['userId=u&roomId=r', 'role', 'role is required'],
    ['userId=u&roomId=r&role=owner', 'role', 'role must be one of: admin, publisher, subscriber'],
    ['userId=u&roomId=r&role=admin&expirationMinutes=0', 'expirationMinutes', 'expirationMinutes must be a whole number from 1 to 1440'],
    ['userId=u&roomId=r&role=admin&expirationMinutes=1441', 'expirationMinutes', 'expirationMinutes must be a whole number from 1 to 1440'],
    ['userId=u&roomId=r&role=admin&expirationMinutes=60.0', 'expirationMinutes', 'expirationMinutes must be a whole number from 1 to 1440'],
  ])('when the query is "%s", then 400 names %s', async (query, field, message) => {
    expectInvalid(await request(app).get(`/conference-token?${query}`), field, message);
  });

  it('when TOKEN_MAX_TTL is 30 minutes, then expirationMinutes is bounded by it too', async () => {
    const res = await request(testApp({ TOKEN_MAX_TTL: '1800' }))
      .get('/conference-token?userId=u&roomId=r&role=admin')
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET).exp).toBe(NOW_S + 1800);
    const refused = await request(testApp({ TOKEN_MAX_TTL: '1800' }))
      .get('/conference-token?userId=u&roomId=r&role=admin&expirationMinutes=31')
      .expect(400);
    expect(refused.body.detail).toBe('expirationMinutes must be a whole number from 1 to 30');
  });
});

describe('GET /chat-token', () => {
  it('when read and write are omitted, then both are true', async () => {
    const res = await request(app).get('/chat-token?userId=user123&channelId=channel-global').expect(200);
    expect(CLAIMS.chat(res.body.token, { userId: 'user123', channelId: 'channel-global', read: true, write: true, ttlMinutes: 60 })).toBe(3600);
  });

  it.each([
    ['true', 'false', true, false],
    ['1', '0', true, false],
    ['0', '1', false, true],
    ['false', 'true', false, true],
  ])('when read=%s and write=%s, then the claims say read=%s write=%s', async (read, write, r, w) => {
    const res = await request(app).get('/chat-token').query({ userId: 'u', channelId: 'c', read, write, ttlMinutes: '5' }).expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET)).toMatchObject({ read: r, write: w, exp: NOW_S + 300 });
  });

  it.each([
    ['userId=u&channelId=c&read=false&write=0', 'write', 'read and write cannot both be false'],
    ['userId=u&channelId=c&read=yes', 'read', 'read must be true, false, 1 or 0'],
    ['userId=u&channelId=c&write=TRUE', 'write', 'write must be true, false, 1 or 0'],
    ['userId=u', 'channelId', 'channelId is required'],
    ['userId=u&channelId=c&ttlMinutes=1441', 'ttlMinutes', 'ttlMinutes must be a whole number from 1 to 1440'],
  ])('when the query is "%s", then 400 names %s', async (query, field, message) => {
    expectInvalid(await request(app).get(`/chat-token?${query}`), field, message);
  });
});
