/**
 * Who is asking for a token. The caller-auth middleware verifies the caller once per request
 * (CLIENT_AUTH); the identity rules (identity.ts) then hold the request to that caller.
 */

/** A verified caller of the token routes. */
export type Caller =
  /** Presented one of CLIENT_API_KEYS: a trusted backend, which names no identity of its own. */
  | { readonly via: 'api-key' }
  /** Presented a JWT from the app's identity provider: `sub` is who it is, `roles` what it may ask for. */
  | { readonly via: 'jwt'; readonly sub: string; readonly roles: readonly string[] };

/** Why a caller's credentials were refused (a 401), or could not be checked at all (a 503). */
export type CallerAuthErrorCode = 'ERR_CALLER_INVALID' | 'ERR_KEYS_UNAVAILABLE';

/** A refused or uncheckable caller; `message` is safe to show the client (it never echoes the token). */
export class CallerAuthError extends Error {
  constructor(
    readonly code: CallerAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CallerAuthError';
  }
}
