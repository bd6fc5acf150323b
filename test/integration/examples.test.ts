/**
 * The Node example (examples/node/fresh-token.mjs) as a user runs it: against the real server, its
 * client imported by package name (the package's own exports, from the build), renewing 4-second
 * tokens until it is told to stop.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, REPO_ROOT, startServer } from './server-process.js';

afterEach(killAll);

describe('examples/node/fresh-token.mjs', () => {
  it('when run against the server with 4-second tokens, then it logs a new token about every 2 s, and SIGTERM ends it at once with exit 0', async () => {
    const server = await startServer();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'examples/node/fresh-token.mjs')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', TOKEN_URL: `${server.url}/hms/app-token?roomId=room-1&userId=bot&role=viewer&expiresIn=4` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const started = Date.now();
    while ((out.match(/^token /gm) ?? []).length < 3) {
      if (Date.now() - started > 15_000 || child.exitCode !== null) throw new Error(`example did not renew: ${out}${err}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lines = out.trim().split('\n');
    expect(lines.every((line) => /^token …\S{12} valid until \d{4}-\d\d-\d\dT/.test(line))).toBe(true);
    expect(new Set(lines.map((line) => line.split(' ')[1])).size).toBe(lines.length);
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    expect(err).toBe('');
  });
});
