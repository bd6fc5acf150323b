/**
 * The real server as a child process (`node dist/server.js`, built by test/global-setup.ts), for
 * tests that need process-level behaviour: restarts, SIGTERM, SIGKILL.
 *
 * The child's environment is built from scratch: PATH, fixed test settings, the fixed credentials
 * of test/fixtures.ts, then the caller's `env`. process.env is not inherited, so a developer's
 * shell variables cannot leak in; it runs in the system's temp directory, so the `.env` server.ts
 * reads from its working directory is never a developer's. DATABASE_URL is always set (default
 * `memory:`) so a test can never touch a real store by accident.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CREDENTIALS } from '../fixtures.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 15_000;
const KEPT_LINES = 400;

export interface ServerProcess {
  /** `http://127.0.0.1:<port>`, the port the server reported. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends SIGKILL and resolves once the process is gone. */
  kill(): Promise<void>;
  /** The last lines the process wrote, stdout and stderr interleaved, for failure messages. */
  output(): string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child not yet seen exiting, so cleanup can reach it whatever a test did. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Kills every server process still running; call from afterEach/afterAll. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Starts `node [nodeArgs] dist/server.js` and resolves once it logs the port it listens on. */
export function startServer(env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  // Run from a scratch directory: a developer's .env in the repo must not leak into the test.
  const child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist', 'server.js')], {
    cwd: tmpdir(),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '0',
      DATABASE_URL: 'memory:',
      ...CREDENTIALS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);

  const lines: string[] = [];
  const keep = (stream: string, line: string) => {
    lines.push(`[${stream}] ${line}`);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  const output = () => lines.join('\n');

  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const waitExit = (): Promise<Exit> =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve({ code: child.exitCode, signal: child.signalCode }) : exited;

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
    });
    const result = await Promise.race([waitExit(), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await waitExit();
      throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; killed it\n${output()}`);
    }
    return result.code;
  }

  async function kill(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitExit();
  }

  return new Promise<ServerProcess>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Give the streams a moment to deliver the last lines before reporting them.
      setTimeout(() => reject(new Error(`server did not start: ${reason}\n${output()}`)), 50);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`no "listening on" log line within ${READY_TIMEOUT_MS} ms`);
    }, READY_TIMEOUT_MS);

    createInterface({ input: child.stderr }).on('line', (line) => keep('stderr', line));
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep('stdout', line);
      if (settled) return;
      let entry: { msg?: unknown; port?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (typeof entry.port === 'number' && typeof entry.msg === 'string' && entry.msg.startsWith('listening on http://')) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${entry.port}`, child, stop, kill, output });
      }
    });
    child.once('error', (error) => fail(`spawn failed: ${error.message}`));
    void exited.then(({ code, signal }) => fail(`exited before listening (code ${code}, signal ${signal})`));
  });
}
