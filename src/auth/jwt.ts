/**
 * Verifies callers' JWTs from the app's own identity provider (CLIENT_AUTH=jwt), with jose:
 * HS256 with CLIENT_JWT_SECRET, or RS256/ES256 with the keys published at CLIENT_JWKS_URL.
 * Only the configured family of algorithms is accepted, and jose checks `alg` before it touches
 * a key, so `alg: none` and HS/RS confusion (an HS256 token "signed" with the public key's bytes)
 * are refused before any key is used.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type RemoteJWKSetOptions } from 'jose';
import type { ClientAuth } from '../config/index.js';
import { CallerAuthError } from '../errors.js';
import type { Caller } from './caller.js';
import { systemClock, type Clock } from '../clock.js';

/** CLIENT_AUTH=jwt as the configuration holds it. */
export type JwtClientAuth = Extract<ClientAuth, { mode: 'jwt' }>;

/** Clock skew allowed on the caller token's `exp` and `nbf`, in seconds. */
export const CALLER_CLOCK_TOLERANCE_SECONDS = 30;

/** How the keys at CLIENT_JWKS_URL are fetched and cached (milliseconds). */
export type JwksOptions = Pick<RemoteJWKSetOptions, 'cacheMaxAge' | 'cooldownDuration' | 'timeoutDuration'>;

/**
 * Keys are kept 10 minutes. A token naming a key id the cache lacks refetches the set, at most once
 * every 5 s: a key the identity provider rotates in works within seconds, and made-up key ids cannot
 * hammer it. A fetch that takes longer than 2 s fails the request with a 503 instead of hanging it.
 */
export const JWKS_DEFAULTS = { cacheMaxAge: 600_000, cooldownDuration: 5_000, timeoutDuration: 2_000 } as const satisfies JwksOptions;

/** Told when the key set at CLIENT_JWKS_URL stops and starts answering: once per outage, not per request. */
export interface KeySetEvents {
  unavailable(error: unknown): void;
  restored(): void;
}

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** The clock `exp` and `nbf` are checked against; defaults to the system clock. */
  readonly clock?: Clock;
  /** Overrides of {@link JWKS_DEFAULTS} (tests shorten the cooldown). */
  readonly jwks?: JwksOptions;
  /** Hears of key set outages and their end. */
  readonly keySetEvents?: KeySetEvents;
}

/** Verifies one bearer token; rejects with a {@link CallerAuthError}. */
export type CallerVerifier = (token: string) => Promise<Caller>;

/**
 * Builds the verifier once per app: with CLIENT_JWKS_URL it owns the one remote key set, so the
 * keys are fetched once and shared by every request.
 */
export function createJwtVerifier(auth: JwtClientAuth, options: JwtVerifierOptions = {}): CallerVerifier {
  const clock = options.clock ?? systemClock;
  let key: JWTVerifyGetKey | NonNullable<JwtClientAuth['secret']>;
  let algorithms: string[];
  if (auth.secret !== undefined) {
    [key, algorithms] = [auth.secret, ['HS256']];
  } else if (auth.jwksUrl !== undefined) {
    [key, algorithms] = [remoteKeys(auth.jwksUrl, { ...JWKS_DEFAULTS, ...options.jwks }, options.keySetEvents), ['RS256', 'ES256']];
  } else {
    throw new TypeError('CLIENT_AUTH=jwt needs a secret or a JWKS URL');
  }

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        clockTolerance: CALLER_CLOCK_TOLERANCE_SECONDS,
        currentDate: clock(),
        // A token without exp would never expire; one without sub names nobody.
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw refusal(error, algorithms);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new CallerAuthError('ERR_CALLER_INVALID', "the token's sub claim must be a non-empty string");
    }
    return { via: 'jwt', sub: payload.sub, roles: rolesIn(payload, auth.rolesClaim) };
  };
}

/**
 * The remote key set, created once. A token naming no published key is the token's fault (401);
 * any other failure (unreachable, timeout, not 200, not a key set) is the key set's (503).
 *
 * jose refetches on every call after a failed fetch, so an outage would cost one fetch (and one
 * timeout) per incoming request. After a failure, requests fail at once for `cooldownDuration`
 * and only then is the set fetched again: one fetch per cooldown whatever the traffic.
 */
function remoteKeys(url: string, options: JwksOptions, events?: KeySetEvents): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(new URL(url), options);
  const cooldown = options.cooldownDuration ?? JWKS_DEFAULTS.cooldownDuration;
  let failure: { at: number; error: unknown } | undefined;
  const unavailable = (cause: unknown) =>
    new CallerAuthError('ERR_KEYS_UNAVAILABLE', "the identity provider's signing keys cannot be fetched; retry later", { cause });
  const reachable = () => {
    if (failure === undefined) return;
    failure = undefined;
    events?.restored();
  };
  return async (header, token) => {
    if (failure !== undefined && Date.now() - failure.at < cooldown) throw unavailable(failure.error);
    try {
      const key = await keys(header, token);
      reachable();
      return key;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        reachable();
        throw error;
      }
      const first = failure === undefined;
      failure = { at: Date.now(), error };
      if (first) events?.unavailable(error);
      throw unavailable(error);
    }
  };
}

/** jose's refusals become 401s whose message says what was wrong; anything else passes through. */
function refusal(error: unknown, algorithms: readonly string[]): unknown {
  if (error instanceof CallerAuthError || !(error instanceof errors.JOSEError)) return error;
  return new CallerAuthError('ERR_CALLER_INVALID', describe(error, algorithms), { cause: error });
}

function describe(error: errors.JOSEError, algorithms: readonly string[]): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no ${error.claim} claim`;
    if (error.claim === 'nbf') return 'the token is not valid yet (nbf)';
    if (error.claim === 'iss') return 'the token was not issued by the expected issuer (iss)';
    if (error.claim === 'aud') return 'the token is not meant for this server (aud)';
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `the token's alg must be ${algorithms.join(' or ')}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key published by the identity provider matches the token (kid)';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'several published keys match the token: it must name its key (kid)';
  return 'the token is not a well-formed JWT';
}

/**
 * The caller's roles from the roles claim: a list of strings, or one space-separated string (as
 * OAuth's `scope`). A dotted name that is not itself a claim is read as a path, so
 * `realm_access.roles` reads Keycloak's nested list. Anything else means no roles.
 */
function rolesIn(payload: JWTPayload, claim: string): string[] {
  const child = (at: unknown, name: string): unknown =>
    at !== null && typeof at === 'object' && Object.hasOwn(at, name) ? (at as Record<string, unknown>)[name] : undefined;
  let value = child(payload, claim);
  if (value === undefined && claim.includes('.')) value = claim.split('.').reduce<unknown>(child, payload);
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  return [];
}
