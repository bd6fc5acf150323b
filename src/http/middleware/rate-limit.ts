import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/**
 * RATE_LIMIT_PER_MINUTE requests per client IP per minute; 0 turns it off. A refused request is a
 * 429 problem+json with `Retry-After` and the standard `RateLimit` headers.
 */
export function rateLimitPolicy(perMinute: number): RequestHandler | undefined {
  if (perMinute === 0) return undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // The client IP is the socket address unless a trusted proxy is configured; a forwarded
    // header on an untrusted hop is expected and ignored, not an error.
    validate: { xForwardedForHeader: false },
    handler(_req, _res, next) {
      next(new AppError('rate-limited', `rate limit of ${perMinute} per minute exceeded for this client; retry after the time in Retry-After`));
    },
  });
}
