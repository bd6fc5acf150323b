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
import { createServer, type AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';
import { REDIS_SKIP_NOTE, TEST_REDIS_URL } from '../redis.js';
import { startTcpProxy, type CutMode, type TcpProxy } from '../tcp-proxy.js';
import { killAll, startServer, type ServerProcess } from './server-process.js';

/** The bound every answer must meet while a dependency is down: a correctness bound, not a benchmark. */
const ANSWER_WITHIN_MS = 2_000;
/** How long the service may take to notice the store is back. */
const RECOVERY_DEADLINE_MS = 15_000;
const MEETING_ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const PROBLEM_JSON = /^application\/problem\+json/;

/** A crawler token signed with the credentials the child processes get, on the real clock. */
function crawlerToken(): string {
  const credentials = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
  return buildVideoSdkToken({ roles: ['crawler'], participantId: 'faults-test' }, credentials).token;
}

interface Timed {
  readonly status: number;
  readonly contentType: string;
  readonly retryAfter: string | null;
  readonly body: any;
  readonly ms: number;
}

/** One request, timed from send to the end of the body; aborted well after the bound so a hang fails clearly. */
async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 5) });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body, ms };
}

const post = (url: string, path: string, token: string) => timed(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** One GET per token route; none of them touches the meeting store or needs Redis. */
const TOKEN_ROUTES = [
  '/access_token?channelName=room1&uid=42&role=publisher',
  '/rtm_token?uid=alice',
  '/get-token?roles=crawler&participantId=p1',
  '/hms/app-token?roomId=room1&userId=alice&role=host',
  '/conference-token?userId=alice&roomId=room1&role=publisher',
  '/chat-token?userId=alice&channelId=general',
] as const;

async function expectTokenRoutesServe(url: string, headers: Record<string, string> = {}): Promise<number[]> {
  const times: number[] = [];
  for (const path of TOKEN_ROUTES) {
    const res = await timed(`${url}${path}`, { headers });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    expect(typeof res.body.token).toBe('string');
    expect(res.ms, `${path} answered in ${res.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    times.push(res.ms);
  }
  return times;
}

/** Asserts a 503 store-unavailable problem, answered within the bound. */
function expectStoreUnavailable(res: Timed, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
  expect(res.contentType).toMatch(PROBLEM_JSON);
  expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:store-unavailable', status: 503 });
  expect(res.retryAfter, `${what}: Retry-After`).toMatch(/^\d+$/);
  expect(res.ms, `${what} answered in ${res.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
}

/** The pino lines the child wrote so far, parsed. */
function logEntries(server: ServerProcess): { level: number; msg: string; [key: string]: unknown }[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('[stdout] {'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice('[stdout] '.length))];
      } catch {
        return [];
      }
    });
}

/** Polls `check` until it returns a value other than undefined, or fails after `deadlineMs`. */
async function until<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await check();
    const ms = performance.now() - started;
    if (value !== undefined) return { value, ms };
    if (ms > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pino warning with message `msg`, once the child has flushed it (pino writes at least every second). */
const warned = (server: ServerProcess, msg: string) =>
  until(`warning "${msg}" in the log`, 5_000, () => logEntries(server).find((entry) => entry.level === 40 && entry.msg === msg));

/** A port on 127.0.0.1 nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(async () => {
  await killAll();
});

describe.skipIf(!TEST_DATABASE_URL)(`PostgreSQL outage while the service runs${PG_SKIP_NOTE}`, () => {
  let schema: Awaited<ReturnType<typeof isolatedSchema>>;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    schema = await isolatedSchema();
  });
  afterEach(async () => {
    await killAll(); // the server lets go of its connections before the proxy goes
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await schema?.drop();
  });

  /** The service on the isolated schema, reaching PostgreSQL only through a fresh proxy. */
  async function serviceBehindProxy(): Promise<ServerProcess> {
    const database = new URL(schema.url);
    proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    database.hostname = '127.0.0.1';
    database.port = String(proxy.port);
    return startServer({ DATABASE_URL: database.href });
  }

  const modes: [CutMode, string][] = [
    ['reset', 'connections are reset (the database stopped)'],
    ['blackhole', 'connections hang unanswered (the network drops everything)'],
  ];
  it.each(modes)(
    'when %s: %s, then meeting routes and /readyz answer 503 problem+json within 2 s, token routes keep answering, and the service recovers without a restart',
    async (mode) => {
      const server = await serviceBehindProxy();
      const token = crawlerToken();
      const log: string[] = [];

      // Before: the store answers.
      expect((await timed(`${server.url}/readyz`)).body).toMatchObject({ status: 'ready', store: 'postgres' });
      const before = await post(server.url, '/create-meeting', token);
      expect(before.status).toBe(201);
      expect(before.body.meetingId).toMatch(MEETING_ID);

      proxy!.cut(mode);

      // During: every store-backed answer is a quick 503; everything else is untouched.
      const during = {
        create: await post(server.url, '/create-meeting', token),
        validate: await post(server.url, `/validate-meeting/${before.body.meetingId}`, token),
        readyz: await timed(`${server.url}/readyz`),
      };
      expectStoreUnavailable(during.create, 'POST /create-meeting');
      expectStoreUnavailable(during.validate, 'POST /validate-meeting/:id');
      expectStoreUnavailable(during.readyz, 'GET /readyz');
      expect((await timed(`${server.url}/healthz`)).status).toBe(200);
      const tokenTimes = await expectTokenRoutesServe(server.url);

      // More callers at once than the pool has connections (10): none waits beyond the bound.
      const burst = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          i % 2 === 0 ? post(server.url, '/create-meeting', token) : post(server.url, `/validate-meeting/${before.body.meetingId}`, token),
        ),
      );
      burst.forEach((res, i) => expectStoreUnavailable(res, `burst request ${i}`));
      await warned(server, 'meeting store call failed');

      log.push(
        `create ${during.create.ms.toFixed(0)} ms, validate ${during.validate.ms.toFixed(0)} ms, readyz ${during.readyz.ms.toFixed(0)} ms`,
        `burst of ${burst.length}: slowest ${Math.max(...burst.map((r) => r.ms)).toFixed(0)} ms`,
        `token routes: slowest ${Math.max(...tokenTimes).toFixed(0)} ms`,
      );

      // After: the same process serves meetings again, old and new.
      proxy!.restore();
      const recovered = await until('/readyz 200 after the store returned', RECOVERY_DEADLINE_MS, async () => {
        const res = await timed(`${server.url}/readyz`);
        return res.status === 200 ? res : undefined;
      });
      expect(recovered.value.body).toMatchObject({ status: 'ready', store: 'postgres' });
      const old = await post(server.url, `/validate-meeting/${before.body.meetingId}`, token);
      expect(old.status).toBe(200);
      expect(old.body).toEqual({ meetingId: before.body.meetingId, valid: true, createdAt: before.body.createdAt });
      const fresh = await post(server.url, '/create-meeting', token);
      expect(fresh.status).toBe(201);
      expect((await post(server.url, `/validate-meeting/${fresh.body.meetingId}`, token)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();

      log.push(`recovered: /readyz 200 ${recovered.ms.toFixed(0)} ms after the proxy was restored`);
      console.log(`PostgreSQL ${mode}: ${log.join('; ')}`);
      expect(await server.stop('SIGTERM')).toBe(0);
    },
    60_000,
  );
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
