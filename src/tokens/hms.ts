/**
 * 100ms tokens: HS256 JWTs signed with the app secret. App tokens let a client SDK join a room;
 * management tokens call 100ms' server APIs and must never reach a client.
 */
import type { KeyObject } from 'node:crypto';
import { checkArgs, integer, noted, optional, required, text, type Values } from './args.js';
import { lifetime, MAX_TTL_SECONDS, signHs256, type BuildOptions, type IssuedToken } from './jwt.js';

/** Default 100ms token lifetime, in seconds (one day, as 100ms' own samples use). */
export const HMS_DEFAULT_TTL = 86400;

/** The app access key (public) and app secret (signs) from the 100ms dashboard. */
export interface HmsCredentials {
  readonly accessKey: string;
  readonly secret: KeyObject;
}

const identifier = text({ maxBytes: 128 });
const role = text({ maxBytes: 128, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'may only contain letters, digits, _ and -' });
const ttl = (maxTtl: number, defaultTtl: number) =>
  noted(optional(integer(1, maxTtl), defaultTtl), 'Seconds; default `HMS_TOKEN_TTL`, at most `TOKEN_MAX_TTL`');

/** The /hms/app-token arguments. */
export function hmsAppSchema(maxTtl = MAX_TTL_SECONDS, defaultTtl = Math.min(HMS_DEFAULT_TTL, maxTtl)) {
  return {
    roomId: noted(required(identifier), 'The `room_id` claim'),
    userId: noted(required(identifier), 'The `user_id` claim'),
    role: noted(required(role), 'A role defined in your 100ms template'),
    expiresIn: ttl(maxTtl, defaultTtl),
  };
}

/** The /hms/management-token arguments. */
export function hmsManagementSchema(maxTtl = MAX_TTL_SECONDS, defaultTtl = Math.min(HMS_DEFAULT_TTL, maxTtl)) {
  return { expiresIn: ttl(maxTtl, defaultTtl) };
}

export type HmsAppInput = Values<ReturnType<typeof hmsAppSchema>>;
export type HmsManagementInput = Values<ReturnType<typeof hmsManagementSchema>>;

const defaultApp = hmsAppSchema();
const defaultManagement = hmsManagementSchema();

/** Builds a 100ms app token (client SDK joins a room). Throws TypeError/RangeError naming a bad argument. */
export function buildHmsAppToken(input: Partial<HmsAppInput>, credentials: HmsCredentials, options?: BuildOptions): IssuedToken {
  const args = checkArgs(defaultApp, input);
  const t = lifetime(options, args.expiresIn);
  const token = signHs256(
    {
      access_key: credentials.accessKey,
      room_id: args.roomId,
      user_id: args.userId,
      role: args.role,
      type: 'app',
      version: 2,
      jti: t.jti,
      iat: t.iat,
      nbf: t.iat,
      exp: t.exp,
    },
    credentials.secret,
  );
  return { token, expiresAt: t.expiresAt };
}

/** Builds a 100ms management token (server APIs only). Throws TypeError/RangeError naming a bad argument. */
export function buildHmsManagementToken(input: Partial<HmsManagementInput>, credentials: HmsCredentials, options?: BuildOptions): IssuedToken {
  const args = checkArgs(defaultManagement, input);
  const t = lifetime(options, args.expiresIn);
  const token = signHs256(
    { access_key: credentials.accessKey, type: 'management', version: 2, jti: t.jti, iat: t.iat, nbf: t.iat, exp: t.exp },
    credentials.secret,
  );
  return { token, expiresAt: t.expiresAt };
}
