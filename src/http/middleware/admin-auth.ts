import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { digest } from '../../config.js';
import { AppError } from '../../errors.js';

/** `Authorization: Bearer <token>` → token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Server-side routes: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time (on
 * SHA-256 digests, so length leaks nothing either). Without ADMIN_API_KEY the route does not exist.
 */
export function requireAdminKey(adminKeyDigest: Buffer | undefined): RequestHandler {
  return (req, _res, next) => {
    if (adminKeyDigest === undefined) {
      next(new AppError('not-found', `no route for ${req.method} ${req.path}`));
      return;
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !timingSafeEqual(digest(presented), adminKeyDigest)) {
      next(
        new AppError('unauthorized', presented === undefined ? 'an Authorization: Bearer <admin key> header is required' : 'the admin key is not valid', {
          headers: { 'WWW-Authenticate': 'Bearer realm="rtc-token-server"' },
        }),
      );
      return;
    }
    next();
  };
}
