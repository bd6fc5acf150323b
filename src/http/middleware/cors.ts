import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../../config/index.js';

const OPTIONS: CorsOptions = {
  methods: ['GET', 'HEAD', 'POST'],
  // Date: the client (rtc-token-server/client) times renewals on the server's clock.
  exposedHeaders: ['Date', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id', 'WWW-Authenticate'],
  maxAge: 600,
};

/**
 * CORS from the CORS_ORIGINS allow-list, applied once for the whole app. The decision is made per
 * request: an origin off the list gets no CORS header at all (not even on a preflight), so the
 * browser blocks the response, and the request goes on as if it had no Origin.
 */
export function corsPolicy(config: Pick<Config, 'corsOrigins'>): RequestHandler {
  const allowed = config.corsOrigins === '*' ? undefined : new Set(config.corsOrigins);
  const handler =
    allowed === undefined
      ? cors({ ...OPTIONS, origin: '*' })
      : cors((req, callback) => {
          callback(null, allowed.has(req.headers.origin ?? '') ? { ...OPTIONS, origin: true } : { origin: false });
        });
  return (req, res, next) => {
    // The answer depends on Origin, even when it is refused or absent: caches must keep them apart.
    res.setHeader('Vary', 'Origin');
    // Only browsers send Origin, and only they read CORS headers: a server-to-server call (most of
    // a token server's traffic) skips the CORS work and two headers it would ignore.
    if (req.headers.origin === undefined) return next();
    handler(req, res, next);
  };
}
