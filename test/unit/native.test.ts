import { describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { buildChatToken, buildConferenceToken, secretKey } from '../../src/index.js';
import { CREDENTIALS, NOW, NOW_S, UUID_V4, verifyAt } from '../fixtures.js';

const creds = { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) };

describe('native conference tokens', () => {
  it.each([
    ['admin', ['publish', 'subscribe', 'moderate']],
    ['publisher', ['publish', 'subscribe']],
    ['subscriber', ['subscribe']],
  ] as const)('when the role is %s, then the token carries its permissions', (role, permissions) => {
    const issued = buildConferenceToken({ userId: 'userA', roomId: 'room1', role, expirationMinutes: 120 }, creds, { now: NOW });
    const claims = verifyAt(issued.token, CREDENTIALS.MASTER_SECRET);
    expect(claims).toEqual({
      iss: CREDENTIALS.MASTER_KEY,
      sub: 'userA',
      type: 'conference',
      room: 'room1',
      role,
      permissions,
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 7200,
      jti: expect.stringMatching(UUID_V4),
    });
    expect(issued.expiresAt.toISOString()).toBe('2026-11-23T19:00:00.000Z');
    expect(jwt.decode(issued.token, { complete: true })?.header.alg).toBe('HS256');
  });

  it('when no duration is given, then it lasts 60 minutes', () => {
    const claims = verifyAt(buildConferenceToken({ userId: 'u', roomId: 'r', role: 'subscriber' }, creds, { now: NOW }).token, CREDENTIALS.MASTER_SECRET);
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('when two tokens are built, then their jti differ', () => {
    const a = verifyAt(buildConferenceToken({ userId: 'u', roomId: 'r', role: 'admin' }, creds, { now: NOW }).token, CREDENTIALS.MASTER_SECRET);
    const b = verifyAt(buildConferenceToken({ userId: 'u', roomId: 'r', role: 'admin' }, creds, { now: NOW }).token, CREDENTIALS.MASTER_SECRET);
    expect(a.jti).not.toBe(b.jti);
  });

  it('when verified with another secret, then the signature is refused', () => {
    const { token } = buildConferenceToken({ userId: 'u', roomId: 'r', role: 'admin' }, creds, { now: NOW });
    expect(() => verifyAt(token, 'another-secret-another-secret-123')).toThrow(/invalid signature/);
  });

  it.each([
    [{ roomId: 'r', role: 'admin' }, TypeError, /userId is required/],
    [{ userId: '', roomId: 'r', role: 'admin' }, RangeError, /userId must not be empty/],
    [{ userId: 'u', roomId: 'x'.repeat(129), role: 'admin' }, RangeError, /roomId must be at most 128 bytes/],
    [{ userId: 'u\n', roomId: 'r', role: 'admin' }, RangeError, /userId must not contain control characters/],
    [{ userId: 'u', roomId: 'r', role: 'owner' }, RangeError, /role must be one of: admin, publisher, subscriber/],
    [{ userId: 'u', roomId: 'r', role: 'admin', expirationMinutes: 0 }, RangeError, /expirationMinutes must be a whole number from 1 to 1440/],
    [{ userId: 'u', roomId: 'r', role: 'admin', expirationMinutes: 1441 }, RangeError, /expirationMinutes/],
    [{ userId: 'u', roomId: 'r', role: 'admin', expirationMinutes: 1.5 }, RangeError, /expirationMinutes/],
    [{ userId: 'u', roomId: 'r', role: 'admin', expirationMinutes: Number.NaN }, RangeError, /expirationMinutes/],
    [{ userId: 'u', roomId: 'r', role: 'admin', expirationMinutes: '60' }, TypeError, /expirationMinutes/],
  ])('when the arguments are %j, then it throws naming the argument', (input, type, message) => {
    expect(() => buildConferenceToken(input as never, creds, { now: NOW })).toThrow(type);
    expect(() => buildConferenceToken(input as never, creds, { now: NOW })).toThrow(message);
  });
});

describe('native chat tokens', () => {
  it('when read and write are given, then the claims carry them', () => {
    const issued = buildChatToken({ userId: 'user123', channelId: 'channel-global', read: true, write: false, ttlMinutes: 30 }, creds, { now: NOW });
    expect(verifyAt(issued.token, CREDENTIALS.MASTER_SECRET)).toEqual({
      iss: CREDENTIALS.MASTER_KEY,
      sub: 'user123',
      type: 'chat',
      channel: 'channel-global',
      read: true,
      write: false,
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 1800,
      jti: expect.stringMatching(UUID_V4),
    });
  });

  it('when read and write are omitted, then both default to true for 60 minutes', () => {
    const claims = verifyAt(buildChatToken({ userId: 'u', channelId: 'c' }, creds, { now: NOW }).token, CREDENTIALS.MASTER_SECRET);
    expect([claims.read, claims.write, claims.exp! - claims.iat!]).toEqual([true, true, 3600]);
  });

  it('when read and write are both false, then it throws a RangeError naming write', () => {
    expect(() => buildChatToken({ userId: 'u', channelId: 'c', read: false, write: false }, creds)).toThrow(
      expect.objectContaining({ name: 'RangeError', argument: 'write', message: 'read and write cannot both be false' }),
    );
  });

  it('when read is not a boolean, then it throws a TypeError naming read', () => {
    expect(() => buildChatToken({ userId: 'u', channelId: 'c', read: 'yes' as never }, creds)).toThrow(
      expect.objectContaining({ name: 'TypeError', argument: 'read' }),
    );
  });
});
