import pg from 'pg';
import type { Logger } from '../logger.js';
import type { RevocationRule, RuleKind } from '../revocation/rules.js';
import { MIGRATIONS_TABLE, pending } from './migrations.js';
import type { Meeting, MeetingStore } from './store.js';

/**
 * How long one store call may take, from waiting for a connection to the last row, before the
 * store counts as down. Under 2 s, so an outage answers 503 within 2 s, whatever the outage.
 */
export const POSTGRES_TIMEOUT_MS = 1500;
// Any fixed 64-bit number: every instance takes this advisory lock to migrate one at a time.
const MIGRATION_LOCK = 7_310_422_918;
/** The channel rule changes are announced on (NOTIFY), in the same statement as the change. */
export const RULES_CHANNEL = 'rtc_token_server_revocation_rules';
/** After the listening connection drops, how long before connecting again. */
const RELISTEN_DELAY_MS = 1000;

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
    async addRule(rule: RevocationRule) {
      await query({
        name: 'add-rule',
        text: `WITH added AS (
            INSERT INTO revocation_rules (id, kind, value, until, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
          ) SELECT pg_notify('${RULES_CHANNEL}', id) FROM added`,
        values: [rule.id, rule.kind, rule.value, rule.until, rule.createdAt],
      });
    },
    async deleteRule(id: string) {
      const result = await query({
        name: 'delete-rule',
        text: `WITH gone AS (DELETE FROM revocation_rules WHERE id = $1 RETURNING id) SELECT pg_notify('${RULES_CHANNEL}', id) FROM gone`,
        values: [id],
      });
      return result.rowCount === 1;
    },
    async rules(now: Date) {
      const result = await query<{ id: string; kind: RuleKind; value: string; until: Date; created_at: Date }>({
        name: 'rules-in-force',
        text: 'SELECT id, kind, value, until, created_at FROM revocation_rules WHERE until > $1',
        values: [now],
      });
      return result.rows.map((r) => ({ id: r.id, kind: r.kind, value: r.value, until: r.until, createdAt: r.created_at }));
    },
    watchRules(onChange: () => void) {
      return listen(url, logger, onChange);
    },
    async purgeExpired(now: Date) {
      const result = await query({ name: 'purge-rules', text: 'DELETE FROM revocation_rules WHERE until <= $1', values: [now] });
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

/**
 * LISTENs for rule changes on a connection of its own (a pooled one would be handed back), and
 * calls `onChange` for each. A dropped connection is replaced after RELISTEN_DELAY_MS. `onChange`
 * is also called each time LISTEN takes effect, the first time included, since announcements made
 * before it reached nobody.
 * Returns the function that stops listening.
 */
function listen(url: string, logger: Logger, onChange: () => void): () => void {
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lost = false;
  const again = () => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, RELISTEN_DELAY_MS);
    timer.unref();
  };
  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: POSTGRES_TIMEOUT_MS });
    client = next;
    next.on('notification', () => onChange());
    next.on('error', (error) => {
      if (!lost) logger.warn({ err: error }, 'PostgreSQL connection for revocation rule changes lost; reconnecting');
      lost = true;
      next.end().catch(() => {});
      again();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${RULES_CHANNEL}`);
      if (stopped) return void next.end().catch(() => {});
      if (lost) logger.info('listening for revocation rule changes again');
      lost = false;
      // Changes announced before LISTEN took effect (while starting, or while the connection was
      // down) reached nobody: read the rules once more now that no announcement can be missed.
      onChange();
    } catch (error) {
      if (!lost) logger.warn({ err: error }, 'cannot listen for revocation rule changes; retrying');
      lost = true;
      next.end().catch(() => {});
      again();
    }
  }
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    client?.end().catch(() => {});
  };
}
