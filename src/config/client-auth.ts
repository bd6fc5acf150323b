/** CLIENT_AUTH and its variables: who may call the token routes. */
import type { KeyObject } from 'node:crypto';
import { digest } from '../auth/api-key.js';
import { secretKey } from '../tokens/jwt.js';
import { listOf } from './credentials.js';
import type { Get } from './env.js';
import { isServerUrl } from './network.js';

/** How callers of the token routes authenticate. */
export type ClientAuth =
  | { readonly mode: 'none' }
  /** `X-API-Key`, compared in constant time against these SHA-256 digests. */
  | { readonly mode: 'api-key'; readonly keyDigests: readonly Buffer[] }
  /**
   * `Authorization: Bearer <jwt>` from the app's identity provider: HS256 with `secret`, or
   * RS256/ES256 keys from `jwksUrl`; `sub` is the caller's identity.
   */
  | {
      readonly mode: 'jwt';
      readonly secret?: KeyObject;
      readonly jwksUrl?: string;
      readonly issuer?: string;
      readonly audience?: string;
      readonly rolesClaim: string;
    };

/** Reads CLIENT_AUTH (`required` asks for it in production) and the variables of its mode. */
export function readClientAuth(get: Get, required: (name: string, hint: string) => string | undefined, problems: string[]): ClientAuth {
  const mode = required('CLIENT_AUTH', 'api-key or jwt (or none, to let anyone who reaches the server mint tokens)') ?? 'none';
  if (mode === 'none') return { mode };
  if (mode === 'api-key') {
    const keys = listOf(get('CLIENT_API_KEYS'));
    if (keys.length === 0) problems.push('CLIENT_API_KEYS must list at least one key when CLIENT_AUTH=api-key');
    return { mode, keyDigests: keys.map(digest) };
  }
  if (mode === 'jwt') {
    const secret = get('CLIENT_JWT_SECRET');
    const jwksUrl = get('CLIENT_JWKS_URL');
    if ((secret === undefined) === (jwksUrl === undefined)) {
      problems.push('CLIENT_AUTH=jwt needs exactly one of CLIENT_JWT_SECRET (HS256) or CLIENT_JWKS_URL (RS256/ES256)');
    }
    if (jwksUrl !== undefined) {
      if (!isServerUrl(jwksUrl, ['http:', 'https:'])) problems.push('CLIENT_JWKS_URL must be an http(s) URL');
      // It is fetched, and logged, as it is: a password in it would be in every warning.
      else if (/^[a-z]+:\/\/[^/]*@/i.test(jwksUrl))
        problems.push('CLIENT_JWKS_URL must not carry a user name or password: publish the key set without credentials');
    }
    const issuer = get('CLIENT_JWT_ISSUER');
    const audience = get('CLIENT_JWT_AUDIENCE');
    return {
      mode,
      ...(secret === undefined ? {} : { secret: secretKey(secret) }),
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      rolesClaim: get('CLIENT_ROLES_CLAIM') ?? 'roles',
    };
  }
  problems.push(`CLIENT_AUTH must be none, api-key or jwt (got "${mode}")`);
  return { mode: 'none' };
}
