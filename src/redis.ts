import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * The shared Redis connection (REDIS_URL) for rate-limit counters. Commands fail fast instead of
 * queueing while Redis is down, so a request never waits on it; ioredis keeps reconnecting in the
 * background and the limiter falls back to local counters meanwhile.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) logger.warn({ err: error }, 'Redis unavailable: rate limits fall back to per-instance counters');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis reachable again: rate limits are shared again');
    down = false;
  });
  return redis;
}
