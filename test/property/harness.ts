/**
 * The HTTP side of the property tests: the app served in-process on an ephemeral port, a client
 * that sends exactly the bytes a property generated (node:http for well-formed requests, node:net
 * for requests that lie about their length), a count of the generated requests, the run budget,
 * and the invariants every response must keep.
 */
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';
import fc from 'fast-check';
import { PROBLEMS, PROBLEM_TYPE_PREFIX, type ProblemCode } from '../../src/errors.js';

// ---- the run budget -------------------------------------------------------------------------

/**
 * The run budget. `npm test` runs every property at its own base count (about 2,500 generated
 * requests in all), which counts as FUZZ_RUNS={@link BASE_RUNS}. `npm run fuzz` sets FUZZ_RUNS=20000:
 * every run count, timeout and request floor is multiplied by FUZZ_RUNS / BASE_RUNS (20 times).
 * Each HTTP test file asserts its floor of generated requests when it ends: routes 1,000, bodies
 * 700, meetings 300, so `npm test` sends at least 2,000.
 */
export const BASE_RUNS = 1000;
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? '');
export const SCALE = Number.isFinite(fuzzRuns) && fuzzRuns > 0 ? fuzzRuns / BASE_RUNS : 1;

/** The run count of a property that makes `base` runs in `npm test`. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * SCALE));
}

/** A test timeout for a property that needs `ms` in `npm test`. */
export function timeoutFor(ms: number): number {
  return Math.round(ms * Math.max(1, SCALE));
}

/** fc.assert options: the run count, and FUZZ_SEED (printed by a failing run) to replay one. */
export function budget(base: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED ?? '');
  return { numRuns: runs(base), ...(Number.isInteger(seed) && process.env.FUZZ_SEED ? { seed } : {}) };
}

// ---- the server and the client ----------------------------------------------------------------

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON when the response says it is JSON; else undefined. */
  readonly body: any;
}

export interface Outgoing {
  readonly method: string;
  /** The request target exactly as sent: path and query, already encoded. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  readonly chunked?: boolean;
}

export interface Served {
  readonly port: number;
  /** How many generated requests this server answered through {@link Served.send} or {@link Served.raw}. */
  readonly sent: () => number;
  send(request: Outgoing): Promise<Reply>;
  /** Writes `bytes` on a fresh connection and resolves with everything the server sent back. */
  raw(bytes: Buffer): Promise<Buffer>;
  /** GET /healthz, not counted as a generated request. */
  health(): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 with an ephemeral port. `maxHeaderSize` is raised above Node's
 * 16 KB default so that 100 KB query strings reach the app (see routes.test.ts for what the
 * default limit answers).
 */
export async function serve(handler: RequestListener, options: { maxHeaderSize?: number } = {}): Promise<Served> {
  const server: Server = createServer({ maxHeaderSize: options.maxHeaderSize ?? 1 << 20 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let count = 0;

  const exchange = (out: Outgoing): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const body = out.body === undefined ? undefined : Buffer.isBuffer(out.body) ? out.body : Buffer.from(out.body, 'utf8');
      const headers: Record<string, string | number> = { ...out.headers };
      if (body !== undefined && !out.chunked) headers['Content-Length'] = body.length;
      const req = httpRequest({ host: '127.0.0.1', port, agent, method: out.method, path: out.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const type = res.headers['content-type'] ?? '';
          let parsed: unknown;
          if (/^application\/(problem\+)?json/.test(type) && text !== '') parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      });
      req.on('error', reject);
      if (body === undefined) {
        req.end();
      } else if (out.chunked) {
        // Two chunks, so the server really reads a chunked stream.
        const half = Math.floor(body.length / 2);
        req.write(body.subarray(0, half));
        req.end(body.subarray(half));
      } else {
        req.end(body);
      }
    });

  return {
    port,
    sent: () => count,
    async send(out) {
      count++;
      return exchange(out);
    },
    raw(bytes) {
      count++;
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks)));
      });
    },
    health: () => exchange({ method: 'GET', path: '/healthz' }),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The app is still alive and well: GET /healthz answers 200 {"status":"ok"}. */
export async function expectHealthy(served: Served): Promise<void> {
  const res = await served.health();
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
}

/** One HTTP response read off a raw connection. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly body: any;
}

/** Splits what a connection received into its HTTP responses (each framed by Content-Length, or empty). */
export function responses(bytes: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const text = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    const json = /^application\/(problem\+)?json/.test(headers['content-type'] ?? '') && text !== '';
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, text, body: json ? JSON.parse(text) : undefined });
    rest = rest.subarray(end + 4 + length);
  }
}

// ---- the invariants -------------------------------------------------------------------------

/** A problem code from the catalogue, by its `type` URI; undefined for any other type. */
export function problemCode(type: unknown): ProblemCode | undefined {
  if (typeof type !== 'string' || !type.startsWith(PROBLEM_TYPE_PREFIX)) return undefined;
  const code = type.slice(PROBLEM_TYPE_PREFIX.length);
  return Object.hasOwn(PROBLEMS, code) ? (code as ProblemCode) : undefined;
}

/**
 * What every error a client sees must be: RFC 9457 problem+json from the catalogue, whose
 * `status` is the HTTP status and whose `title` is the code's; a 400 for bad arguments lists the
 * bad fields in `errors[]` and joins their messages in `detail`. Returns the problem's code.
 */
export function expectCatalogueProblem(res: Pick<Reply, 'status' | 'headers' | 'body' | 'text'>, status?: number): ProblemCode {
  expect(res.status, `a 5xx is never an answer to input: ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (status !== undefined) expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.headers['content-type'], res.text.slice(0, 300)).toMatch(/^application\/problem\+json(;|$)/);
  const body = res.body as Record<string, unknown>;
  const code = problemCode(body.type);
  expect(code, `type ${String(body.type)} is a catalogue code`).toBeDefined();
  expect(body.status).toBe(res.status);
  expect(PROBLEMS[code!].status).toBe(res.status);
  expect(body.title).toBe(PROBLEMS[code!].title);
  expect(typeof body.detail).toBe('string');
  if (code === 'invalid-request') {
    const errors = body.errors as { field: unknown; message: unknown }[];
    expect(Array.isArray(errors) && errors.length > 0, 'a 400 invalid-request names the bad fields').toBe(true);
    for (const e of errors) {
      expect(typeof e.field).toBe('string');
      expect(typeof e.message).toBe('string');
      expect(e.message as string, 'each message names its field').toContain(e.field as string);
    }
    expect(body.detail).toBe(errors.map((e) => e.message).join('; '));
  } else {
    expect(body.errors).toBeUndefined();
  }
  // Problem bodies never carry a stack trace.
  expect(res.text).not.toMatch(/\bat .+\.(js|ts):\d+/);
  return code!;
}

/** The fields a 400 names, sorted. */
export function badFields(res: Reply): string[] {
  return ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field).sort();
}

/** Every API response, errors included, is uncacheable. */
export function expectNoStore(res: Reply): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
  expect(res.headers.expires).toBe('0');
}
