import type { RequestHandler } from 'express';
import { isKnownApiKey } from '../../auth/api-key.js';
import { unauthorized } from '../../errors.js';

/** `Authorization: Bearer <token>` → token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Server-side routes: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time (on
 * SHA-256 digests, so the length leaks nothing either). Routes guarded by it are only mounted
 * when ADMIN_API_KEY is set; without it they do not exist (404).
 */
export function requireAdminKey(adminKeyDigest: Buffer): RequestHandler {
  return (req, _res, next) => {
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !isKnownApiKey(presented, [adminKeyDigest])) {
      next(unauthorized(presented === undefined ? 'an Authorization: Bearer <admin key> header is required' : 'the admin key is not valid', 'Bearer'));
      return;
    }
    next();
  };
}
