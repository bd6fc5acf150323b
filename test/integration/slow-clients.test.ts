/**
 * Slow and stalled clients against the real server process: a request whose headers never finish,
 * a body that never arrives (or trickles in), a connection that sends nothing and an idle
 * keep-alive connection are each cut off close to their timeout (HEADERS_TIMEOUT_MS,
 * REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, short here), and many of them at once do not keep
 * normal requests from being answered promptly.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { killAll, startServer, type ServerProcess } from './server-process.js';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const KEEP_ALIVE_TIMEOUT_MS = 500;
/** Node keeps an idle keep-alive socket this much longer than the Keep-Alive header advertises. */
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;
/** A cut may come this late: the server sweeps every HEADERS_TIMEOUT_MS / 2, plus scheduling. */
const LATE_MS = 2000;
/** Timer granularity between two processes; a cut earlier than its timeout by more is a bug. */
const EARLY_MS = 20;
const SLOW_SOCKETS = 50;
/**
 * Normal requests' latency bounds while the slow connections are open. The median is the real
 * check; the maximum tolerates one stall of a machine busy with other test files.
 */
const NORMAL_P50_LIMIT_MS = 250;
const NORMAL_MAX_LIMIT_MS = 2000;
const REQUEST_TIMEOUT_408 = /^HTTP\/1\.1 408 Request Timeout\r\n/;

let server: ServerProcess;
let port: number;
const token = buildVideoSdkToken(
  { roles: ['crawler'], participantId: 'slow-client-test' },
  { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) },
).token;

beforeAll(async () => {
  server = await startServer({
    HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  // Stalled clients must not hold up a graceful stop either.
  if (server !== undefined) expect(await server.stop('SIGTERM')).toBe(0);
  await killAll();
});

interface Cut {
  /** From the connect() call to the server's close, in ms. */
  readonly elapsedMs: number;
  /** Everything the server sent. */
  readonly received: string;
}

interface SlowClient {
  readonly socket: Socket;
  /** Resolves when the server closes the connection. */
  readonly cut: Promise<Cut>;
  open(): boolean;
}

/** Connects, writes `payload` (if any) and then nothing more; the clock starts at connect(). */
function slowClient(payload?: string): SlowClient {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {}); // a reset is a cut as well; 'close' follows
  if (payload !== undefined) socket.once('connect', () => socket.write(payload));
  const cut = new Promise<Cut>((resolve) => {
    socket.once('close', () => {
      closed = true;
      resolve({ elapsedMs: performance.now() - started, received });
    });
  });
  return { socket, cut, open: () => !closed };
}

const PARTIAL_HEADERS = 'GET /conference-token?userId=u&roomId=r&role=admin HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n';
const PARTIAL_REQUEST_LINE = 'GET /conference-tok';
const BODY_NEVER_SENT =
  'POST /create-meeting HTTP/1.1\r\nHost: 127.0.0.1\r\n' + `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n`;

/** Error-level (or worse) log lines: a slow client is the client's problem, never a server fault. */
function errorLines(): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
}

function expectCutWithin(cut: Cut, timeoutMs: number, lateMs = LATE_MS): void {
  expect(cut.elapsedMs, `cut after ${Math.round(cut.elapsedMs)} ms`).toBeGreaterThanOrEqual(timeoutMs - EARLY_MS);
  expect(cut.elapsedMs, `cut after ${Math.round(cut.elapsedMs)} ms`).toBeLessThanOrEqual(timeoutMs + lateMs);
}

const report = (what: string, cuts: readonly Cut[]) =>
  console.log(`slow clients: ${what}: cut after ${cuts.map((c) => Math.round(c.elapsedMs)).join(', ')} ms`);

describe(`slow clients (HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS}, REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}, KEEP_ALIVE_TIMEOUT_MS=${KEEP_ALIVE_TIMEOUT_MS})`, () => {
  it('when a client sends part of the request line or headers and stops, then it gets a 408 and the connection is closed after the headers timeout', async () => {
    const cuts = await Promise.all([slowClient(PARTIAL_HEADERS).cut, slowClient(PARTIAL_REQUEST_LINE).cut]);
    report('partial headers, partial request line', cuts);
    for (const cut of cuts) {
      expect(cut.received).toMatch(REQUEST_TIMEOUT_408);
      expect(cut.received).toMatch(/\r\nConnection: close\r\n/i);
      expectCutWithin(cut, HEADERS_TIMEOUT_MS);
    }
    expect(errorLines()).toEqual([]);
  });

  it('when a POST announces a body and never sends it (or trickles it), then it gets a 408 after the request timeout, not the headers timeout', async () => {
    const silent = slowClient(BODY_NEVER_SENT);
    // One byte every 200 ms: never idle, but never done either; the request timeout is for the whole request.
    const trickling = slowClient(BODY_NEVER_SENT);
    const drip = setInterval(() => trickling.open() && trickling.socket.write(' '), 200);
    const cuts = await Promise.all([silent.cut, trickling.cut]).finally(() => clearInterval(drip));
    report('body never sent, body trickled', cuts);
    for (const cut of cuts) {
      expect(cut.received).toMatch(REQUEST_TIMEOUT_408);
      expect(cut.received).not.toContain('"meetingId"');
      expectCutWithin(cut, REQUEST_TIMEOUT_MS);
    }
    expect(errorLines()).toEqual([]);
  });

  it('when a client connects and sends nothing at all, then the connection is closed after the headers timeout', async () => {
    const cut = await slowClient().cut;
    report('nothing sent', [cut]);
    // Node answers 408 here too; what matters is that the socket does not stay open.
    expect(cut.received === '' || cut.received.startsWith('HTTP/1.1 408 Request Timeout\r\n'), cut.received).toBe(true);
    expectCutWithin(cut, HEADERS_TIMEOUT_MS);
  });

  it('when a keep-alive connection sits idle after its response, then it is closed after the keep-alive timeout', async () => {
    const idle = slowClient('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const cut = await idle.cut;
    report('idle keep-alive', [cut]);
    expect(cut.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(cut.received).toMatch(new RegExp(`\\r\\nKeep-Alive: timeout=${Math.floor(KEEP_ALIVE_TIMEOUT_MS / 1000)}\\r\\n`, 'i'));
    expectCutWithin(cut, KEEP_ALIVE_TIMEOUT_MS + NODE_KEEP_ALIVE_BUFFER_MS);
  });

  it(`when ${SLOW_SOCKETS} slow clients hold connections open, then normal requests are still answered promptly, and every slow one is cut on time`, async () => {
    const payloads = [PARTIAL_HEADERS, PARTIAL_REQUEST_LINE, BODY_NEVER_SENT, undefined];
    const slow = Array.from({ length: SLOW_SOCKETS }, (_, i) => ({
      payload: payloads[i % payloads.length],
      client: slowClient(payloads[i % payloads.length]),
    }));
    await Promise.all(slow.map(({ client }) => new Promise((resolve) => client.socket.once('connect', resolve))));

    // Normal traffic, 8 at a time, for as long as every slow connection is still open.
    const normal = [
      { path: '/healthz', init: {} },
      { path: '/conference-token?userId=alice&roomId=room1&role=publisher', init: {} },
      { path: '/get-token?roles=rtc', init: {} },
      { path: '/create-meeting', init: { method: 'POST', headers: { authorization: `Bearer ${token}` } } },
    ];
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    let whileAllOpen = 0;
    const allOpen = () => slow.every(({ client }) => client.open());
    const worker = async (w: number) => {
      for (let i = w; allOpen(); i += 8) {
        const { path, init } = normal[i % normal.length]!;
        const t0 = performance.now();
        const res = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (allOpen()) whileAllOpen++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));

    const sorted = [...latencies].sort((a, b) => a - b);
    const p = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    console.log(
      `slow clients: ${whileAllOpen} normal requests answered while all ${SLOW_SOCKETS} slow connections were open (${latencies.length} in all): p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms; statuses ${JSON.stringify(statuses)}`,
    );
    // Served while the slow ones were all still waiting to be cut, not after they were gone.
    expect(whileAllOpen).toBeGreaterThanOrEqual(50);
    expect(
      Object.keys(statuses).every((status) => status === '200' || status === '201'),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(p(0.5)).toBeLessThan(NORMAL_P50_LIMIT_MS);
    expect(p(1)).toBeLessThan(NORMAL_MAX_LIMIT_MS);

    const cuts = await Promise.all(slow.map(({ client }) => client.cut));
    for (const [kind, timeoutMs] of [
      ['headers', HEADERS_TIMEOUT_MS],
      ['request', REQUEST_TIMEOUT_MS],
    ] as const) {
      const these = cuts.filter((_, i) => (slow[i]!.payload === BODY_NEVER_SENT) === (kind === 'request'));
      const ms = these.map((c) => Math.round(c.elapsedMs));
      console.log(`slow clients: ${these.length} of the ${SLOW_SOCKETS} on the ${kind} timeout cut after ${Math.min(...ms)}..${Math.max(...ms)} ms`);
      for (const cut of these) expectCutWithin(cut, timeoutMs);
    }
    expect(errorLines()).toEqual([]);
  });
});
