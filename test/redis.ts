/**
 * Redis for tests: runs when TEST_REDIS_URL is set (.ci/run sets it). Each suite's keys live under
 * a prefix of its own (ioredis `keyPrefix`), so runs sharing one Redis never share counters, and
 * only that prefix is deleted afterwards.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis } from '../src/redis.js';
import type { Logger } from '../src/logger.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
/** Appended to suite titles so a run without Redis says what it skipped. */
export const REDIS_SKIP_NOTE = TEST_REDIS_URL ? '' : ' (skipped: set TEST_REDIS_URL to run)';

/** A key prefix no other run uses. */
export function uniqueKeyPrefix(): string {
  return `rts-test:${randomBytes(6).toString('hex')}:`;
}

/** connectRedis (the service's own connection settings) with every key under `keyPrefix`, once ready. */
export async function connectUnder(url: string, keyPrefix: string, logger: Logger): Promise<Redis> {
  const redis = connectRedis(url, logger);
  // ioredis reads keyPrefix as it builds each command, so this covers every command sent.
  redis.options.keyPrefix = keyPrefix;
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

/** Deletes every key under `keyPrefix`, and nothing else. */
export async function deleteKeysUnder(url: string, keyPrefix: string): Promise<void> {
  const admin = new Redis(url);
  for await (const keys of admin.scanStream({ match: `${keyPrefix}*` }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
}
