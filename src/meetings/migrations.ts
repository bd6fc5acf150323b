/**
 * Versioned schema migrations, one list for both SQL stores. A store applies, in order and inside
 * one transaction, every version its `schema_migrations` table does not list yet. Add a migration
 * by appending an entry; never edit one that has shipped.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create meetings',
    // created_at: epoch milliseconds in SQLite, timestamptz in PostgreSQL.
    sqlite: `CREATE TABLE meetings (
      id TEXT PRIMARY KEY NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL
    ) WITHOUT ROWID`,
    postgres: `CREATE TABLE meetings (
      id text PRIMARY KEY,
      created_at timestamptz NOT NULL,
      created_by text NOT NULL
    )`,
  },
  {
    version: 2,
    name: 'create revoked_tokens',
    // One row per revoked token id until the token would have expired; expired rows are purged,
    // by expires_at, hence its index. expires_at: epoch milliseconds in SQLite, timestamptz in PostgreSQL.
    sqlite: `CREATE TABLE revoked_tokens (
      jti TEXT PRIMARY KEY NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at)`,
    postgres: `CREATE TABLE revoked_tokens (
      jti text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at)`,
  },
  {
    version: 3,
    name: 'revocation rules replace revoked_tokens',
    // One row per rule (kind jti, subject, room or issuedBefore) until `until`; expired rows are
    // purged by `until`, hence its index. Every revoked token id is kept as a jti rule with the
    // same end. until and created_at: epoch milliseconds in SQLite, timestamptz in PostgreSQL.
    sqlite: `CREATE TABLE revocation_rules (
      id TEXT PRIMARY KEY NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('jti', 'subject', 'room', 'issuedBefore')),
      value TEXT NOT NULL,
      until INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX revocation_rules_until ON revocation_rules (until);
    INSERT INTO revocation_rules (id, kind, value, until, created_at)
      SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
        'jti', jti, expires_at, CAST(strftime('%s', 'now') AS INTEGER) * 1000
      FROM (SELECT jti, expires_at, hex(randomblob(16)) AS h FROM revoked_tokens);
    DROP TABLE revoked_tokens`,
    postgres: `CREATE TABLE revocation_rules (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('jti', 'subject', 'room', 'issuedBefore')),
      value text NOT NULL,
      until timestamptz NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX revocation_rules_until ON revocation_rules (until);
    INSERT INTO revocation_rules (id, kind, value, until, created_at)
      SELECT gen_random_uuid()::text, 'jti', jti, expires_at, now() FROM revoked_tokens;
    DROP TABLE revoked_tokens`,
  },
];

/** The table that records which versions are applied. */
export const MIGRATIONS_TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
};

/** The migrations not in `applied`, in version order. */
export function pending(applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
}
