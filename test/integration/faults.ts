/**
 * What the fault tests share (faults-postgres.test.ts, faults-redis.test.ts): timed requests, the
 * token routes that must keep serving, log reading and polling. See those files for what must hold.
 */
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { type ServerProcess } from './server-process.js';

/** The bound every answer must meet while a dependency is down: a correctness bound, not a benchmark. */
export const ANSWER_WITHIN_MS = 2_000;
/** How long the service may take to notice the store is back. */
export const RECOVERY_DEADLINE_MS = 15_000;
export const MEETING_ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
export const PROBLEM_JSON = /^application\/problem\+json/;

/** A crawler token signed with the credentials the child processes get, on the real clock. */
export function crawlerToken(): string {
  const credentials = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
  return buildVideoSdkToken({ roles: ['crawler'], participantId: 'faults-test' }, credentials).token;
}

export interface Timed {
  readonly status: number;
  readonly contentType: string;
  readonly retryAfter: string | null;
  readonly body: any;
  readonly ms: number;
}

/** One request, timed from send to the end of the body; aborted well after the bound so a hang fails clearly. */
export async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 5) });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body, ms };
}

export const post = (url: string, path: string, token: string) => timed(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** One GET per token route; none of them touches the meeting store or needs Redis. */
export const TOKEN_ROUTES = [
  '/access_token?channelName=room1&uid=42&role=publisher',
  '/rtm_token?uid=alice',
  '/get-token?roles=crawler&participantId=p1',
  '/hms/app-token?roomId=room1&userId=alice&role=host',
  '/conference-token?userId=alice&roomId=room1&role=publisher',
  '/chat-token?userId=alice&channelId=general',
] as const;

export async function expectTokenRoutesServe(url: string, headers: Record<string, string> = {}): Promise<number[]> {
  const times: number[] = [];
  for (const path of TOKEN_ROUTES) {
    const res = await timed(`${url}${path}`, { headers });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    expect(typeof res.body.token).toBe('string');
    expect(res.ms, `${path} answered in ${res.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    times.push(res.ms);
  }
  return times;
}

/** Asserts a 503 store-unavailable problem, answered within the bound. */
export function expectStoreUnavailable(res: Timed, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
  expect(res.contentType).toMatch(PROBLEM_JSON);
  expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:store-unavailable', status: 503 });
  expect(res.retryAfter, `${what}: Retry-After`).toMatch(/^\d+$/);
  expect(res.ms, `${what} answered in ${res.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
}

/** The pino lines the child wrote so far, parsed. */
export function logEntries(server: ServerProcess): { level: number; msg: string; [key: string]: unknown }[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('[stdout] {'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice('[stdout] '.length))];
      } catch {
        return [];
      }
    });
}

/** Polls `check` until it returns a value other than undefined, or fails after `deadlineMs`. */
export async function until<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await check();
    const ms = performance.now() - started;
    if (value !== undefined) return { value, ms };
    if (ms > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pino warning with message `msg`, once the child has flushed it (pino writes at least every second). */
export const warned = (server: ServerProcess, msg: string) =>
  until(`warning "${msg}" in the log`, 5_000, () => logEntries(server).find((entry) => entry.level === 40 && entry.msg === msg));

/** A port on 127.0.0.1 nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
