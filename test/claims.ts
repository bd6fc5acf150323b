/**
 * What a token must carry for the arguments it was asked with: each kind decoded the way its
 * consumer reads it (Agora's own AccessToken2 parser with the signature checked; HS256 JWTs
 * verified with the secret at the pinned clock) and compared claim by claim, nothing more, nothing
 * less. Each check returns the token's lifetime in seconds.
 */
import { expect } from 'vitest';
import jwt from 'jsonwebtoken';
import { CREDENTIALS, NOW_S, UUID_V4, verifyAt } from './fixtures.js';
import { parseAgora } from './agora.js';

export type TokenKind = 'agoraRtc' | 'agoraRtm' | 'videosdk' | 'hmsApp' | 'hmsManagement' | 'conference' | 'chat';
type Args = Record<string, any>;

/** The one service of an Agora token of this deployment's app id. */
function parseOneService(token: string) {
  const { parsed, service, services } = parseAgora(token);
  expect(String(parsed.appId)).toBe(CREDENTIALS.AGORA_APP_ID);
  expect(services).toHaveLength(1);
  return { parsed, service };
}

/** The timing and id claims every HS256 token but VideoSDK's carries: issued and valid from `now` for `ttl` seconds. */
const lifetime = (now: number, ttl: number) => ({ jti: expect.stringMatching(UUID_V4), iat: now, nbf: now, exp: now + ttl });

const PERMISSIONS: Record<string, string[]> = { admin: ['publish', 'subscribe', 'moderate'], publisher: ['publish', 'subscribe'], subscriber: ['subscribe'] };

/** Checks `token` against the arguments; `now` is the issue time in epoch seconds. */
export const CLAIMS: Record<TokenKind, (token: string, args: Args, now?: number) => number> = {
  agoraRtc(token, args, now = NOW_S) {
    const { parsed, service } = parseOneService(token);
    expect(service.__type).toBe(1); // Agora's kRtcServiceType
    expect([parsed.issueTs, parsed.expire]).toEqual([now, args.expireTime]);
    expect(String(service.__channel_name)).toBe(args.channelName);
    // The wildcard uid 0 is written as an empty uid; any other uid as its decimal digits; an account as itself.
    expect(service.__uid.toString('utf8')).toBe(args.uid === 0 ? '' : String(args.uid));
    const t = args.expireTime;
    expect(service.__privileges).toEqual(args.role === 'publisher' ? { 1: t, 2: t, 3: t, 4: t } : { 1: t });
    return t;
  },
  agoraRtm(token, args, now = NOW_S) {
    const { parsed, service } = parseOneService(token);
    expect(service.__type).toBe(2); // Agora's kRtmServiceType
    expect([parsed.issueTs, parsed.expire]).toEqual([now, args.expireTime]);
    expect(service.__user_id.toString('utf8')).toBe(args.uid);
    expect(service.__privileges).toEqual({ 1: args.expireTime });
    return args.expireTime;
  },
  videosdk(token, args, now = NOW_S) {
    const claims = verifyAt(token, CREDENTIALS.VIDEOSDK_SECRET, now);
    expect(jwt.decode(token, { complete: true })?.header.kid).toEqual(expect.any(String));
    const expected: Args = { apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: args.permissions, version: 2 };
    for (const name of ['roomId', 'participantId', 'roles']) if (args[name] !== undefined) expected[name] = args[name];
    expect(claims).toEqual({ ...expected, jti: expect.stringMatching(UUID_V4), iat: now, exp: now + args.expiresIn });
    return args.expiresIn;
  },
  hmsApp(token, args, now = NOW_S) {
    expect(verifyAt(token, CREDENTIALS.HMS_APP_SECRET, now)).toEqual({
      access_key: CREDENTIALS.HMS_APP_ACCESS_KEY,
      room_id: args.roomId,
      user_id: args.userId,
      role: args.role,
      type: 'app',
      version: 2,
      ...lifetime(now, args.expiresIn),
    });
    return args.expiresIn;
  },
  hmsManagement(token, args, now = NOW_S) {
    expect(verifyAt(token, CREDENTIALS.HMS_APP_SECRET, now)).toEqual({
      access_key: CREDENTIALS.HMS_APP_ACCESS_KEY,
      type: 'management',
      version: 2,
      ...lifetime(now, args.expiresIn),
    });
    return args.expiresIn;
  },
  conference(token, args, now = NOW_S) {
    expect(verifyAt(token, CREDENTIALS.MASTER_SECRET, now)).toEqual({
      iss: CREDENTIALS.MASTER_KEY,
      sub: args.userId,
      type: 'conference',
      room: args.roomId,
      role: args.role,
      permissions: PERMISSIONS[args.role],
      ...lifetime(now, args.expirationMinutes * 60),
    });
    return args.expirationMinutes * 60;
  },
  chat(token, args, now = NOW_S) {
    expect(verifyAt(token, CREDENTIALS.MASTER_SECRET, now)).toEqual({
      iss: CREDENTIALS.MASTER_KEY,
      sub: args.userId,
      type: 'chat',
      channel: args.channelId,
      read: args.read,
      write: args.write,
      ...lifetime(now, args.ttlMinutes * 60),
    });
    return args.ttlMinutes * 60;
  },
};
