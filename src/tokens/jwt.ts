/**
 * HS256 signing shared by every JWT provider. Secrets are held as `KeyObject`s made once:
 * jsonwebtoken re-imports a string secret on every call, which costs ~30× more per token.
 */
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** What every builder returns: the token and the instant it stops being valid. */
export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Options every builder accepts: a pinned clock for tests and replays, a fixed token id. */
export interface BuildOptions {
  /** The issue time; defaults to the current time. */
  readonly now?: Date;
  /** The `jti` claim, where the token carries one; defaults to a random UUID v4. */
  readonly jti?: string;
}

/** Turns a secret into the `KeyObject` that signs with it. Throws a TypeError naming `name` when empty. */
export function secretKey(secret: string | KeyObject, name = 'secret'): KeyObject {
  if (typeof secret !== 'string') {
    if (secret?.type !== 'secret') throw new TypeError(`${name} must be a string or a secret KeyObject`);
    return secret;
  }
  if (secret.length === 0) throw new TypeError(`${name} must not be empty`);
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Whole seconds since the epoch. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The time window of a token: issued at `now`, valid for `ttlSeconds`. */
export function lifetime(options: BuildOptions | undefined, ttlSeconds: number) {
  const iat = epochSeconds(options?.now ?? new Date());
  const exp = iat + ttlSeconds;
  return { iat, exp, expiresAt: new Date(exp * 1000), jti: options?.jti ?? randomUUID() };
}

/** Signs `payload` (which carries its own `iat`/`exp`) with HS256. */
export function signHs256(payload: Record<string, unknown>, key: KeyObject): string {
  return jwt.sign(payload, key, { algorithm: 'HS256' });
}

/** The longest lifetime any builder accepts, in seconds (7 days); deployments lower it with TOKEN_MAX_TTL. */
export const MAX_TTL_SECONDS = 7 * 86400;
