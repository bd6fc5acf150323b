/**
 * The `rtc-token-server` command as a user runs it: `node dist/cli.js` (built by the global setup)
 * in a scratch directory, with an environment built from scratch, so neither a developer's shell
 * nor a .env in the repo can change what it mints.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { CREDENTIALS, UUID_V4 } from '../fixtures.js';
import { REPO_ROOT } from './server-process.js';
import { parseAgora } from '../agora.js';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[], env: Record<string, string> = { ...CREDENTIALS }): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rtc-token-server mint', () => {
  it('when minting a conference token, then stdout is the token alone, signed with MASTER_SECRET with the route claims', () => {
    const before = Math.floor(Date.now() / 1000);
    const run = cli(['mint', 'conference', '--userId', 'alice', '--roomId', 'r1', '--role', 'admin', '--expirationMinutes', '120']);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = jwt.verify(run.stdout.trim(), CREDENTIALS.MASTER_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({
      iss: CREDENTIALS.MASTER_KEY,
      sub: 'alice',
      type: 'conference',
      room: 'r1',
      role: 'admin',
      permissions: ['publish', 'subscribe', 'moderate'],
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.exp).toBe(claims.iat! + 120 * 60);
    expect(claims.jti).toMatch(UUID_V4);
  });

  it("when minting an Agora token, then Agora's own parser reads it and its signature verifies with the certificate", () => {
    const run = cli(['mint', 'agora', '--channelName', 'test', '--uid', '42', '--role', 'publisher']);

    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    expect(token).toMatch(/^007/);
    const { parsed } = parseAgora(token);
    // from_string leaves appId as the raw bytes it read.
    expect(String(parsed.appId)).toBe(CREDENTIALS.AGORA_APP_ID);
    expect(parsed.verifySignature('0'.repeat(32))).toBe(false);
  });

  it('when minting rte and agora-chat tokens, then Agora parses RTC with RTM, and the Chat user privilege', () => {
    const rte = cli(['mint', 'rte', '--channelName', 'test', '--uid', '42', '--role', 'publisher']);
    expect(rte.status).toBe(0);
    expect(parseAgora(rte.stdout.trim()).services.map((service) => service.__type)).toEqual([1, 2]);
    const chat = cli(['mint', 'agora-chat', '--userId', 'alice']);
    expect(chat.status).toBe(0);
    expect(String(parseAgora(chat.stdout.trim()).service.__user_id)).toBe('alice');
  });

  it('when --json is given, then stdout is one JSON line with token and expiresAt as ISO-8601 UTC', () => {
    const run = cli(['mint', 'chat', '--json', '--userId', 'alice', '--channelId', 'general', '--write=false', '--ttlMinutes', '5']);

    expect(run.status).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    const body = JSON.parse(run.stdout) as { token: string; expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token']);
    expect(body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    const claims = jwt.verify(body.token, CREDENTIALS.MASTER_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ type: 'chat', channel: 'general', read: true, write: false });
    expect(new Date(body.expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(claims.exp! - claims.iat!).toBe(5 * 60);
  });

  it('when a flag has a bad value, then it exits 2 with the route message naming the field and prints no token', () => {
    const run = cli(['mint', 'conference', '--userId', 'alice', '--roomId', 'r1', '--role', 'boss']);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('role must be one of: admin, publisher, subscriber');
  });

  it('when a flag is given twice or a required one is missing, then it exits 2 with the same words as the HTTP 400', () => {
    const twice = cli(['mint', 'agora', '--channelName', 'a', '--channelName', 'b']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('channelName must be given once');

    const missing = cli(['mint', 'hms-app', '--roomId', 'r1', '--role', 'host']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('userId is required');
  });

  it('when a flag is not one of the route parameters, then it exits 2 naming the flag', () => {
    const run = cli(['mint', 'conference', '--user', 'alice']);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('mint conference has no flag --user');
  });

  it("when the provider has no credentials, then it exits 1 with 'provider not configured'", () => {
    const run = cli(['mint', 'videosdk'], { NODE_ENV: 'production', MASTER_KEY: CREDENTIALS.MASTER_KEY, MASTER_SECRET: CREDENTIALS.MASTER_SECRET });

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('provider not configured: videosdk');
  });

  it('when the configuration is invalid, then it exits 1 naming the variable', () => {
    const run = cli(['mint', 'conference', '--userId', 'a', '--roomId', 'r', '--role', 'admin'], { ...CREDENTIALS, MASTER_SECRET: 'short' });

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('MASTER_SECRET must be at least 32 characters');
  });

  it('when no credentials are set outside production, then it refuses with exit 2 rather than print a token nothing accepts', () => {
    const run = cli(['mint', 'agora-rtm', '--uid', 'alice'], {});

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'rtc-token-server: no provider credentials are set, so a token would be signed with development credentials generated for this run only, which nothing else accepts; set the credentials, or pass --dev to print one anyway',
    );
  });

  it('when no credentials are set and --dev is given, then it mints but warns on stderr that the token is throwaway', () => {
    const run = cli(['mint', 'agora-rtm', '--dev', '--uid', 'alice'], {});

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^007\S+\n$/);
    expect(run.stderr).toMatch(/warning: .*development credentials/);
  });

  it('when real credentials are set in production, then it mints without asking for the serving settings (CLIENT_AUTH, CORS_ORIGINS)', () => {
    const run = cli(['mint', 'chat', '--userId', 'alice', '--channelId', 'general'], { ...CREDENTIALS, NODE_ENV: 'production' });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^eyJ\S+\n$/);
  });
});

describe('rtc-token-server help', () => {
  it('when --help is given, then stdout lists every kind with the flags of its schema and it exits 0', () => {
    const run = cli(['--help']);

    expect(run.status).toBe(0);
    for (const kind of ['conference', 'chat', 'agora', 'agora-rtm', 'videosdk', 'hms-app', 'hms-management']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${kind} +`, 'm'));
    }
    expect(run.stdout).toMatch(/--expirationMinutes +default 60/);
    expect(run.stdout).toMatch(/--channelName +required/);
  });

  it('when the kind is unknown, then it exits 2 with the usage on stderr', () => {
    const run = cli(['mint', 'zoom']);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown kind "zoom"');
    expect(run.stderr).toMatch(/^ {2}hms-management +POST \/hms\/management-token$/m);
  });
});

describe('rtc-token-server serve', () => {
  it('when run without arguments, then it is the HTTP server: it listens, answers /healthz and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: 'memory:', ...CREDENTIALS },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let port: number | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.startsWith('listening on http://')) {
          port = entry.port;
          break;
        }
      }
      // Keep draining the log so the server never blocks on a full pipe.
      child.stdout.resume();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('rtc-token-server inspect', () => {
  it('when a token of this deployment is inspected, then a valid verdict and its claims, exit 0; as --json, the /inspect answer', () => {
    const token = cli(['mint', 'rte', '--channelName', 'room-1', '--uid', '42']).stdout.trim();
    const run = cli(['inspect', token]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^valid: agora-rte token, signature valid\nclaims:\n/);
    expect(run.stdout).toContain('"channel": "room-1"');
    const json = cli(['inspect', '--json', token]);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'agora-rte', valid: true, signature: 'valid', problems: [] });
  });

  it('when another deployment signed it, then NOT VALID with the problem in words and exit 1; the token can come on stdin', () => {
    const other = jwt.sign(
      { iss: CREDENTIALS.MASTER_KEY, sub: 'a', type: 'chat', channel: 'c', exp: Math.floor(Date.now() / 1000) + 60 },
      'another-secret-0123456789abcdef0123',
      {
        algorithm: 'HS256',
      },
    );
    const run = spawnSync(process.execPath, [CLI, 'inspect', '-'], {
      input: `${other}\n`,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...CREDENTIALS },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^NOT VALID: native-chat token, signature invalid\n {2}✗ signature-invalid: carries this server's MASTER_KEY/);
    expect(run.stdout).not.toContain(CREDENTIALS.MASTER_SECRET);
  });

  it('when the argument is garbage, then exit 1 with malformed; when two tokens are given, then usage and exit 2', () => {
    const garbage = cli(['inspect', 'not-a-token']);
    expect(garbage.status).toBe(1);
    expect(garbage.stdout).toContain('✗ malformed:');
    const two = cli(['inspect', 'a', 'b']);
    expect(two.status).toBe(2);
    expect(two.stderr).toContain('inspect takes one token (and --json)');
  });
});
