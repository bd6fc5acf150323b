/**
 * What the durability tests share (durability-sqlite.test.ts, durability-postgres.test.ts): a
 * crawler token, create load that ends in a SIGKILL, and the whole crash-and-restart round trip.
 */
import { expect } from 'vitest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { startServer, type ServerProcess } from './server-process.js';

export const MEETING_ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
export const LOOPS = 16;
/** Crash rounds against one store: each round's restart must still validate every earlier round's ids. */
export const ROUNDS = 3;
export const TARGET_CREATED = 200;
export const LOAD_LIMIT_MS = 5_000;
/** ROUNDS + 1 server starts, ROUNDS loads and the validations: more than the default 20 s may take. */
export const CRASH_TEST_TIMEOUT_MS = 60_000;

/** A crawler token signed with the same credentials the child processes get, on the real clock. */
export function crawlerToken(): string {
  const credentials = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
  return buildVideoSdkToken({ roles: ['crawler'], participantId: 'durability-test' }, credentials).token;
}

export function post(url: string, path: string, token: string): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
}

export interface LoadResult {
  /** Every meetingId whose 201 body arrived in full. */
  readonly created: string[];
  /** Statuses other than 201, by status: the server should not answer any under this load. */
  readonly otherStatuses: Record<number, number>;
  /** Requests sent and not yet answered at the moment of the SIGKILL. */
  readonly inFlightAtKill: number;
}

/**
 * Runs LOOPS concurrent create loops against `server`; once TARGET_CREATED meetings are created
 * (or LOAD_LIMIT_MS passes), SIGKILLs it mid-flight. Each loop ends at its first network error.
 */
export async function createUntilKilled(server: ServerProcess, token: string): Promise<LoadResult> {
  const created: string[] = [];
  const otherStatuses: Record<number, number> = {};
  let inFlight = 0;
  let enough!: () => void;
  const reached = new Promise<void>((resolve) => (enough = resolve));

  const loop = async () => {
    for (;;) {
      inFlight++;
      try {
        const res = await post(server.url, '/create-meeting', token);
        if (res.status === 201) {
          const body = (await res.json()) as { meetingId: string };
          created.push(body.meetingId);
          if (created.length >= TARGET_CREATED) enough();
        } else {
          otherStatuses[res.status] = (otherStatuses[res.status] ?? 0) + 1;
          await res.arrayBuffer();
        }
      } catch {
        return; // the process is gone (or the body was cut off): this loop is done
      } finally {
        inFlight--;
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);

  const limit = setTimeout(enough, LOAD_LIMIT_MS);
  await reached;
  clearTimeout(limit);
  const inFlightAtKill = inFlight;
  await server.kill();
  await Promise.all(loops);
  return { created, otherStatuses, inFlightAtKill };
}

/** Validates every id on `url`, a few at a time; returns the count per status. */
export async function validateAll(url: string, ids: readonly string[], token: string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await post(url, `/validate-meeting/${id}`, token);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return statuses;
}

const ADMIN = { authorization: `Bearer ${CREDENTIALS.ADMIN_API_KEY}`, 'content-type': 'application/json' };

/** Adds revocation rules (subjects `${prefix}-n`) one after another until the server is gone; answers the rules answered 201. */
async function revokeUntilGone(url: string, prefix: string): Promise<{ id: string; value: string }[]> {
  const added: { id: string; value: string }[] = [];
  for (let n = 0; ; n++) {
    try {
      const res = await fetch(`${url}/revoke`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ subject: `${prefix}-${n}` }) });
      if (res.status !== 201) throw new Error(`POST /revoke answered ${res.status}`);
      added.push((await res.json()) as { id: string; value: string });
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('POST /revoke')) throw error;
      return added; // the process is gone
    }
  }
}

/**
 * The whole crash test for one store: ROUNDS times, create meetings and add revocation rules under
 * load and SIGKILL the server mid-flight, then start a new one on the same store, which must
 * validate every id answered 201 and hold and enforce every rule answered 201, in this round and all
 * earlier ones, before it takes the next round's load. `rowsInStore` reads the store behind the
 * server's back at the end.
 */
export async function crashUnderLoad(
  label: string,
  env: Record<string, string>,
  rowsInStore: (ids: readonly string[]) => Promise<{ total: number; found: number }>,
): Promise<void> {
  const token = crawlerToken();
  /** Every id answered 201 so far, over all rounds; an id handed out twice would show up here. */
  const all: string[] = [];
  const seen = new Set<string>();
  const rules: { id: string; value: string }[] = [];
  let server = await startServer(env);
  for (let round = 1; round <= ROUNDS; round++) {
    const where = `${label} round ${round}/${ROUNDS}`;
    const revoking = revokeUntilGone(server.url, `crash-${round}`);
    const load = await createUntilKilled(server, token);
    const added = await revoking;
    expect(added.length, `${where}: rules added before the kill`).toBeGreaterThan(0);
    rules.push(...added);
    expect(server.child.signalCode, where).toBe('SIGKILL');
    expect(load.otherStatuses, where).toEqual({});
    // The kill must land with requests outstanding, or this round tested a clean stop.
    expect(load.inFlightAtKill, where).toBeGreaterThan(0);
    expect(load.created.length, where).toBeGreaterThan(0);
    const reissued: string[] = [];
    for (const id of load.created) {
      if (seen.has(id)) reissued.push(id);
      seen.add(id);
    }
    expect(reissued, `${where}: ids answered 201 more than once`).toEqual([]);
    all.push(...load.created);

    server = await startServer(env);
    const statuses = await validateAll(server.url, all, token);
    const lost = all.length - (statuses[200] ?? 0);
    console.log(
      `crash test (${where}): ${load.created.length} created, ${load.inFlightAtKill} in flight at the kill; after the restart ${all.length - lost} of ${all.length} ids from all rounds validate`,
    );
    expect(statuses, where).toEqual({ 200: all.length });
    // Every rule answered 201 in any round is listed and enforced by the restarted server.
    const listed = (await (await fetch(`${server.url}/revocations`, { headers: ADMIN })).json()) as { revocations: { id: string }[] };
    const ids = new Set(listed.revocations.map((r) => r.id));
    const lostRules = rules.filter((r) => !ids.has(r.id));
    console.log(
      `crash test (${where}): ${added.length} rules added before the kill; ${rules.length - lostRules.length} of ${rules.length} rules from all rounds held after the restart`,
    );
    expect(lostRules, `${where}: rules lost`).toEqual([]);
    for (const rule of [rules[0]!, rules.at(-1)!]) {
      const minted = await fetch(`${server.url}/conference-token?userId=${rule.value}&roomId=r&role=publisher`);
      expect(minted.status, `${where}: minting for revoked ${rule.value}`).toBe(403);
    }
  }
  expect(await server.stop('SIGTERM')).toBe(0);

  const rows = await rowsInStore(all);
  // Rows beyond N are inserts that committed while their response was cut off by a kill.
  console.log(`crash test (${label}): ${rows.total} rows in the store, ${rows.found} of the ${all.length} created ids among them`);
  expect(rows.found).toBe(all.length);
  expect(rows.total).toBeGreaterThanOrEqual(all.length);
}
