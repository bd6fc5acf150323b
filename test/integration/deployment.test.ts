/**
 * The production set-up the repo ships: `.env.example` as a deployment's .env, docker-compose.yml
 * resolved by docker-compose (one published entry point, instances that trust only the proxy),
 * and deploy/nginx/nginx.conf proxying to a real instance. The docker-compose and nginx checks
 * need those programs (CI installs both) and say so when they are skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { killAll, REPO_ROOT, startServer } from './server-process.js';

const ENV_EXAMPLE = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
const LONG = (tag: string) => `${tag}-0123456789abcdef0123456789abcdef`;
/** What an operator fills in: a client key, one provider's credentials, the database password. */
const FILLED = {
  CLIENT_API_KEYS: LONG('backend'),
  MASTER_KEY: 'deploy-master-key',
  MASTER_SECRET: LONG('master'),
  POSTGRES_PASSWORD: 'deployPassword0123',
};
const hasProgram = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
const COMPOSE = hasProgram('docker-compose');
const NGINX = hasProgram('nginx');
const skipped = (program: string, present: boolean) => (present ? '' : ` (skipped: ${program} is not installed; CI installs it)`);

afterEach(killAll);

describe('the node flags', () => {
  it('when the image and `npm start` run the server, then they pass the same node flags', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    const imageFlags = (JSON.parse(cmd!) as string[]).filter((arg) => arg.startsWith('--'));
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(imageFlags.length).toBeGreaterThan(0);
    expect(start.split(' ').filter((arg) => arg.startsWith('--'))).toEqual(imageFlags);
  });
});

describe('.env.example as a deployment .env', () => {
  const env = dotenv.parse(ENV_EXAMPLE);

  it('when copied as is, then the start stops until a client key is filled in (it never opens by default)', () => {
    expect(env).toMatchObject({ NODE_ENV: 'production', CLIENT_AUTH: 'api-key', CORS_ORIGINS: 'https://app.example.com' });
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(['CLIENT_API_KEYS must list at least one key when CLIENT_AUTH=api-key']);
    }
  });

  it('when its blanks are filled, then it starts in production with no warning', () => {
    const config = loadConfig({ ...env, ...FILLED });
    expect(config.production).toBe(true);
    expect(config.warnings).toEqual([]);
    expect(config.corsOrigins).toEqual(['https://app.example.com']);
    expect(config.clientAuth.mode).toBe('api-key');
  });
});

describe.skipIf(!COMPOSE)(`docker-compose.yml${skipped('docker-compose', COMPOSE)}`, () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** `docker-compose config` in a copy of the repo's compose set-up with this .env. */
  function resolve(dotEnv: string): { status: number | null; stdout: string; stderr: string } {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-compose-'));
    dirs.push(dir);
    cpSync(join(REPO_ROOT, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    cpSync(join(REPO_ROOT, 'deploy'), join(dir, 'deploy'), { recursive: true });
    writeFileSync(join(dir, '.env'), dotEnv);
    const run = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  const filled = `${ENV_EXAMPLE}\n${Object.entries(FILLED)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

  it('when resolved with the filled .env.example, then only the proxy publishes a port and the instances trust only the proxy', () => {
    const run = resolve(filled);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const compose = parse(run.stdout);
    const published = Object.entries<Record<string, unknown>>(compose.services)
      .filter(([, service]) => service.ports !== undefined)
      .map(([name]) => name);
    expect(published).toEqual(['proxy']);
    const proxyAddress = compose.services.proxy.networks.backend.ipv4_address;
    expect(proxyAddress).toMatch(/^172\.28\.0\.\d+$/);
    for (const name of ['app-a', 'app-b']) {
      const environment = compose.services[name].environment;
      expect(environment).toMatchObject({ TRUST_PROXY: proxyAddress, CLIENT_AUTH: 'api-key', CORS_ORIGINS: 'https://app.example.com' });
      // Whatever the instances end up with must start in production (the image's NODE_ENV).
      expect(loadConfig({ ...environment, NODE_ENV: 'production' }).warnings).toEqual([]);
    }
    expect(compose.services.proxy.volumes).toContainEqual(expect.stringMatching(/deploy\/nginx\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro$/));
  });

  it('when .env leaves out CLIENT_AUTH or CORS_ORIGINS, then compose refuses to resolve, naming it', () => {
    for (const name of ['CLIENT_AUTH', 'CORS_ORIGINS']) {
      const run = resolve(filled.replace(new RegExp(`^${name}=.*$`, 'm'), ''));
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`set ${name} in .env`);
    }
  });
});

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

describe.skipIf(!NGINX)(`deploy/nginx/nginx.conf${skipped('nginx', NGINX)}`, () => {
  let nginx: ChildProcess | undefined;
  let dir: string | undefined;
  afterAll(() => {
    nginx?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when a client forges X-Forwarded-For through the proxy, then the instance still counts its real address', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'rtc-nginx-'));
    // The repo's config, with the compose service names and port replaced by this machine's.
    const conf = readFileSync(join(REPO_ROOT, 'deploy', 'nginx', 'nginx.conf'), 'utf8')
      .replace(/server app-a:8080/, `server ${new URL(server.url).host}`)
      .replace(/^\s*server app-b:8080.*$/m, '')
      .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
      .replace(/pid \/tmp\/nginx.pid;/, `pid ${dir}/nginx.pid;`);
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
    let up = false;
    for (let i = 0; i < 50 && !up; i++) {
      up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(up).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/get-token`, { headers: { 'X-Forwarded-For': `203.0.113.${i}` } });
      statuses.push(res.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });
});
