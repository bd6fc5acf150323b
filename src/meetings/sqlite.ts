import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS_TABLE, pending } from './migrations.js';
import type { Meeting, MeetingStore } from './store.js';

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
  // Revoking twice keeps the later end; RETURNING gives the end now stored.
  const revoke = db.prepare<[string, number], { expires_at: number }>(
    'INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at) RETURNING expires_at',
  );
  const isRevoked = db.prepare<[string, number], { found: number }>('SELECT 1 AS found FROM revoked_tokens WHERE jti = ? AND expires_at > ?');
  const purge = db.prepare<[number]>('DELETE FROM revoked_tokens WHERE expires_at <= ?');

  return {
    kind: 'sqlite',
    async insert(meeting: Meeting) {
      return insert.run(meeting.id, meeting.createdAt.getTime(), meeting.createdBy).changes === 1;
    },
    async find(id: string) {
      const row = find.get(id);
      return row && { id: row.id, createdAt: new Date(row.created_at), createdBy: row.created_by };
    },
    async revoke(jti: string, expiresAt: Date) {
      return new Date(revoke.get(jti, expiresAt.getTime())!.expires_at);
    },
    async isRevoked(jti: string, now: Date) {
      return isRevoked.get(jti, now.getTime()) !== undefined;
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
