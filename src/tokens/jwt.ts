/**
 * HS256 signing and verification shared by every JWT provider. Secrets are held as `KeyObject`s
 * made once: jsonwebtoken re-imports a string secret on every call (docs/performance.md).
 */
import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { InvalidTokenError } from '../errors.js';

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

/**
 * Signs `payload` (which carries its own `iat`/`exp`) with HS256. `withKeyId` adds the `kid`
 * header ({@link keyId}) to tokens this server verifies itself, so a verifier holding a current
 * and a previous secret knows which one to use.
 */
export function signHs256(payload: Record<string, unknown>, key: KeyObject, options: { withKeyId?: boolean } = {}): string {
  return jwt.sign(payload, key, { algorithm: 'HS256', ...(options.withKeyId ? { keyid: keyId(key) } : {}) });
}

const keyIds = new WeakMap<KeyObject, string>();

/**
 * The `kid` of a secret: base64url of the first 12 bytes of SHA-256 over the secret's bytes
 * (16 characters). It names the key without revealing it: anyone holding a token can already
 * test guesses of the secret against its signature, so the digest gives nothing more away.
 * Computed once per key.
 */
export function keyId(key: KeyObject): string {
  let id = keyIds.get(key);
  if (id === undefined) {
    id = createHash('sha256').update(key.export()).digest().subarray(0, 12).toString('base64url');
    keyIds.set(key, id);
  }
  return id;
}

/** The keys that verify one kind of token: the one that signs, and the one being retired. */
export interface VerificationKeys {
  readonly current: KeyObject;
  readonly previous?: KeyObject;
}

/** Clock skew allowed between this server and whoever checks `exp`/`nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Verifies an HS256 token with the current or the previous key and returns its payload. The
 * `kid` header, when it names one of the keys, picks it; otherwise (older tokens carry no `kid`)
 * the current key is tried, then the previous. Only HS256 is accepted (`none` and every other
 * algorithm are refused); `exp` and `nbf` are checked with {@link CLOCK_TOLERANCE_SECONDS} unless
 * `ignoreExpiration` (for callers that only need to know the token is ours).
 * @throws InvalidTokenError with reason `expired` or `invalid`; `invalidMessage` words the latter
 */
export function verifyHs256(
  token: string,
  keys: VerificationKeys,
  options: { now: Date; ignoreExpiration?: boolean; invalidMessage: string },
): Record<string, unknown> {
  const candidates = [keys.current, ...(keys.previous ? [keys.previous] : [])];
  let kid: unknown;
  try {
    kid = jwt.decode(token, { complete: true })?.header.kid;
  } catch {
    // jws parses the payload of a `"typ":"JWT"` header with a bare JSON.parse: not JSON, not a token.
    throw new InvalidTokenError(options.invalidMessage);
  }
  const named = candidates.find((key) => keyId(key) === kid);
  let expired = false;
  for (const key of named ? [named] : candidates) {
    try {
      const payload = jwt.verify(token, key, {
        algorithms: ['HS256'],
        clockTimestamp: epochSeconds(options.now),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ignoreExpiration: options.ignoreExpiration ?? false,
      });
      if (typeof payload !== 'object' || payload === null) break;
      return payload;
    } catch (error) {
      // jsonwebtoken checks the signature before exp: an expired token was signed with this key.
      if (error instanceof jwt.TokenExpiredError) {
        expired = true;
        break;
      }
    }
  }
  throw expired ? new InvalidTokenError('the token has expired', 'expired') : new InvalidTokenError(options.invalidMessage);
}

/** The longest lifetime any builder accepts, in seconds (7 days); deployments lower it with TOKEN_MAX_TTL. */
export const MAX_TTL_SECONDS = 7 * 86400;
