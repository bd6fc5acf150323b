/**
 * Starting `node dist/server.js` as an operator would: the production checks stop the start with
 * exit 1 and a message naming the variable (never a value), and the unsafe choices made
 * explicitly start with one warning line each.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIALS } from '../fixtures.js';
import { killAll, REPO_ROOT, startServer } from './server-process.js';

const SERVER = join(REPO_ROOT, 'dist', 'server.js');
const LONG = (tag: string) => `${tag}-0123456789abcdef0123456789abcdef`;
const NO_CREDENTIALS = Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, '']));

/** Runs the server in a scratch directory with exactly `env` (plus PATH) until it exits (killed after 10 s). */
function startAndExit(env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [SERVER],
      {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: 'memory:', LOG_LEVEL: 'info', ...env },
        timeout: 10_000,
      },
      (_error, stdout, stderr) => resolve({ status: child.exitCode, output: `${stdout}${stderr}` }),
    );
  });
}

/** The JSON log lines of a running server at warn level. */
function warnings(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('[stdout] {'))
    .map((line) => JSON.parse(line.slice('[stdout] '.length)) as { level: number; msg: string })
    .filter((entry) => entry.level === 40)
    .map((entry) => entry.msg);
}

afterEach(killAll);

// Each case is its own process: they run side by side.
describe.concurrent('a production start that must stop', () => {
  it('when NODE_ENV=production has only MASTER_KEY/MASTER_SECRET, then exit 1 names CLIENT_AUTH and CORS_ORIGINS', async ({ expect }) => {
    const run = await startAndExit({ NODE_ENV: 'production', MASTER_KEY: CREDENTIALS.MASTER_KEY, MASTER_SECRET: CREDENTIALS.MASTER_SECRET });
    expect(run.status).toBe(1);
    expect(run.output).toContain('CORS_ORIGINS must be set in production');
    expect(run.output).toContain('CLIENT_AUTH must be set in production');
    expect(run.output).not.toContain('listening on');
  });

  it('when VIDEOSDK_SECRET=a in production, then exit 1 names it', async ({ expect }) => {
    const run = await startAndExit({ NODE_ENV: 'production', CLIENT_AUTH: 'none', CORS_ORIGINS: '*', VIDEOSDK_API_KEY: 'k', VIDEOSDK_SECRET: 'a' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('VIDEOSDK_SECRET must be at least 32 characters in production');
  });

  it('when CLIENT_JWT_SECRET equals MASTER_SECRET, then exit 1 names both and neither value', async ({ expect }) => {
    const run = await startAndExit({
      ...CREDENTIALS,
      NODE_ENV: 'production',
      CORS_ORIGINS: '*',
      CLIENT_AUTH: 'jwt',
      CLIENT_JWT_SECRET: CREDENTIALS.MASTER_SECRET,
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('MASTER_SECRET and CLIENT_JWT_SECRET hold the same value');
    expect(run.output).not.toContain(CREDENTIALS.MASTER_SECRET);
  });

  it('when REDIS_URL is malformed, then exit 1 names it and the password never appears', async ({ expect }) => {
    const run = await startAndExit({ ...CREDENTIALS, NODE_ENV: 'test', REDIS_URL: 'redis://:hunter2-pass@redis:abc' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('REDIS_URL must be redis://');
    expect(run.output).not.toContain('hunter2');
  });

  it('when CLIENT_JWKS_URL carries a password, then exit 1 without it', async ({ expect }) => {
    const run = await startAndExit({
      ...CREDENTIALS,
      NODE_ENV: 'test',
      CLIENT_AUTH: 'jwt',
      CLIENT_JWKS_URL: 'https://svc:hunter2-pass@id.example.com/jwks.json',
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('CLIENT_JWKS_URL must not carry a user name or password');
    expect(run.output).not.toContain('hunter2');
  });

  it("when ADMIN_API_KEY='correct horse battery staple', then exit 1: no client could ever send it", async ({ expect }) => {
    const run = await startAndExit({ ...CREDENTIALS, NODE_ENV: 'test', ADMIN_API_KEY: 'correct horse battery staple' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('ADMIN_API_KEY must be visible ASCII characters without spaces');
  });
});

describe('a production start with unsafe choices made explicitly', () => {
  it('when NODE_ENV=Production, CLIENT_AUTH=none and CORS_ORIGINS=* with no credentials, then it starts, warns once for each, and is not ready', async () => {
    const server = await startServer({ ...NO_CREDENTIALS, NODE_ENV: 'Production', CLIENT_AUTH: 'none', CORS_ORIGINS: '*' });
    const token = await fetch(`${server.url}/conference-token?userId=ceo&roomId=board&role=admin`);
    expect(token.status).toBe(503);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { providers: unknown }).providers).toEqual({ agora: false, videosdk: false, '100ms': false, native: false });
    expect(await server.stop()).toBe(0);
    const warned = warnings(server.output());
    expect(warned.filter((msg) => msg.startsWith('CORS_ORIGINS=*: any web page'))).toHaveLength(1);
    expect(warned.filter((msg) => msg.startsWith('CLIENT_AUTH=none: anyone who can reach this server'))).toHaveLength(1);
    expect(warned.some((msg) => msg.includes('development credentials'))).toBe(false);
  });

  it('when CORS_ORIGIN (no S) is set, then one warning names it and the setting meant', async () => {
    const server = await startServer({ CORS_ORIGIN: 'https://app.example.com' });
    expect(await server.stop()).toBe(0);
    expect(warnings(server.output())).toContain('CORS_ORIGIN is not a setting and is ignored: did you mean CORS_ORIGINS?');
  });

  it('when TRUST_PROXY=1 in production, then a warning says a direct client picks its own rate-limit key', async () => {
    const server = await startServer({
      NODE_ENV: 'production',
      CLIENT_AUTH: 'api-key',
      CLIENT_API_KEYS: LONG('client'),
      CORS_ORIGINS: 'https://app.example.com',
      TRUST_PROXY: '1',
    });
    expect(await server.stop()).toBe(0);
    expect(warnings(server.output()).filter((msg) => msg.startsWith('TRUST_PROXY=1 trusts X-Forwarded-For from whoever connects'))).toHaveLength(1);
  });
});
