/**
 * Native conference and chat tokens: HS256 JWTs signed with the master secret, `iss` = master key,
 * with a `kid` header naming the signing secret (see jwt.ts).
 */
import type { KeyObject } from 'node:crypto';
import { ArgumentRangeError, InvalidTokenError } from '../errors.js';
import { boolean, checkArgs, integer, noted, oneOf, optional, required, text, type Values } from './args.js';
import { lifetime, signHs256, verifyHs256, type BuildOptions, type IssuedToken } from './jwt.js';

export const CONFERENCE_ROLES = ['admin', 'publisher', 'subscriber'] as const;
export type ConferenceRole = (typeof CONFERENCE_ROLES)[number];

/** What each conference role may do; the token carries the list as `permissions`. */
export const CONFERENCE_PERMISSIONS: Readonly<Record<ConferenceRole, readonly string[]>> = {
  admin: ['publish', 'subscribe', 'moderate'],
  publisher: ['publish', 'subscribe'],
  subscriber: ['subscribe'],
};

/** Master credentials: `key` is public (the `iss` claim), `secret` signs. */
export interface NativeCredentials {
  readonly key: string;
  readonly secret: KeyObject;
  /** A retired secret that still verifies the tokens it signed (key rotation); never signs. */
  readonly previous?: KeyObject;
}

/** Longest native token, in minutes (one day). */
export const NATIVE_MAX_MINUTES = 1440;
/** Default native token lifetime, in minutes. */
export const NATIVE_DEFAULT_MINUTES = 60;
const identifier = text({ maxBytes: 128 });

/** A native token's lifetime in minutes: default 60, at most `min(1440, TOKEN_MAX_TTL / 60)`. */
const minutes = (maxMinutes: number) =>
  noted(optional(integer(1, maxMinutes), Math.min(NATIVE_DEFAULT_MINUTES, maxMinutes)), 'Minutes; at most `min(1440, TOKEN_MAX_TTL / 60)`');

/** The conference arguments; `maxMinutes` lets a deployment lower the ceiling. */
export function conferenceSchema(maxMinutes = NATIVE_MAX_MINUTES) {
  return {
    userId: noted(required(identifier), 'The `sub` claim'),
    roomId: noted(required(identifier), 'The `room` claim'),
    role: noted(
      required(oneOf(CONFERENCE_ROLES)),
      '`admin` → `["publish","subscribe","moderate"]`, `publisher` → `["publish","subscribe"]`, `subscriber` → `["subscribe"]`',
    ),
    expirationMinutes: minutes(maxMinutes),
  };
}

/** The chat arguments; `read` and `write` may not both be false. */
export function chatSchema(maxMinutes = NATIVE_MAX_MINUTES) {
  return {
    userId: noted(required(identifier), 'The `sub` claim'),
    channelId: noted(required(identifier), 'The `channel` claim'),
    read: optional(boolean(), true),
    write: noted(optional(boolean(), true), '`read` and `write` both `false` is a 400, reported on `write`'),
    ttlMinutes: minutes(maxMinutes),
  };
}

export type ConferenceInput = Values<ReturnType<typeof conferenceSchema>>;
export type ChatInput = Values<ReturnType<typeof chatSchema>>;

const defaultConference = conferenceSchema();
const defaultChat = chatSchema();

/** Builds a conference token. Throws TypeError/RangeError naming a bad argument. */
export function buildConferenceToken(input: Partial<ConferenceInput>, credentials: NativeCredentials, options?: BuildOptions): IssuedToken {
  const args = checkArgs(defaultConference, input);
  return signNative(credentials, args.userId, args.expirationMinutes, options, {
    type: 'conference',
    room: args.roomId,
    role: args.role,
    permissions: CONFERENCE_PERMISSIONS[args.role],
  });
}

/** Builds a chat token. Throws TypeError/RangeError naming a bad argument. */
export function buildChatToken(input: Partial<ChatInput>, credentials: NativeCredentials, options?: BuildOptions): IssuedToken {
  const args = checkArgs(defaultChat, input);
  assertChatAccess(args);
  return signNative(credentials, args.userId, args.ttlMinutes, options, {
    type: 'chat',
    channel: args.channelId,
    read: args.read,
    write: args.write,
  });
}

/** Every native token: issued by the master key to `sub`, valid from now for `minutes`. */
function signNative(
  credentials: NativeCredentials,
  sub: string,
  minutes: number,
  options: BuildOptions | undefined,
  claims: Record<string, unknown>,
): IssuedToken {
  const t = lifetime(options, minutes * 60);
  const token = signHs256({ iss: credentials.key, sub, ...claims, iat: t.iat, nbf: t.iat, exp: t.exp, jti: t.jti }, credentials.secret, { withKeyId: true });
  return { token, expiresAt: t.expiresAt };
}

export const NATIVE_TOKEN_TYPES = ['conference', 'chat'] as const;

/** The claims of a native token this server verified; the rest (room, role, channel…) as issued. */
export interface NativeClaims {
  readonly iss: string;
  readonly sub?: string;
  readonly type: (typeof NATIVE_TOKEN_TYPES)[number];
  readonly jti?: string;
  readonly iat?: number;
  readonly nbf?: number;
  readonly exp: number;
  readonly [claim: string]: unknown;
}

/**
 * Verifies a native conference or chat token: HS256 with the current or the previous master
 * secret (see {@link verifyHs256}), `exp` required, `iss` the master key and `type` conference or
 * chat. `ignoreExpiration` accepts an expired token of ours. Revocation is the caller's to check.
 * @throws InvalidTokenError saying why
 */
export function verifyNativeToken(token: string, credentials: NativeCredentials, options: { now?: Date; ignoreExpiration?: boolean } = {}): NativeClaims {
  const invalidMessage = 'the token is not a valid native token from this server';
  const claims = verifyHs256(
    token,
    { current: credentials.secret, previous: credentials.previous },
    { now: options.now ?? new Date(), ignoreExpiration: options.ignoreExpiration, invalidMessage },
  );
  if (typeof claims.exp !== 'number') throw new InvalidTokenError('the token has no expiry');
  if (claims.iss !== credentials.key || !(NATIVE_TOKEN_TYPES as readonly unknown[]).includes(claims.type)) {
    throw new InvalidTokenError(invalidMessage);
  }
  return claims as NativeClaims;
}

/** A chat token that can neither read nor write grants nothing: refuse it. */
export function assertChatAccess(args: { read: boolean; write: boolean }): void {
  if (!args.read && !args.write) {
    throw new ArgumentRangeError('write', 'read and write cannot both be false');
  }
}
