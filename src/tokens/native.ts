/**
 * Native conference and chat tokens: HS256 JWTs signed with the master secret, `iss` = master key.
 */
import type { KeyObject } from 'node:crypto';
import { ArgumentRangeError, boolean, checkArgs, integer, oneOf, optional, required, text, type Values } from './args.js';
import { lifetime, signHs256, type BuildOptions, type IssuedToken } from './jwt.js';

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

/** The conference arguments; `maxMinutes` lets a deployment lower the ceiling. */
export function conferenceSchema(maxMinutes = NATIVE_MAX_MINUTES) {
  return {
    userId: required(identifier),
    roomId: required(identifier),
    role: required(oneOf(CONFERENCE_ROLES)),
    expirationMinutes: optional(integer(1, maxMinutes), Math.min(NATIVE_DEFAULT_MINUTES, maxMinutes)),
  };
}

/** The chat arguments; `read` and `write` may not both be false. */
export function chatSchema(maxMinutes = NATIVE_MAX_MINUTES) {
  return {
    userId: required(identifier),
    channelId: required(identifier),
    read: optional(boolean(), true),
    write: optional(boolean(), true),
    ttlMinutes: optional(integer(1, maxMinutes), Math.min(NATIVE_DEFAULT_MINUTES, maxMinutes)),
  };
}

export type ConferenceInput = Values<ReturnType<typeof conferenceSchema>>;
export type ChatInput = Values<ReturnType<typeof chatSchema>>;

const defaultConference = conferenceSchema();
const defaultChat = chatSchema();

/** Builds a conference token. Throws TypeError/RangeError naming a bad argument. */
export function buildConferenceToken(
  input: Partial<ConferenceInput>,
  credentials: NativeCredentials,
  options?: BuildOptions,
): IssuedToken {
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
  const token = signHs256(
    { iss: credentials.key, sub, ...claims, iat: t.iat, nbf: t.iat, exp: t.exp, jti: t.jti },
    credentials.secret,
  );
  return { token, expiresAt: t.expiresAt };
}

/** A chat token that can neither read nor write grants nothing: refuse it. */
export function assertChatAccess(args: { read: boolean; write: boolean }): void {
  if (!args.read && !args.write) {
    throw new ArgumentRangeError('write', 'read and write cannot both be false');
  }
}
