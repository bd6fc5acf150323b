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
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';
import { startTcpProxy, type CutMode, type TcpProxy } from '../tcp-proxy.js';
import { killAll, startServer, type ServerProcess } from './server-process.js';
import { RECOVERY_DEADLINE_MS, MEETING_ID, crawlerToken, timed, post, expectTokenRoutesServe, expectStoreUnavailable, until, warned } from './faults.js';

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
      expect(old.body).toEqual({ meetingId: before.body.meetingId, roomId: before.body.meetingId, valid: true, createdAt: before.body.createdAt });
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
