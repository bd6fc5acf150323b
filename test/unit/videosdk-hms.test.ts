import { describe, expect, it } from 'vitest';
import { buildHmsAppToken, buildHmsManagementToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS, NOW, NOW_S, UUID_V4, verifyAt } from '../fixtures.js';

const vsdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
const hms = { accessKey: CREDENTIALS.HMS_APP_ACCESS_KEY, secret: secretKey(CREDENTIALS.HMS_APP_SECRET) };

describe('VideoSDK tokens', () => {
  it('when only defaults are used, then the payload is apikey, allow_join, version 2 and a jti for 7200 s', () => {
    const issued = buildVideoSdkToken({}, vsdk, { now: NOW });
    expect(verifyAt(issued.token, CREDENTIALS.VIDEOSDK_SECRET)).toEqual({
      apikey: CREDENTIALS.VIDEOSDK_API_KEY,
      permissions: ['allow_join'],
      version: 2,
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      exp: NOW_S + 7200,
    });
  });

  it('when room, participant and roles are given, then the payload carries them', () => {
    const issued = buildVideoSdkToken(
      { permissions: ['ask_join', 'allow_mod'], roomId: '2kyv-gzay-64pg', participantId: 'lxvdplwt', roles: ['crawler', 'rtc'], expiresIn: 600 },
      vsdk,
      { now: NOW },
    );
    expect(verifyAt(issued.token, CREDENTIALS.VIDEOSDK_SECRET)).toEqual({
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
    [{ permissions: ['allow_join', 'ask_join'] }, /permissions cannot hold both allow_join and ask_join/],
    [{ permissions: ['join'] }, /permissions must be a comma list of: allow_join, ask_join, allow_mod/],
    [{ permissions: [] }, /permissions must be a comma list/],
    [{ roles: ['admin'] }, /roles must be a comma list of: crawler, rtc/],
    [{ roomId: '' }, /roomId must not be empty/],
    [{ participantId: 'p'.repeat(129) }, /participantId must be at most 128 bytes/],
    [{ expiresIn: 0 }, /expiresIn must be a whole number from 1 to/],
  ])('when the input is %j, then it throws naming the argument', (input, message) => {
    expect(() => buildVideoSdkToken(input as never, vsdk)).toThrow(message);
  });
});

describe('100ms tokens', () => {
  it('when an app token is built, then it carries the 100ms app payload', () => {
    const issued = buildHmsAppToken({ roomId: 'room-1', userId: 'user-1', role: 'host', expiresIn: 3600 }, hms, { now: NOW });
    expect(verifyAt(issued.token, CREDENTIALS.HMS_APP_SECRET)).toEqual({
      access_key: CREDENTIALS.HMS_APP_ACCESS_KEY,
      room_id: 'room-1',
      user_id: 'user-1',
      role: 'host',
      type: 'app',
      version: 2,
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 3600,
    });
  });

  it('when a management token is built, then it carries the management payload for a day by default', () => {
    const issued = buildHmsManagementToken({}, hms, { now: NOW });
    expect(verifyAt(issued.token, CREDENTIALS.HMS_APP_SECRET)).toEqual({
      access_key: CREDENTIALS.HMS_APP_ACCESS_KEY,
      type: 'management',
      version: 2,
      jti: expect.stringMatching(UUID_V4),
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 86400,
    });
    expect(issued.expiresAt.toISOString()).toBe('2026-11-24T17:00:00.000Z');
  });

  it.each([
    [{ userId: 'u', role: 'host' }, /roomId is required/],
    [{ roomId: 'r', userId: 'u', role: 'host admin' }, /role may only contain letters, digits, _ and -/],
    [{ roomId: 'r', userId: 'u', role: 'host', expiresIn: 700000 }, /expiresIn must be a whole number from 1 to 604800/],
  ])('when the app-token input is %j, then it throws naming the argument', (input, message) => {
    expect(() => buildHmsAppToken(input as never, hms)).toThrow(message);
  });
});
