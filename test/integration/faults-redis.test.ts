/**
 * Faults against the real servers: the service (`node dist/server.js`) runs while PostgreSQL or
 * Redis goes away and comes back. The shared PostgreSQL and Redis are never stopped: the service
 * reaches them through a TCP proxy (test/tcp-proxy.ts) that the test cuts, either with resets (a
 * stopped server) or as a blackhole (connections accepted, nothing ever answered: the case that
 * hangs a service without timeouts).
 *
 * What must hold: token routes never depend on the store or Redis; meeting routes and /readyz
 * answer 503 problem+json within 2 s while the store is unreachable; the service recovers on its
 * own when the store returns; a Redis outage degrades rate limiting to per-instance counters with
 * a warning, never failing or slowing requests beyond the bound.
 */
import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { REDIS_SKIP_NOTE, TEST_REDIS_URL } from '../redis.js';
import { startTcpProxy, type CutMode, type TcpProxy } from '../tcp-proxy.js';
import { killAll, startServer } from './server-process.js';
import { ANSWER_WITHIN_MS, PROBLEM_JSON, timed, TOKEN_ROUTES, expectTokenRoutesServe, logEntries, until, warned, deadPort } from './faults.js';

afterEach(async () => {
  await killAll();
});

describe('Redis unreachable from the start', () => {
  it('when REDIS_URL names a port nothing listens on, then token routes answer, limits apply per instance (429 after the limit), /readyz is 200 and one warning is logged', async () => {
    const limit = 8;
    const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, RATE_LIMIT_PER_MINUTE: String(limit) });
    await warned(server, 'Redis unavailable: rate limits fall back to per-instance counters');

    // /readyz is not rate limited, and Redis does not decide readiness: the instance can serve.
    const ready = await timed(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: 'memory' });

    const times = await expectTokenRoutesServe(server.url);
    // Not fail-open: the local counters still limit the client.
    const statuses: number[] = [];
    for (let i = TOKEN_ROUTES.length; i < limit + 2; i++) statuses.push((await timed(`${server.url}${TOKEN_ROUTES[0]}`)).status);
    expect(statuses).toEqual([...Array(limit - TOKEN_ROUTES.length).fill(200), 429, 429]);
    const limited = await timed(`${server.url}${TOKEN_ROUTES[1]}`);
    expect(limited.status).toBe(429);
    expect(limited.contentType).toMatch(PROBLEM_JSON);
    expect(limited.retryAfter).toMatch(/^\d+$/);

    // ioredis keeps retrying in the background; the warning is not repeated per attempt.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const warnings = logEntries(server).filter((entry) => entry.level === 40 && /redis/i.test(entry.msg));
    expect(warnings, JSON.stringify(warnings)).toHaveLength(1);
    console.log(`Redis unreachable: token routes slowest ${Math.max(...times).toFixed(0)} ms`);
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 30_000);
});

describe.skipIf(!TEST_REDIS_URL)(`Redis outage while the service runs${REDIS_SKIP_NOTE}`, () => {
  let proxy: TcpProxy | undefined;
  let admin: Redis;
  const keys: string[] = [];

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL!);
  });
  afterEach(async () => {
    await killAll();
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  const modes: [CutMode, string, string][] = [
    ['reset', 'connections are reset (Redis stopped)', 'Redis unavailable: rate limits fall back to per-instance counters'],
    ['blackhole', 'connections hang unanswered', 'Redis rate-limit commands failing: rate limits fall back to per-instance counters'],
  ];
  it.each(modes)(
    'when %s: %s, then token routes keep answering within 2 s, limits apply per instance, a warning is logged, /readyz stays 200 and counting returns to Redis',
    async (mode, _what, warning) => {
      const target = new URL(TEST_REDIS_URL!);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const viaProxy = new URL(TEST_REDIS_URL!);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const limit = 20;
      // The limiter counts per client IP; a random one (trusted from the loopback proxy that is
      // this test) gives this run a Redis key of its own, however many runs share the Redis.
      const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
      const key = `rts:rl:${ip}`;
      keys.push(key);
      const headers = { 'x-forwarded-for': ip };
      const server = await startServer({ REDIS_URL: viaProxy.href, RATE_LIMIT_PER_MINUTE: String(limit), TRUST_PROXY: 'loopback' });
      const count = async () => Number((await admin.get(key)) ?? 0);

      // Before: counted in Redis.
      await until('the connection to Redis', 5_000, async () =>
        (await timed(`${server.url}${TOKEN_ROUTES[0]}`, { headers })).status === 200 && (await count()) > 0 ? true : undefined,
      );
      const counted = await count();

      proxy.cut(mode);
      const times = await expectTokenRoutesServe(server.url, headers);
      await warned(server, warning);
      // Redis saw none of these, and the instance still limits the client on its own.
      expect(await count()).toBe(counted);
      const statuses: number[] = [];
      for (let i = 0; i < limit + 1; i++) {
        const res = await timed(`${server.url}${TOKEN_ROUTES[4]}`, { headers });
        expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
        times.push(res.ms);
        statuses.push(res.status);
      }
      expect(statuses.at(-1)).toBe(429);
      const ready = await timed(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', store: 'memory' });

      // After: counting goes back to Redis without a restart.
      proxy.restore();
      const back = await until('counting back in Redis', 10_000, async () => {
        await timed(`${server.url}/healthz`); // unlimited, so it does not count
        const res = await timed(`${server.url}${TOKEN_ROUTES[5]}`, { headers });
        return res.status === 200 && (await count()) > counted ? true : undefined;
      });
      expect(server.child.exitCode).toBeNull();
      console.log(
        `Redis ${mode}: token routes slowest ${Math.max(...times).toFixed(0)} ms during the outage; counting back in Redis ${back.ms.toFixed(0)} ms after the proxy was restored`,
      );
      expect(await server.stop('SIGTERM')).toBe(0);
    },
    60_000,
  );
});
