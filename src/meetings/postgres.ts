import pg from 'pg';
import type { Logger } from '../logger.js';
import { MIGRATIONS_TABLE, pending } from './migrations.js';
import type { Meeting, MeetingStore } from './store.js';

/**
 * How long one store call may take, from waiting for a connection to the last row, before the
 * store counts as down. Under 2 s, so an outage answers 503 within 2 s, whatever the outage.
 */
export const POSTGRES_TIMEOUT_MS = 1500;
// Any fixed 64-bit number: every instance takes this advisory lock to migrate one at a time.
const MIGRATION_LOCK = 7_310_422_918;

/**
 * A PostgreSQL store (`postgres://…`) shared by any number of instances. Connection and query
 * timeouts are short so a database outage becomes a quick 503, never a hung request.
 */
export async function openPostgresStore(url: string, logger: Logger): Promise<MeetingStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: POSTGRES_TIMEOUT_MS,
    query_timeout: POSTGRES_TIMEOUT_MS,
    statement_timeout: POSTGRES_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (error) => logger.warn({ err: error }, 'PostgreSQL connection lost'));
  /**
   * pool.query within one budget: getting a connection (a pooled one, or a new one that may hang
   * unanswered) takes part of POSTGRES_TIMEOUT_MS and the query gets only what is left, so the
   * two timeouts never add up. A failed connection is discarded, not returned to the pool.
   */
  async function query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    const deadline = Date.now() + POSTGRES_TIMEOUT_MS;
    const client = await pool.connect();
    try {
      const bounded = { ...config, query_timeout: Math.max(1, deadline - Date.now()) };
      const result = await client.query<R>(bounded);
      client.release();
      return result;
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  return {
    kind: 'postgres',
    async insert(meeting: Meeting) {
      const result = await query({
        name: 'insert-meeting',
        text: 'INSERT INTO meetings (id, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
        values: [meeting.id, meeting.createdAt, meeting.createdBy],
      });
      return result.rowCount === 1;
    },
    async find(id: string) {
      const result = await query<{ id: string; created_at: Date; created_by: string }>({
        name: 'find-meeting',
        text: 'SELECT id, created_at, created_by FROM meetings WHERE id = $1',
        values: [id],
      });
      const row = result.rows[0];
      return row && { id: row.id, createdAt: row.created_at, createdBy: row.created_by };
    },
    async revoke(jti: string, expiresAt: Date) {
      // Revoking twice keeps the later end; RETURNING gives the end now stored.
      const result = await query<{ expires_at: Date }>({
        name: 'revoke-token',
        text: `INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
          ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(revoked_tokens.expires_at, EXCLUDED.expires_at)
          RETURNING expires_at`,
        values: [jti, expiresAt],
      });
      return result.rows[0]!.expires_at;
    },
    async isRevoked(jti: string, now: Date) {
      const result = await query({
        name: 'is-revoked',
        text: 'SELECT 1 FROM revoked_tokens WHERE jti = $1 AND expires_at > $2',
        values: [jti, now],
      });
      return result.rowCount === 1;
    },
    async purgeExpired(now: Date) {
      const result = await query({ name: 'purge-revoked', text: 'DELETE FROM revoked_tokens WHERE expires_at <= $1', values: [now] });
      return result.rowCount ?? 0;
    },
    async ping() {
      await query({ text: 'SELECT 1' });
    },
    async close() {
      await pool.end();
    },
  };
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(MIGRATIONS_TABLE.postgres);
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const migration of pending(applied.rows.map((r) => r.version))) {
      await client.query(migration.postgres);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
