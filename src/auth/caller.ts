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
