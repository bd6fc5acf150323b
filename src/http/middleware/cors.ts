import cors from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../../config.js';

/**
 * CORS from the CORS_ORIGINS allow-list, applied once for the whole app. A disallowed origin gets
 * no CORS headers at all, so the browser blocks the response.
 */
export function corsPolicy(config: Pick<Config, 'corsOrigins'>): RequestHandler {
  return cors({
    origin: config.corsOrigins === '*' ? '*' : [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST'],
    exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
    maxAge: 600,
  });
}
