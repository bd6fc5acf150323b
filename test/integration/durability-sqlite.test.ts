/**
 * Process-level durability of the meeting registry: a meeting answered 201 survives a graceful
 * restart and repeated SIGKILLs under load, on SQLite always and on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { killAll, startServer } from './server-process.js';
import { MEETING_ID, ROUNDS, CRASH_TEST_TIMEOUT_MS, crawlerToken, post, crashUnderLoad } from './durability.js';

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
    expect(await validated.json()).toEqual({ meetingId: meeting.meetingId, roomId: meeting.meetingId, valid: true, createdAt: meeting.createdAt });

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
