import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../src/logger.js';
import { connectRedis } from '../../src/redis.js';
import type { LogLevel } from '../../src/logger.js';
import { testApp } from '../fixtures.js';
import { connectUnder, deleteKeysUnder, REDIS_SKIP_NOTE, TEST_REDIS_URL, uniqueKeyPrefix } from '../redis.js';

/** A logger whose JSON lines the test can read, as an operator would. */
function capturedLog(level: LogLevel = 'warn'): { logger: Logger; records: () => { level: number; msg: string }[] } {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }) };
}
const WARN = 40;

/** Rejections nobody handled (e.g. a Redis script load while Redis is down), asserted empty. */
const unhandled: unknown[] = [];
const recordUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', recordUnhandled));
afterAll(() => void process.off('unhandledRejection', recordUnhandled));

describe('rate limit: the client IP', () => {
  it('when TRUST_PROXY is unset, then requests with different X-Forwarded-For share one bucket and operators are told once', async () => {
    const { logger, records } = capturedLog();
    const app = testApp({ RATE_LIMIT_PER_MINUTE: '1' }, { logger });
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.2').expect(429);
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.3').expect(429);
    expect(records().filter((r) => r.msg.includes("'X-Forwarded-For' header is set"))).toHaveLength(1);
  });

  it('when TRUST_PROXY=loopback, then each X-Forwarded-For address gets its own bucket', async () => {
    const app = testApp({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'loopback' });
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.2').expect(200);
    await request(app).get('/get-token').set('X-Forwarded-For', '203.0.113.1').expect(429);
  });
});

describe('rate limit: Redis unreachable', () => {
  it('when Redis is unreachable, then token routes answer, limits still apply per instance, and one warning says so', async () => {
    const { logger, records } = capturedLog();
    // Port 1 is closed: every connection attempt is refused.
    const redis = connectRedis('redis://127.0.0.1:1', logger);
    try {
      const refused = once(redis, 'error');
      const app = testApp({ RATE_LIMIT_PER_MINUTE: '2' }, { redis, logger });
      await request(app).get('/get-token').expect(200);
      await refused;
      await request(app).get('/get-token').expect(200);
      const limited = await request(app).get('/get-token').expect(429);
      expect(limited.body.type).toBe('urn:rtc-token-server:problem:rate-limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Two more refused reconnects and another request: still one warning for the outage.
      await once(redis, 'error');
      await once(redis, 'error');
      await request(app).get('/get-token').expect(429);
      const warnings = records().filter((r) => r.level >= WARN);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/fall back to per-instance counters/);
      expect(unhandled).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe.skipIf(!TEST_REDIS_URL)(`rate limit: shared through Redis${REDIS_SKIP_NOTE}`, () => {
  const url = TEST_REDIS_URL!;
  const keyPrefix = uniqueKeyPrefix();
  const clients: Redis[] = [];
  const silent = createLogger('silent');
  afterAll(async () => {
    await Promise.all(clients.map((redis) => redis.quit().catch(() => redis.disconnect())));
    await deleteKeysUnder(url, keyPrefix);
  });
  /** A Redis client for one app instance; each test gets a bucket prefix of its own. */
  async function connect(prefix: string, logger: Logger = silent): Promise<Redis> {
    const redis = await connectUnder(url, keyPrefix + prefix, logger);
    clients.push(redis);
    return redis;
  }

  it('when two instances share Redis, then one client’s requests count on both and the next is 429 with Retry-After and RateLimit headers', async () => {
    const a = testApp({ RATE_LIMIT_PER_MINUTE: '3' }, { redis: await connect('two:') });
    const b = testApp({ RATE_LIMIT_PER_MINUTE: '3' }, { redis: await connect('two:') });
    await request(a).get('/get-token').expect(200);
    await request(a).get('/get-token').expect(200);
    const third = await request(b).get('/get-token').expect(200);
    expect(third.headers.ratelimit).toMatch(/r=0/);

    const res = await request(b).get('/get-token').expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'rate limit of 3 per minute exceeded for this client; retry after the time in Retry-After',
    });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers['ratelimit-policy']).toMatch(/q=3; w=60/);
    expect(res.headers.ratelimit).toMatch(/r=0; t=\d+/);
    await request(a).get('/get-token').expect(429);
    await request(a).get('/healthz').expect(200);
  });

  it('when the Redis connection goes away mid-run, then requests are still answered and limited locally, and shared counting resumes when it is back', async () => {
    const redis = await connect('gone:');
    const shared = testApp({ RATE_LIMIT_PER_MINUTE: '2' }, { redis });
    await request(shared).get('/get-token').expect(200);

    redis.disconnect();
    await request(shared).get('/get-token').expect(200);
    await request(shared).get('/get-token').expect(200);
    await request(shared).get('/get-token').expect(429);

    await redis.connect();
    // Redis still holds this client's one request from before: one more passes, then 429.
    await request(shared).get('/get-token').expect(200);
    await request(shared).get('/get-token').expect(429);
  });

  describe('when Redis refuses the limiter’s commands on a live connection', () => {
    const user = `rts-test-${randomBytes(6).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    let admin: Redis;
    beforeAll(() => {
      admin = new Redis(url);
    });
    afterAll(async () => {
      await admin.call('ACL', 'DELUSER', user);
      await admin.quit();
    });

    it('then requests count per instance, one warning says so, and counting returns to Redis once it answers', async () => {
      // A user that may not load or run the limiter's Lua scripts: a real error reply from Redis.
      await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-evalsha', '-script');
      const asUser = new URL(url);
      asUser.username = user;
      asUser.password = password;
      const { logger, records } = capturedLog('info');
      const redis = await connectUnder(asUser.href, `${keyPrefix}refused:`, logger);
      clients.push(redis);
      const app = testApp({ RATE_LIMIT_PER_MINUTE: '2' }, { redis, logger, redisRetryIntervalMs: 100 });

      await request(app).get('/get-token').expect(200);
      await request(app).get('/get-token').expect(200);
      await request(app).get('/get-token').expect(429);
      const warnings = records().filter((r) => r.level >= WARN);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/fall back to per-instance counters/);

      await admin.call('ACL', 'SETUSER', user, '+@all');
      // The limiter tries Redis again at most once per retry interval while it is failing: until
      // then requests count locally, where the count is already over the limit (429). Redis's count
      // is empty, so the first request counted there passes.
      let back = await request(app).get('/get-token');
      for (let i = 0; i < 40 && back.status === 429; i++) {
        await sleep(50);
        back = await request(app).get('/get-token');
      }
      expect(back.status).toBe(200);
      expect(back.headers.ratelimit).toMatch(/r=1/);
      expect(records().some((r) => r.msg.includes('shared again'))).toBe(true);
    });
  });
});
