/**
 * Who may call the token routes (CLIENT_AUTH). api-key callers send `X-API-Key`; jwt callers send
 * `Authorization: Bearer <jwt>` from the app's identity provider. The caller is verified once per
 * request, before the query is read, and kept for the route's identity rule (see
 * ../../auth/identity.ts). Missing or bad credentials: 401 with `WWW-Authenticate`; the identity
 * provider's keys out of reach: 503.
 */
import type { Logger } from '../../logger.js';
import type { RequestHandler, Response } from 'express';
import type { Config } from '../../config/index.js';
import { AppError, CallerAuthError, challenge, unauthorized } from '../../errors.js';
import { isKnownApiKey } from '../../auth/api-key.js';
import type { Caller } from '../../auth/caller.js';
import type { CallerPolicy } from '../../auth/identity.js';
import { createJwtVerifier, type CallerVerifier, type JwtVerifierOptions, type KeySetEvents } from '../../auth/jwt.js';
import { bearerToken } from './admin-auth.js';

/** The challenge of a 401 under CLIENT_AUTH=jwt (RFC 6750). */
export const BEARER_CHALLENGE = challenge('Bearer');
/** The challenge of a 401 under CLIENT_AUTH=api-key: the key goes in the `X-API-Key` header. */
export const API_KEY_CHALLENGE = challenge('ApiKey');

/** Caller authentication for the token routes: the middleware and the policy the guards apply. */
export interface CallerAccess {
  /** Verifies the caller and keeps it for {@link callerOf}; a 401 or 503 otherwise. */
  readonly authenticate: RequestHandler;
  readonly policy: CallerPolicy;
}

/** The caller that {@link CallerAccess.authenticate} verified for this request. */
export function callerOf(res: Response): Caller {
  return res.locals.caller!;
}

/**
 * Builds caller authentication once per app (under jwt with a JWKS URL, the one cached key set);
 * undefined under CLIENT_AUTH=none, where the token routes stay open as before.
 */
export function callerAccess(config: Pick<Config, 'clientAuth' | 'rolePolicy'>, logger: Logger, options: JwtVerifierOptions = {}): CallerAccess | undefined {
  const auth = config.clientAuth;
  switch (auth.mode) {
    case 'none':
      return undefined;
    case 'api-key':
      return { authenticate: requireApiKey(auth.keyDigests), policy: { mode: 'api-key' } };
    case 'jwt': {
      // One warning per outage of the identity provider's key set, and one line when it is back.
      const keySetEvents: KeySetEvents = {
        unavailable: (error) =>
          logger.warn({ err: error }, 'caller authentication: the CLIENT_JWKS_URL key set cannot be fetched; token routes answer 503 until it can'),
        restored: () => logger.info('caller authentication: the CLIENT_JWKS_URL key set can be fetched again'),
      };
      return {
        authenticate: requireJwt(createJwtVerifier(auth, { keySetEvents, ...options })),
        policy: { mode: 'jwt', roles: config.rolePolicy, rolesClaim: auth.rolesClaim },
      };
    }
  }
}

function requireApiKey(keyDigests: readonly Buffer[]): RequestHandler {
  return (req, res, next) => {
    const presented = req.headers['x-api-key'];
    if (typeof presented !== 'string' || presented === '') throw unauthorized('an X-API-Key header is required', 'ApiKey');
    if (!isKnownApiKey(presented, keyDigests)) throw unauthorized('the API key is not valid', 'ApiKey');
    res.locals.caller = { via: 'api-key' } satisfies Caller;
    next();
  };
}

function requireJwt(verify: CallerVerifier): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      throw unauthorized('an Authorization: Bearer <token> header carrying a token from your identity provider is required', 'Bearer');
    }
    try {
      res.locals.caller = await verify(token);
    } catch (error) {
      if (!(error instanceof CallerAuthError)) throw error;
      // The client did nothing wrong: say so (the operator heard of the outage once, when it began).
      if (error.code === 'ERR_KEYS_UNAVAILABLE') throw new AppError('identity-provider-unavailable', error.message);
      throw unauthorized(error.message, 'Bearer', true);
    }
    next();
  };
}
