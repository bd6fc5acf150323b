import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { openSqliteStore } from '../../src/meetings/sqlite.js';
import { openPostgresStore } from '../../src/meetings/postgres.js';
import { openStore } from '../../src/meetings/open.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../../src/meetings/migrations.js';
import { createMeeting, MEETING_ID, newMeetingId, storeKind, type MeetingStore } from '../../src/meetings/store.js';
import { createLogger } from '../../src/logger.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';

const logger = createLogger('silent');
const at = new Date('2026-11-23T17:00:00.123Z');

/** The behaviour every store must share; `open` gives a fresh store on the same backing data. */
function storeContract(name: string, setup: () => Promise<{ open: () => Promise<MeetingStore>; cleanup: () => Promise<void> }>, skip = false) {
  describe.skipIf(skip)(`${name} meeting store${skip ? PG_SKIP_NOTE : ''}`, () => {
    let open: () => Promise<MeetingStore>;
    let cleanup: () => Promise<void>;
    let store: MeetingStore;
    beforeAll(async () => {
      ({ open, cleanup } = await setup());
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('when a meeting is inserted, then it is found with its createdAt and createdBy', async () => {
      expect(await store.insert({ id: 'aaaa-bbbb-cccc', createdAt: at, createdBy: 'p1' })).toBe(true);
      expect(await store.find('aaaa-bbbb-cccc')).toEqual({ id: 'aaaa-bbbb-cccc', createdAt: at, createdBy: 'p1' });
    });

    it('when the same id is inserted again, then it is refused and the first row is kept', async () => {
      expect(await store.insert({ id: 'dddd-eeee-ffff', createdAt: at, createdBy: 'first' })).toBe(true);
      expect(await store.insert({ id: 'dddd-eeee-ffff', createdAt: new Date(0), createdBy: 'second' })).toBe(false);
      expect((await store.find('dddd-eeee-ffff'))?.createdBy).toBe('first');
    });

    it('when an id was never stored, then find answers undefined', async () => {
      expect(await store.find('zzzz-zzzz-zzzz')).toBeUndefined();
    });

    it('when the generator collides, then createMeeting retries with a new id', async () => {
      await store.insert({ id: 'coll-isio-n000', createdAt: at, createdBy: 'x' });
      const ids = ['coll-isio-n000', 'coll-isio-n000', 'fres-hidx-0001'];
      const meeting = await createMeeting(store, 'p2', at, () => ids.shift()!);
      expect(meeting.id).toBe('fres-hidx-0001');
      expect((await store.find('fres-hidx-0001'))?.createdBy).toBe('p2');
    });

    it('when 200 meetings are created at once, then every id is distinct and stored', async () => {
      const meetings = await Promise.all(Array.from({ length: 200 }, (_, i) => createMeeting(store, `p${i}`, at)));
      expect(new Set(meetings.map((m) => m.id)).size).toBe(200);
      for (const m of meetings) expect((await store.find(m.id))?.createdBy).toBe(m.createdBy);
    });

    it('when a jti is revoked, then it is revoked until its expiry, not at it, and other jtis are not', async () => {
      const until = new Date(at.getTime() + 60_000);
      expect(await store.revoke('jti-revoked', until)).toEqual(until);
      expect(await store.isRevoked('jti-revoked', at)).toBe(true);
      expect(await store.isRevoked('jti-revoked', new Date(until.getTime() - 1))).toBe(true);
      expect(await store.isRevoked('jti-revoked', until)).toBe(false);
      expect(await store.isRevoked('jti-never-revoked', at)).toBe(false);
    });

    it('when a jti is revoked again, then the later expiry is kept whichever order they come in', async () => {
      const t = (seconds: number) => new Date(at.getTime() + seconds * 1000);
      expect(await store.revoke('jti-twice', t(120))).toEqual(t(120));
      expect(await store.revoke('jti-twice', t(30))).toEqual(t(120));
      expect(await store.isRevoked('jti-twice', t(90))).toBe(true);
      expect(await store.revoke('jti-twice', t(300))).toEqual(t(300));
      expect(await store.isRevoked('jti-twice', t(200))).toBe(true);
    });

    it('when the same jti is revoked 50 times at once, then each succeeds and the latest expiry wins', async () => {
      const ends = Array.from({ length: 50 }, (_, i) => new Date(at.getTime() + (i + 1) * 1000));
      await Promise.all(ends.map((end) => store.revoke('jti-race', end)));
      expect(await store.isRevoked('jti-race', new Date(at.getTime() + 49_999))).toBe(true);
      expect(await store.isRevoked('jti-race', new Date(at.getTime() + 50_000))).toBe(false);
    });

    it('when expired revocations are purged, then only those ending at or before now are removed and counted', async () => {
      const now = new Date('2031-01-01T00:00:00.000Z');
      await store.purgeExpired(new Date('2030-01-01T00:00:00.000Z')); // rows of earlier cases
      await store.revoke('purge-past', new Date(now.getTime() - 1000));
      await store.revoke('purge-now', now);
      await store.revoke('purge-future', new Date(now.getTime() + 1));
      expect(await store.purgeExpired(now)).toBe(2);
      const before = new Date(now.getTime() - 60_000);
      expect(await store.isRevoked('purge-past', before)).toBe(false);
      expect(await store.isRevoked('purge-now', before)).toBe(false);
      expect(await store.isRevoked('purge-future', now)).toBe(true);
      expect(await store.purgeExpired(now)).toBe(0);
    });

    it('when the store is pinged, then it answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    // The memory store dies with its object: only durable stores can be reopened.
    if (name !== 'memory')
      it('when the store is reopened, then earlier meetings and revocations are still there and migrations are not re-applied', async () => {
        const again = await open();
        expect((await again.find('aaaa-bbbb-cccc'))?.createdBy).toBe('p1');
        expect(await again.isRevoked('purge-future', new Date('2031-01-01T00:00:00.000Z'))).toBe(true);
        await again.close();
      });

    it('when the store is closed, then calls reject instead of hanging', async () => {
      const other = await open();
      await other.close();
      await expect(other.find('aaaa-bbbb-cccc')).rejects.toThrow();
      await expect(other.ping()).rejects.toThrow();
      await expect(other.revoke('jti-closed', at)).rejects.toThrow();
      await expect(other.isRevoked('jti-closed', at)).rejects.toThrow();
      await expect(other.purgeExpired(at)).rejects.toThrow();
    });
  });
}

storeContract('memory', async () => ({ open: async () => openMemoryStore(), cleanup: async () => {} }));

let sqliteDir = '';
storeContract('sqlite', async () => {
  sqliteDir = mkdtempSync(join(tmpdir(), 'rts-store-'));
  const file = join(sqliteDir, 'nested', 'dir', 'meetings.db');
  return { open: async () => openSqliteStore(file), cleanup: async () => rmSync(sqliteDir, { recursive: true, force: true }) };
});

storeContract(
  'postgres',
  async () => {
    const schema = await isolatedSchema();
    return { open: () => openPostgresStore(schema.url, logger), cleanup: () => schema.drop() };
  },
  !TEST_DATABASE_URL,
);

describe('meeting ids', () => {
  it('when 10,000 ids are drawn, then each has the documented shape and none repeats', () => {
    const ids = Array.from({ length: 10_000 }, newMeetingId);
    for (const id of ids) expect(id).toMatch(MEETING_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when every id keeps colliding, then createMeeting gives up instead of looping forever', async () => {
    const store = openMemoryStore();
    await store.insert({ id: 'same-same-same', createdAt: at, createdBy: 'x' });
    await expect(createMeeting(store, 'p', at, () => 'same-same-same')).rejects.toThrow(/no free meeting id/);
  });
});

describe('DATABASE_URL', () => {
  it.each([
    ['memory:', 'memory'],
    ['sqlite:./data/meetings.db', 'sqlite'],
    ['postgres://u@h/db', 'postgres'],
    ['postgresql://u@h/db', 'postgres'],
    ['mysql://u@h/db', undefined],
    ['sqlite:', undefined],
  ])('when it is %s, then the store kind is %s', (url, kind) => {
    expect(storeKind(url)).toBe(kind);
  });

  it('when openStore is given sqlite:, then the file gets the versioned schema in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rts-open-'));
    try {
      const store = await openStore(`sqlite:${join(dir, 'm.db')}`, logger);
      await store.close();
      const db = new Database(join(dir, 'm.db'), { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 2 (revoked_tokens)', () => {
  const v1 = MIGRATIONS.find((m) => m.version === 1)!;

  it('when a SQLite database at version 1 is opened, then version 2 is applied and its meetings are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rts-v1-'));
    const file = join(dir, 'm.db');
    try {
      const old = new Database(file);
      old.exec(MIGRATIONS_TABLE.sqlite);
      old.exec(v1.sqlite);
      old.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)').run(v1.name);
      old.prepare('INSERT INTO meetings (id, created_at, created_by) VALUES (?, ?, ?)').run('oldm-eeti-ng00', at.getTime(), 'v1');
      old.close();

      const store = openSqliteStore(file);
      expect((await store.find('oldm-eeti-ng00'))?.createdBy).toBe('v1');
      await store.revoke('after-upgrade', new Date(at.getTime() + 1000));
      await store.close();
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 1 }, { version: 2 }]);
      expect(db.prepare('SELECT jti, expires_at FROM revoked_tokens').all()).toEqual([{ jti: 'after-upgrade', expires_at: at.getTime() + 1000 }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!TEST_DATABASE_URL)(
    `when a PostgreSQL schema at version 1 is opened, then version 2 is applied and its meetings are kept${PG_SKIP_NOTE}`,
    async () => {
      const schema = await isolatedSchema();
      try {
        const client = new pg.Client({ connectionString: schema.url });
        await client.connect();
        await client.query(MIGRATIONS_TABLE.postgres);
        await client.query(v1.postgres);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES (1, $1)', [v1.name]);
        await client.query('INSERT INTO meetings (id, created_at, created_by) VALUES ($1, $2, $3)', ['oldm-eeti-ng00', at, 'v1']);

        const store = await openPostgresStore(schema.url, logger);
        expect((await store.find('oldm-eeti-ng00'))?.createdBy).toBe('v1');
        await store.revoke('after-upgrade', new Date(at.getTime() + 1000));
        await store.close();
        expect((await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }]);
        expect((await client.query('SELECT jti, expires_at FROM revoked_tokens')).rows).toEqual([
          { jti: 'after-upgrade', expires_at: new Date(at.getTime() + 1000) },
        ]);
        await client.end();
      } finally {
        await schema.drop();
      }
    },
  );
});

describe.skipIf(!TEST_DATABASE_URL)(`postgres migrations${PG_SKIP_NOTE}`, () => {
  it('when five instances start at once on an empty schema, then each migration is applied exactly once', async () => {
    const schema = await isolatedSchema();
    try {
      const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(schema.url, logger)));
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      const { rows } = await client.query('SELECT version, name FROM schema_migrations ORDER BY version');
      await client.end();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      await schema.drop();
    }
  });

  it('when PostgreSQL cannot be reached, then opening rejects (within the connection timeout) instead of hanging', async () => {
    await expect(openPostgresStore('postgres://postgres@127.0.0.1:1/test', logger)).rejects.toThrow();
  });
});
