/**
 * Process-level durability of the meeting registry: a meeting answered 201 survives a graceful
 * restart and repeated SIGKILLs under load, on SQLite always and on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { MIGRATIONS } from '../../src/meetings/migrations.js';
import { CREDENTIALS } from '../fixtures.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';
import { killAll, startServer, type ServerProcess } from './server-process.js';

const MEETING_ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const LOOPS = 16;
/** Crash rounds against one store: each round's restart must still validate every earlier round's ids. */
const ROUNDS = 3;
const TARGET_CREATED = 200;
const LOAD_LIMIT_MS = 5_000;
/** ROUNDS + 1 server starts, ROUNDS loads and the validations: more than the default 20 s may take. */
const CRASH_TEST_TIMEOUT_MS = 60_000;

/** A crawler token signed with the same credentials the child processes get, on the real clock. */
function crawlerToken(): string {
  const credentials = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
  return buildVideoSdkToken({ roles: ['crawler'], participantId: 'durability-test' }, credentials).token;
}

function post(url: string, path: string, token: string): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
}

interface LoadResult {
  /** Every meetingId whose 201 body arrived in full. */
  readonly created: string[];
  /** Statuses other than 201, by status: the server should not answer any under this load. */
  readonly otherStatuses: Record<number, number>;
  /** Requests sent and not yet answered at the moment of the SIGKILL. */
  readonly inFlightAtKill: number;
}

/**
 * Runs LOOPS concurrent create loops against `server`; once TARGET_CREATED meetings are created
 * (or LOAD_LIMIT_MS passes), SIGKILLs it mid-flight. Each loop ends at its first network error.
 */
async function createUntilKilled(server: ServerProcess, token: string): Promise<LoadResult> {
  const created: string[] = [];
  const otherStatuses: Record<number, number> = {};
  let inFlight = 0;
  let enough!: () => void;
  const reached = new Promise<void>((resolve) => (enough = resolve));

  const loop = async () => {
    for (;;) {
      inFlight++;
      try {
        const res = await post(server.url, '/create-meeting', token);
        if (res.status === 201) {
          const body = (await res.json()) as { meetingId: string };
          created.push(body.meetingId);
          if (created.length >= TARGET_CREATED) enough();
        } else {
          otherStatuses[res.status] = (otherStatuses[res.status] ?? 0) + 1;
          await res.arrayBuffer();
        }
      } catch {
        return; // the process is gone (or the body was cut off): this loop is done
      } finally {
        inFlight--;
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);

  const limit = setTimeout(enough, LOAD_LIMIT_MS);
  await reached;
  clearTimeout(limit);
  const inFlightAtKill = inFlight;
  await server.kill();
  await Promise.all(loops);
  return { created, otherStatuses, inFlightAtKill };
}

/** Validates every id on `url`, a few at a time; returns the count per status. */
async function validateAll(url: string, ids: readonly string[], token: string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await post(url, `/validate-meeting/${id}`, token);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return statuses;
}

/**
 * The whole crash test for one store: ROUNDS times, create under load and SIGKILL the server
 * mid-flight, then start a new one on the same store, which must validate every id answered 201 in
 * this round and all earlier ones before it takes the next round's load. `rowsInStore` reads the
 * store behind the server's back at the end.
 */
async function crashUnderLoad(
  label: string,
  env: Record<string, string>,
  rowsInStore: (ids: readonly string[]) => Promise<{ total: number; found: number }>,
): Promise<void> {
  const token = crawlerToken();
  /** Every id answered 201 so far, over all rounds; an id handed out twice would show up here. */
  const all: string[] = [];
  const seen = new Set<string>();
  let server = await startServer(env);
  for (let round = 1; round <= ROUNDS; round++) {
    const where = `${label} round ${round}/${ROUNDS}`;
    const load = await createUntilKilled(server, token);
    expect(server.child.signalCode, where).toBe('SIGKILL');
    expect(load.otherStatuses, where).toEqual({});
    // The kill must land with requests outstanding, or this round tested a clean stop.
    expect(load.inFlightAtKill, where).toBeGreaterThan(0);
    expect(load.created.length, where).toBeGreaterThan(0);
    const reissued: string[] = [];
    for (const id of load.created) {
      if (seen.has(id)) reissued.push(id);
      seen.add(id);
    }
    expect(reissued, `${where}: ids answered 201 more than once`).toEqual([]);
    all.push(...load.created);

    server = await startServer(env);
    const statuses = await validateAll(server.url, all, token);
    const lost = all.length - (statuses[200] ?? 0);
    console.log(
      `crash test (${where}): ${load.created.length} created, ${load.inFlightAtKill} in flight at the kill; after the restart ${all.length - lost} of ${all.length} ids from all rounds validate`,
    );
    expect(statuses, where).toEqual({ 200: all.length });
  }
  expect(await server.stop('SIGTERM')).toBe(0);

  const rows = await rowsInStore(all);
  // Rows beyond N are inserts that committed while their response was cut off by a kill.
  console.log(`crash test (${label}): ${rows.total} rows in the store, ${rows.found} of the ${all.length} created ids among them`);
  expect(rows.found).toBe(all.length);
  expect(rows.total).toBeGreaterThanOrEqual(all.length);
}

afterEach(async () => {
  await killAll();
});

describe('durability on SQLite', () => {
  let dir: string;
  let dbUrl: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rts-durability-'));
    file = join(dir, 'meetings.db');
    dbUrl = `sqlite:${file}`;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the server is stopped with SIGTERM and started again on the same file, then a meeting created before validates with the same createdAt', async () => {
    const token = crawlerToken();
    const first = await startServer({ DATABASE_URL: dbUrl });
    const created = await post(first.url, '/create-meeting', token);
    expect(created.status).toBe(201);
    const meeting = (await created.json()) as { meetingId: string; createdAt: string };
    expect(meeting.meetingId).toMatch(MEETING_ID);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startServer({ DATABASE_URL: dbUrl });
    const validated = await post(second.url, `/validate-meeting/${meeting.meetingId}`, token);
    expect(validated.status).toBe(200);
    expect(await validated.json()).toEqual({ meetingId: meeting.meetingId, valid: true, createdAt: meeting.createdAt });

    const unknownId = meeting.meetingId === 'zzzz-zzzz-zzzz' ? 'yyyy-yyyy-yyyy' : 'zzzz-zzzz-zzzz';
    const unknown = await post(second.url, `/validate-meeting/${unknownId}`, token);
    expect(unknown.status).toBe(404);
    await unknown.arrayBuffer();
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it(
    `when the server is SIGKILLed under concurrent create load ${ROUNDS} times on one store, then every meeting answered 201 in any round validates after each restart`,
    async () => {
      await crashUnderLoad('sqlite', { DATABASE_URL: dbUrl }, async (ids) => {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          const total = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM meetings').get()!.n;
          const find = db.prepare<[string], { id: string }>('SELECT id FROM meetings WHERE id = ?');
          const found = ids.filter((id) => find.get(id) !== undefined).length;
          return { total, found };
        } finally {
          db.close();
        }
      });
    },
    CRASH_TEST_TIMEOUT_MS,
  );
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
    expect(await validated.json()).toEqual({ meetingId: meeting.meetingId, valid: true, createdAt: meeting.createdAt });

    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
