import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { CREDENTIALS, NOW_S, UUID_V4, expectInvalid, testApp, verifyAt } from '../fixtures.js';

const app = testApp();

describe('GET /get-token', () => {
  it('when no parameters are given, then an allow_join token with a jti for 7200 s is returned', async () => {
    const res = await request(app).get('/get-token').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.expiresAt).toBe('2026-11-23T19:00:00.000Z');
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET)).toEqual({
      apikey: CREDENTIALS.VIDEOSDK_API_KEY,
      permissions: ['allow_join'],
      version: 2,
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      exp: NOW_S + 7200,
    });
  });

  it('when every parameter is given, then the payload carries each', async () => {
    const res = await request(app)
      .get('/get-token')
      .query({ permissions: 'ask_join,allow_mod', roles: 'crawler,rtc', roomId: '2kyv-gzay-64pg', participantId: 'lxvdplwt', expiresIn: '600' })
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET)).toEqual({
      apikey: CREDENTIALS.VIDEOSDK_API_KEY,
      permissions: ['ask_join', 'allow_mod'],
      version: 2,
      roomId: '2kyv-gzay-64pg',
      participantId: 'lxvdplwt',
      roles: ['crawler', 'rtc'],
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      exp: NOW_S + 600,
    });
  });

  it.each([
    ['permissions=allow_join,ask_join', 'permissions', 'permissions cannot hold both allow_join and ask_join'],
    ['permissions=superuser', 'permissions', 'permissions must be a comma list of: allow_join, ask_join, allow_mod'],
    ['permissions=allow_join&permissions=allow_mod', 'permissions', 'permissions must be given once'],
    ['roles=admin', 'roles', 'roles must be a comma list of: crawler, rtc'],
    [`roomId=${'r'.repeat(129)}`, 'roomId', 'roomId must be at most 128 bytes'],
    ['participantId=%00', 'participantId', 'participantId must not contain control characters'],
    ['expiresIn=86401', 'expiresIn', 'expiresIn must be a whole number from 1 to 86400'],
    ['expiresIn=2h', 'expiresIn', 'expiresIn must be a whole number from 1 to 86400'],
  ])('when the query is "%s", then 400 names %s', async (query, field, message) => {
    expectInvalid(await request(app).get(`/get-token?${query}`), field, message);
  });
});
