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
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from '../../src/meetings/migrations.js';
import { createMeeting, MEETING_ID, newMeetingId, storeKind, type MeetingStore } from '../../src/meetings/store.js';
import { createLogger } from '../../src/logger.js';
import type { RevocationRule } from '../../src/revocation/rules.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';
import { UUID_V4 } from '../fixtures.js';

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

    const rule = (id: string, kind: RevocationRule['kind'], value: string, untilMs: number): RevocationRule => ({
      id,
      kind,
      value,
      until: new Date(at.getTime() + untilMs),
      createdAt: at,
    });

    it('when rules of each kind are added, then rules(now) answers those in force, until their end and not at it', async () => {
      const added = [rule('r-jti', 'jti', 'jti-1', 60_000), rule('r-sub', 'subject', 'alice', 60_000), rule('r-room', 'room', 'room-1', 1000)];
      added.push(rule('r-before', 'issuedBefore', at.toISOString(), 60_000));
      for (const r of added) await store.addRule(r);
      const byId = (list: RevocationRule[]) => list.filter((r) => r.id.startsWith('r-')).sort((x, y) => x.id.localeCompare(y.id));
      expect(byId(await store.rules(at))).toEqual(byId(added));
      expect(byId(await store.rules(new Date(at.getTime() + 999))).map((r) => r.id)).toContain('r-room');
      expect(byId(await store.rules(new Date(at.getTime() + 1000))).map((r) => r.id)).toEqual(['r-before', 'r-jti', 'r-sub']);
    });

    it('when a rule is deleted, then it is gone and deleting it again answers false', async () => {
      await store.addRule(rule('d-1', 'subject', 'bob', 60_000));
      expect(await store.deleteRule('d-1')).toBe(true);
      expect((await store.rules(at)).map((r) => r.id)).not.toContain('d-1');
      expect(await store.deleteRule('d-1')).toBe(false);
      expect(await store.deleteRule('never-there')).toBe(false);
    });

    it('when 50 rules are added at once, then every one is stored', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.addRule(rule(`race-${i}`, 'jti', `jti-race-${i}`, 60_000))));
      expect((await store.rules(at)).filter((r) => r.id.startsWith('race-'))).toHaveLength(50);
    });

    it('when expired rules are purged, then only those ending at or before now are removed and counted', async () => {
      const now = new Date('2031-01-01T00:00:00.000Z');
      await store.purgeExpired(new Date('2030-01-01T00:00:00.000Z')); // rows of earlier cases
      const ending = (id: string, ms: number): RevocationRule => ({ id, kind: 'jti', value: id, until: new Date(now.getTime() + ms), createdAt: at });
      await store.addRule(ending('purge-past', -1000));
      await store.addRule(ending('purge-now', 0));
      await store.addRule(ending('purge-future', 1));
      expect(await store.purgeExpired(now)).toBe(2);
      expect((await store.rules(new Date(now.getTime() - 60_000))).map((r) => r.id)).toEqual(['purge-future']);
      expect(await store.purgeExpired(now)).toBe(0);
    });

    // LISTEN takes effect a moment after watchRules returns: a change announced before then reached
    // nobody, so the store reports once when it starts listening, and the rules are read again.
    if (name === 'postgres')
      it('when watchRules starts listening, then it reports a change once, so nothing announced before is missed', async () => {
        let changes = 0;
        const stop = store.watchRules(() => changes++);
        try {
          await expect.poll(() => changes, { timeout: 1000, interval: 10 }).toBe(1);
        } finally {
          stop();
        }
      });

    // Another instance is another store object on the same data: its changes must be reported.
    if (name !== 'memory')
      it('when another store on the same data adds or deletes a rule, then watchRules reports it within 1 s', async () => {
        const other = await open();
        let changes = 0;
        const stop = store.watchRules(() => changes++);
        try {
          await new Promise((resolve) => setTimeout(resolve, 300)); // the listener is connected
          const base = changes;
          const started = Date.now();
          await other.addRule(rule('watched', 'room', 'watched-room', 60_000));
          await expect.poll(() => changes, { timeout: 1000, interval: 20 }).toBeGreaterThan(base);
          expect(Date.now() - started).toBeLessThan(1000);
          const afterAdd = changes;
          await other.deleteRule('watched');
          await expect.poll(() => changes, { timeout: 1000, interval: 20 }).toBeGreaterThan(afterAdd);
        } finally {
          stop();
          await other.close();
        }
      });

    it('when the store is pinged, then it answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    // The memory store dies with its object: only durable stores can be reopened.
    if (name !== 'memory')
      it('when the store is reopened, then earlier meetings and revocations are still there and migrations are not re-applied', async () => {
        const again = await open();
        expect((await again.find('aaaa-bbbb-cccc'))?.createdBy).toBe('p1');
        expect((await again.rules(new Date('2031-01-01T00:00:00.000Z'))).map((r) => r.id)).toEqual(['purge-future']);
        await again.close();
      });

    it('when the store is closed, then calls reject instead of hanging', async () => {
      const other = await open();
      await other.close();
      await expect(other.find('aaaa-bbbb-cccc')).rejects.toThrow();
      await expect(other.ping()).rejects.toThrow();
      await expect(other.addRule({ id: 'closed', kind: 'jti', value: 'x', until: at, createdAt: at })).rejects.toThrow();
      await expect(other.rules(at)).rejects.toThrow();
      await expect(other.deleteRule('closed')).rejects.toThrow();
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

describe('upgrading an older store', () => {
  const [v1, v2] = [1, 2].map((version) => MIGRATIONS.find((m) => m.version === version)!) as [Migration, Migration];
  const latest = MIGRATIONS.map((m) => ({ version: m.version }));
  const revokedUntil = at.getTime() + 86_400_000;

  it('when a SQLite database at version 2 is opened, then its meetings stay and each revoked token becomes a jti rule with the same end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rts-v2-'));
    const file = join(dir, 'm.db');
    try {
      const old = new Database(file);
      old.exec(MIGRATIONS_TABLE.sqlite);
      for (const m of [v1, v2]) {
        old.exec(m.sqlite);
        old.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name);
      }
      old.prepare('INSERT INTO meetings (id, created_at, created_by) VALUES (?, ?, ?)').run('oldm-eeti-ng00', at.getTime(), 'v1');
      old.prepare('INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?), (?, ?)').run('old-jti-1', revokedUntil, 'old-jti-2', revokedUntil + 1);
      old.close();

      const store = openSqliteStore(file);
      expect((await store.find('oldm-eeti-ng00'))?.createdBy).toBe('v1');
      const rules = (await store.rules(at)).sort((x, y) => x.value.localeCompare(y.value));
      expect(rules.map((r) => [r.kind, r.value, r.until.getTime()])).toEqual([
        ['jti', 'old-jti-1', revokedUntil],
        ['jti', 'old-jti-2', revokedUntil + 1],
      ]);
      expect(rules.every((r) => UUID_V4.test(r.id))).toBe(true);
      await store.close();
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(latest);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'revoked_tokens'").all()).toEqual([]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!TEST_DATABASE_URL)(
    `when a PostgreSQL schema at version 2 is opened, then its meetings stay and each revoked token becomes a jti rule with the same end${PG_SKIP_NOTE}`,
    async () => {
      const schema = await isolatedSchema();
      try {
        const client = new pg.Client({ connectionString: schema.url });
        await client.connect();
        await client.query(MIGRATIONS_TABLE.postgres);
        for (const m of [v1, v2]) {
          await client.query(m.postgres);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        }
        await client.query('INSERT INTO meetings (id, created_at, created_by) VALUES ($1, $2, $3)', ['oldm-eeti-ng00', at, 'v1']);
        await client.query('INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)', ['old-jti-1', new Date(revokedUntil)]);

        const store = await openPostgresStore(schema.url, logger);
        expect((await store.find('oldm-eeti-ng00'))?.createdBy).toBe('v1');
        const rules = await store.rules(at);
        expect(rules.map((r) => [r.kind, r.value, r.until.getTime()])).toEqual([['jti', 'old-jti-1', revokedUntil]]);
        expect(UUID_V4.test(rules[0]!.id)).toBe(true);
        await store.close();
        expect((await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual(latest);
        expect((await client.query("SELECT to_regclass('revoked_tokens') AS t")).rows).toEqual([{ t: null }]);
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
