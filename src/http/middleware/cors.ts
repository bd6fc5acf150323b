import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../../config.js';

const OPTIONS: CorsOptions = {
  methods: ['GET', 'HEAD', 'POST'],
  exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id', 'WWW-Authenticate'],
  maxAge: 600,
};

/**
 * CORS from the CORS_ORIGINS allow-list, applied once for the whole app. The decision is made per
 * request: an origin off the list gets no CORS header at all (not even on a preflight), so the
 * browser blocks the response, and the request goes on as if it had no Origin.
 */
export function corsPolicy(config: Pick<Config, 'corsOrigins'>): RequestHandler {
  if (config.corsOrigins === '*') return cors({ ...OPTIONS, origin: '*' });
  const allowed = new Set(config.corsOrigins);
  const handler = cors((req, callback) => {
    callback(null, allowed.has(req.headers.origin ?? '') ? { ...OPTIONS, origin: true } : { origin: false });
  });
  return (req, res, next) => {
    // The answer depends on Origin even when it is refused: caches must keep them apart.
    res.vary('Origin');
    handler(req, res, next);
  };
}
