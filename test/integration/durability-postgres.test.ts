/**
 * Process-level durability of the meeting registry: a meeting answered 201 survives a graceful
 * restart and repeated SIGKILLs under load, on SQLite always and on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { MIGRATIONS } from '../../src/meetings/migrations.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';
import { killAll, startServer } from './server-process.js';
import { ROUNDS, CRASH_TEST_TIMEOUT_MS, crawlerToken, post, crashUnderLoad } from './durability.js';

afterEach(async () => {
  await killAll();
});

describe.skipIf(!TEST_DATABASE_URL)(`durability on PostgreSQL${PG_SKIP_NOTE}`, () => {
  let schema: Awaited<ReturnType<typeof isolatedSchema>> | undefined;
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });
  beforeEach(async () => {
    schema = await isolatedSchema();
  });
  afterEach(async () => {
    await killAll(); // the servers must let go of the schema before it is dropped
    await schema?.drop();
    schema = undefined;
  });

  it(
    `when the server is SIGKILLed under concurrent create load ${ROUNDS} times on one store, then every meeting answered 201 in any round validates after each restart`,
    async () => {
      const { url, schema: name } = schema!;
      await crashUnderLoad('postgres', { DATABASE_URL: url }, async (ids) => {
        const total = Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${name}.meetings`)).rows[0]!.n);
        const found = Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${name}.meetings WHERE id = ANY($1)`, [ids])).rows[0]!.n);
        return { total, found };
      });
    },
    CRASH_TEST_TIMEOUT_MS,
  );

  it('when two servers start at the same moment on a fresh schema, then both become ready and a meeting created on one validates on the other', async () => {
    const { url, schema: name } = schema!;
    const [a, b] = await Promise.all([startServer({ DATABASE_URL: url }), startServer({ DATABASE_URL: url })]);
    for (const server of [a, b]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', store: 'postgres' });
    }
    const migrations = await client.query<{ version: number }>(`SELECT version FROM ${name}.schema_migrations ORDER BY version`);
    expect(migrations.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version).sort((x, y) => x - y));

    const token = crawlerToken();
    const created = await post(a.url, '/create-meeting', token);
    expect(created.status).toBe(201);
    const meeting = (await created.json()) as { meetingId: string; createdAt: string };
    const validated = await post(b.url, `/validate-meeting/${meeting.meetingId}`, token);
    expect(validated.status).toBe(200);
    expect(await validated.json()).toEqual({ meetingId: meeting.meetingId, roomId: meeting.meetingId, valid: true, createdAt: meeting.createdAt });

    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
