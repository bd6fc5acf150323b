/**
 * PostgreSQL for tests: runs when TEST_DATABASE_URL is set (.ci/run sets it), each suite in a
 * schema of its own that is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
/** Appended to suite titles so a run without PostgreSQL says what it skipped. */
export const PG_SKIP_NOTE = TEST_DATABASE_URL ? '' : ' (skipped: set TEST_DATABASE_URL to run)';

/** A fresh schema; `url` points every connection's search_path at it. */
export async function isolatedSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const base = TEST_DATABASE_URL!;
  const schema = `rts_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
