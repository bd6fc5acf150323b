import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RevocationRule, RuleKind } from '../revocation/rules.js';
import { MIGRATIONS_TABLE, pending } from './migrations.js';
import type { Meeting, MeetingStore } from './store.js';

interface RuleRow {
  id: string;
  kind: RuleKind;
  value: string;
  until: number;
  created_at: number;
}

/** How often other connections' writes are looked for (PRAGMA data_version): rules reach this instance within it. */
export const SQLITE_WATCH_INTERVAL_MS = 250;

interface Row {
  id: string;
  created_at: number;
  created_by: string;
}

/**
 * A SQLite file store (`sqlite:<path>`) for a single instance. WAL lets readers run beside the
 * writer; synchronous=FULL makes a meeting durable before its 201 is sent, so a crash right after
 * loses nothing. Several processes may open the same file: writes wait up to busy_timeout.
 */
export function openSqliteStore(path: string): MeetingStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const insert = db.prepare<[string, number, string]>('INSERT INTO meetings (id, created_at, created_by) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const find = db.prepare<[string], Row>('SELECT id, created_at, created_by FROM meetings WHERE id = ?');
  const ping = db.prepare('SELECT 1');
  const addRule = db.prepare<[string, string, string, number, number]>(
    'INSERT INTO revocation_rules (id, kind, value, until, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteRule = db.prepare<[string]>('DELETE FROM revocation_rules WHERE id = ?');
  const rules = db.prepare<[number], RuleRow>('SELECT id, kind, value, until, created_at FROM revocation_rules WHERE until > ?');
  const purge = db.prepare<[number]>('DELETE FROM revocation_rules WHERE until <= ?');
  const dataVersion = () => db.pragma('data_version', { simple: true }) as number;

  return {
    kind: 'sqlite',
    async insert(meeting: Meeting) {
      return insert.run(meeting.id, meeting.createdAt.getTime(), meeting.createdBy).changes === 1;
    },
    async find(id: string) {
      const row = find.get(id);
      return row && { id: row.id, createdAt: new Date(row.created_at), createdBy: row.created_by };
    },
    async addRule(rule: RevocationRule) {
      addRule.run(rule.id, rule.kind, rule.value, rule.until.getTime(), rule.createdAt.getTime());
    },
    async deleteRule(id: string) {
      return deleteRule.run(id).changes === 1;
    },
    async rules(now: Date) {
      return rules.all(now.getTime()).map((r) => ({ id: r.id, kind: r.kind, value: r.value, until: new Date(r.until), createdAt: new Date(r.created_at) }));
    },
    watchRules(onChange: () => void) {
      // SQLite has no notifications: data_version changes when another connection (another
      // process on this file) commits. Any commit, meetings too, triggers a reload of the few rules.
      let seen = dataVersion();
      const timer = setInterval(() => {
        if (!db.open) return;
        const now = dataVersion();
        if (now !== seen) {
          seen = now;
          onChange();
        }
      }, SQLITE_WATCH_INTERVAL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
    async purgeExpired(now: Date) {
      return purge.run(now.getTime()).changes;
    },
    async ping() {
      ping.get();
    },
    async close() {
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock first, so two processes starting at once migrate one after the other.
  db.transaction(() => {
    db.exec(MIGRATIONS_TABLE.sqlite);
    const applied = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all();
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending(applied.map((r) => r.version))) {
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, Date.now());
    }
  }).immediate();
}
