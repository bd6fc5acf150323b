import { describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { buildConferenceToken, buildHmsAppToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CLOCK_TOLERANCE_SECONDS, keyId, verifyHs256 } from '../../src/tokens/jwt.js';
import { InvalidTokenError } from '../../src/errors.js';
import { CREDENTIALS, NOW, NOW_S, UUID_V4 } from '../fixtures.js';

const OLD = 'rotation-old-secret-0123456789abcdef';
const NEW = 'rotation-new-secret-0123456789abcdef';
const header = (token: string) => jwt.decode(token, { complete: true })!.header;
const verify = (token: string, keys: { current: string; previous?: string }, now = NOW) =>
  verifyHs256(
    token,
    { current: secretKey(keys.current), ...(keys.previous ? { previous: secretKey(keys.previous) } : {}) },
    { now, invalidMessage: 'not ours' },
  );
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof InvalidTokenError ? [error.reason, error.message] : error;
  }
  return 'accepted';
};

describe('kid', () => {
  it('when two KeyObjects hold the same secret, then their kid is the same 16-character base64url id', () => {
    expect(keyId(secretKey(NEW))).toBe(keyId(secretKey(NEW)));
    expect(keyId(secretKey(NEW))).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('when the secrets differ, then the kids differ', () => {
    expect(keyId(secretKey(NEW))).not.toBe(keyId(secretKey(OLD)));
  });

  it('when a kid is computed, then it contains the secret in no encoding', () => {
    for (const secret of [NEW, 'abcdefghijklmnop', CREDENTIALS.MASTER_SECRET]) {
      const kid = keyId(secretKey(secret));
      const bytes = Buffer.from(secret);
      for (const encoded of [secret, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
        expect(encoded).not.toContain(kid);
        expect(kid).not.toContain(encoded.slice(0, 6));
      }
    }
  });

  it('when native and VideoSDK tokens are built, then their header is HS256 with the signing key kid', () => {
    const conference = buildConferenceToken({ userId: 'u', roomId: 'r', role: 'admin' }, { key: 'k', secret: secretKey(NEW) }, { now: NOW });
    const videosdk = buildVideoSdkToken({}, { apiKey: 'a', secret: secretKey(NEW) }, { now: NOW });
    for (const { token } of [conference, videosdk]) expect(header(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyId(secretKey(NEW)) });
  });

  it('when a 100ms token is built, then its header stays as 100ms documents it, without kid', () => {
    const hms = buildHmsAppToken({ roomId: 'r', userId: 'u', role: 'host' }, { accessKey: 'a', secret: secretKey(NEW) }, { now: NOW });
    expect(header(hms.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });
});

describe('VideoSDK jti', () => {
  it('when two VideoSDK tokens are built, then each carries its own UUID v4 jti; a given jti is used as is', () => {
    const vsdk = { apiKey: 'a', secret: secretKey(NEW) };
    const a = jwt.decode(buildVideoSdkToken({}, vsdk, { now: NOW }).token) as jwt.JwtPayload;
    const b = jwt.decode(buildVideoSdkToken({}, vsdk, { now: NOW }).token) as jwt.JwtPayload;
    expect(a.jti).toMatch(UUID_V4);
    expect(b.jti).toMatch(UUID_V4);
    expect(a.jti).not.toBe(b.jti);
    expect((jwt.decode(buildVideoSdkToken({}, vsdk, { now: NOW, jti: 'fixed-id' }).token) as jwt.JwtPayload).jti).toBe('fixed-id');
  });
});

describe('verifyHs256', () => {
  const claims = { sub: 'x', iat: NOW_S, exp: NOW_S + 60 };
  const signed = (secret: string, options: jwt.SignOptions = {}, payload: object = claims) => jwt.sign(payload, secret, { algorithm: 'HS256', ...options });

  it('when the token carries the current key kid, then it verifies with the current key', () => {
    expect(verify(signed(NEW, { keyid: keyId(secretKey(NEW)) }), { current: NEW, previous: OLD })).toMatchObject(claims);
  });

  it('when the token carries the previous key kid, then it verifies with the previous key', () => {
    expect(verify(signed(OLD, { keyid: keyId(secretKey(OLD)) }), { current: NEW, previous: OLD })).toMatchObject(claims);
  });

  it('when the token has no kid or an unknown one, then the current key and then the previous are tried', () => {
    expect(verify(signed(OLD), { current: NEW, previous: OLD })).toMatchObject(claims);
    expect(verify(signed(OLD, { keyid: 'unknown-kid' }), { current: NEW, previous: OLD })).toMatchObject(claims);
    expect(verify(signed(NEW), { current: NEW, previous: OLD })).toMatchObject(claims);
  });

  it('when the kid names one key but the other signed it, then it is refused: the kid picks, it does not hint', () => {
    expect(reason(() => verify(signed(OLD, { keyid: keyId(secretKey(NEW)) }), { current: NEW, previous: OLD }))).toEqual(['invalid', 'not ours']);
  });

  it('when the previous key is not configured, then a token it signed is refused', () => {
    expect(reason(() => verify(signed(OLD, { keyid: keyId(secretKey(OLD)) }), { current: NEW }))).toEqual(['invalid', 'not ours']);
  });

  it('when the token expired beyond the tolerance, then the reason is expired, with either key', () => {
    const late = new Date((NOW_S + 60 + CLOCK_TOLERANCE_SECONDS + 1) * 1000);
    expect(reason(() => verify(signed(OLD), { current: NEW, previous: OLD }, late))).toEqual(['expired', 'the token has expired']);
    expect(reason(() => verify(signed(NEW), { current: NEW, previous: OLD }, late))).toEqual(['expired', 'the token has expired']);
    expect(verify(signed(NEW), { current: NEW }, new Date((NOW_S + 60 + CLOCK_TOLERANCE_SECONDS - 1) * 1000))).toMatchObject(claims);
  });

  it.each([
    ['alg none', jwt.sign(claims, '', { algorithm: 'none' })],
    ['HS512 with the right key', jwt.sign(claims, NEW, { algorithm: 'HS512' })],
    ['garbage', 'not.a.jwt'],
    ['a string payload', jwt.sign('just text', NEW, { algorithm: 'HS256' })],
  ])('when the token is %s, then it is invalid', (_label, token) => {
    expect(reason(() => verify(token, { current: NEW, previous: OLD }))).toEqual(['invalid', 'not ours']);
  });
});
