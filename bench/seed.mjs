/**
 * Preloads meeting registries for /validate-meeting: the schema comes from the service's own
 * store (dist/), so migrations are the real ones; the rows go in by bulk SQL, since a million
 * HTTP calls would measure /create-meeting instead.
 *
 * Ids are `md5(i)` cut into the meeting-id shape, computed identically in JS and in PostgreSQL:
 * random-looking order in the key space, as real ids are, and the runner can name the ids that
 * exist without reading them back.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqliteStore } from '../dist/meetings/sqlite.js';
import { openPostgresStore } from '../dist/meetings/postgres.js';

const quietLogger = { warn() {}, info() {}, error() {} };

/** The id of the i-th seeded meeting (1-based). */
export function meetingId(i) {
  const h = createHash('md5').update(String(i)).digest('hex');
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}`;
}

/** `n` ids of seeded meetings spread evenly over the insertion order of `count`. */
export function sampleIds(count, n = 1000) {
  const ids = [];
  for (let k = 0; k < Math.min(n, count); k++) ids.push(meetingId(1 + Math.floor((k * count) / Math.min(n, count))));
  return ids;
}

/** How many revocation rules each registry holds, so every target enforces a real rule set. */
export const SEEDED_RULES = 100;

/**
 * Revocation rules none of the bench's requests match (users, rooms and token ids of nobody the
 * bench asks for), lasting past the run: every request is checked against them and passes.
 */
async function seedRules(store) {
  const kinds = ['subject', 'room', 'jti', 'subject', 'room'];
  const now = new Date();
  const until = new Date(now.getTime() + 86_400_000);
  for (let i = 0; i < SEEDED_RULES; i++) {
    const kind = kinds[i % kinds.length];
    await store.addRule({ id: `bench-rule-${i}`, kind, value: `bench-revoked-${kind}-${i}`, until, createdAt: now });
  }
}

/** A SQLite registry of `count` meetings at `path`, migrated by the service's store, with the bench's revocation rules. */
export async function seedSqlite(path, count) {
  const store = openSqliteStore(path);
  await seedRules(store);
  await store.close();
  const db = new Database(path);
  // Durability is irrelevant while seeding a throwaway file; the servers reopen it with their own pragmas.
  db.pragma('synchronous = OFF');
  const insert = db.prepare('INSERT OR IGNORE INTO meetings (id, created_at, created_by) VALUES (?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (let i = 1; i <= count; i++) insert.run(meetingId(i), now, 'bench');
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const rows = db.prepare('SELECT count(*) AS n FROM meetings').get().n;
  db.close();
  return rows;
}

/** `baseUrl` with every connection's search_path set to `schema`. */
export function schemaUrl(baseUrl, schema) {
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function withClient(baseUrl, fn) {
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A PostgreSQL registry of `count` meetings in a fresh schema; resolves to the URL that selects it. */
export async function seedPostgres(baseUrl, schema, count) {
  await withClient(baseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`));
  const url = schemaUrl(baseUrl, schema);
  const store = await openPostgresStore(url, quietLogger);
  await seedRules(store);
  await store.close();
  const batch = 250_000;
  const rows = await withClient(url, async (c) => {
    for (let from = 1; from <= count; from += batch) {
      const to = Math.min(count, from + batch - 1);
      await c.query(
        `INSERT INTO meetings (id, created_at, created_by)
         SELECT substr(h, 1, 4) || '-' || substr(h, 5, 4) || '-' || substr(h, 9, 4), now(), 'bench'
         FROM (SELECT md5(i::text) AS h FROM generate_series($1::int, $2::int) AS i) AS s
         ON CONFLICT (id) DO NOTHING`,
        [from, to],
      );
    }
    // Fresh statistics, as autovacuum would eventually give a long-lived table.
    await c.query('VACUUM ANALYZE meetings');
    return Number((await c.query('SELECT count(*) AS n FROM meetings')).rows[0].n);
  });
  return { url, rows };
}

/** Drops the schemas this run made; never throws (it runs during cleanup). */
export async function dropSchemas(baseUrl, schemas) {
  if (schemas.length === 0) return;
  await withClient(baseUrl, (c) => c.query(schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE`).join('; '))).catch((error) =>
    process.stderr.write(`bench: could not drop schemas ${schemas.join(', ')}: ${error.message}\n`),
  );
}
