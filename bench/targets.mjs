/**
 * The servers under test, each in its own node process so it never shares an event loop (or a
 * core's time slice) with the load generator. Every child is tracked and SIGKILLed when the
 * runner exits for any reason; a preloaded guard makes each child exit when the runner's end of
 * its stdin pipe closes, so even a runner killed with SIGKILL leaves nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CREDENTIALS, REPO_ROOT } from './settings.mjs';

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 12_000;
// Every target starts with the node flags of the Dockerfile's CMD, as the container runs the
// service: the comparison then measures the HTTP layers, not V8 settings one side lacks.
export const NODE_FLAGS = (() => {
  const cmd = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').match(/^CMD\s+(\[.*\])\s*$/m);
  if (!cmd) throw new Error('Dockerfile has no exec-form CMD to start the service with');
  return JSON.parse(cmd[1]).filter((arg) => arg.startsWith('--'));
})();

/**
 * On a 2-core machine the load generator and the server otherwise take turns on both cores and
 * the comparison mostly measures who won the scheduler: each server is pinned to core 0, the
 * runner (the load) to core 1. BENCH_PIN=0 turns it off; it is off where taskset is missing.
 */
export const PINNED = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
export function pinRunner() {
  if (PINNED) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);
}

const SCRIPTS = {
  service: join(REPO_ROOT, 'dist', 'server.js'),
  express: join(REPO_ROOT, 'bench', 'bare-express.js'),
  http: join(REPO_ROOT, 'bench', 'bare-http.js'),
  // An earlier build copied to dist-baseline/ (git-ignored), for quick-compare's before/after A/B.
  baseline: join(REPO_ROOT, 'dist-baseline', 'server.js'),
};
const GUARD = join(REPO_ROOT, 'bench', 'orphan-guard.mjs');

const live = new Set();

/** SIGKILLs every child still running; safe to call from an 'exit' handler (synchronous). */
export function killAll() {
  for (const child of live) child.kill('SIGKILL');
}
process.once('exit', killAll);

/** A port the kernel just handed out; the tiny race until the child binds it is acceptable here. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Reads a `/proc/<pid>/status` field in kB (VmRSS now, VmHWM the peak so far); undefined once gone. */
export function procKb(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one target: `service` is `node dist/server.js` exactly as deployed (NODE_ENV=production,
 * LOG_LEVEL=info, its whole middleware chain) with rate limiting off; `express` and `http` are the
 * bare servers. `env` adds settings (the tracing row's OTLP endpoint). Resolves once it answers HTTP.
 */
export async function startTarget(kind, { databaseUrl, cwd, logFile, nodeArgs = [], env: extraEnv = {} }) {
  const port = await freePort();
  const out = openSync(logFile, 'a');
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
    // One load generator is one client IP: any per-IP limit would throttle the benchmark itself.
    RATE_LIMIT_PER_MINUTE: '0',
    // Production requires both choices; the bare targets are open to anyone too, so this compares alike.
    CLIENT_AUTH: 'none',
    CORS_ORIGINS: '*',
    DATABASE_URL: databaseUrl,
    ...CREDENTIALS,
    ...extraEnv,
  };
  // cwd is the run's temp dir, so the `.env` the service reads from its working directory is never a developer's.
  const child = spawn(process.execPath, [...NODE_FLAGS, ...nodeArgs, '--import', GUARD, SCRIPTS[kind]], { cwd, env, stdio: ['pipe', out, out] });
  if (PINNED) spawnSync('taskset', ['-p', '-c', '0', String(child.pid)]);
  closeSync(out);
  live.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => live.delete(child));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${kind} exited before answering; see ${logFile}`);
    // Any HTTP answer (a 404 from the bare servers) means it listens.
    const up = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not answer within ${READY_TIMEOUT_MS} ms; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    kind,
    url,
    pid: child.pid,
    logFile,
    rssKb: () => procKb(child.pid, 'VmRSS'),
    peakRssKb: () => procKb(child.pid, 'VmHWM'),
    crashed: () => child.exitCode !== null || child.signalCode !== null,
    /** SIGTERM (the service drains and closes its store), SIGKILL if it takes too long. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
