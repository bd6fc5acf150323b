/**
 * The package as a user installs it: `npm pack`, the tarball installed in a fresh folder, then used
 * from CommonJS (`require`), from ESM (`import`), as a router mounted in an Express app, and
 * type-checked from `.cts` and `.mts` files with `module: nodenext`, for the main entry,
 * `rtc-token-server/express` and `rtc-token-server/client`. The build is the
 * integration project's (test/global-setup.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS } from '../fixtures.js';
import { REPO_ROOT } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'rtc-package-'));
const app = join(dir, 'app');
const run = (file: string) => execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
let files: string[] = [];

/** Links these packages of this checkout's node_modules into the consumer's. */
function link(names: readonly string[]): void {
  for (const name of names) {
    const at = join(app, 'node_modules', name);
    if (existsSync(at)) continue;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', name), at);
  }
}

beforeAll(() => {
  const tarball = execFileSync('npm', ['pack', REPO_ROOT, '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // Installed as npm installs a tarball: its files unpacked into node_modules, its dependencies
  // beside it (linked from this checkout's install, so no registry is needed).
  const installed = join(app, 'node_modules', 'rtc-token-server');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  link(Object.keys(manifest.dependencies));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  it('when packed, then it ships the build, the spec and the license, and no source map pointing at sources it does not ship', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/index.js',
        'package/dist/express.js',
        'package/dist/client/index.js',
        'package/dist/cjs/client/index.js',
        'package/dist/cjs/package.json',
        'package/openapi.yaml',
        'package/LICENSE',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('package/src/') || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('when required from CommonJS, then it has the same exports as import, and its token verifies', () => {
    writeFileSync(
      join(app, 'use.cjs'),
      `const lib = require('rtc-token-server');
const { createTokenRouter } = require('rtc-token-server/express');
const client = new lib.TokenClient(${JSON.stringify(CREDENTIALS.MASTER_KEY)}, ${JSON.stringify(CREDENTIALS.MASTER_SECRET)});
client.getConferenceToken('alice', 'room1', 'admin', 5).then((token) => {
  // Node marks an ES module loaded by require() with __esModule, so transpiled code finds its default.
  const keys = Object.keys(lib).filter((key) => key !== '__esModule').sort();
  console.log(JSON.stringify({ keys, marked: lib.__esModule, same: lib.default === lib.TokenClient, router: typeof createTokenRouter({ NODE_ENV: 'test' }), token }));
});
`,
    );
    writeFileSync(
      join(app, 'use.mjs'),
      `import * as lib from 'rtc-token-server';
import TokenClient from 'rtc-token-server';
import { createTokenRouter } from 'rtc-token-server/express';
console.log(JSON.stringify({ keys: Object.keys(lib).sort(), same: TokenClient === lib.TokenClient, router: typeof createTokenRouter({ NODE_ENV: 'test' }) }));
`,
    );
    const cjs = JSON.parse(run('use.cjs')) as { keys: string[]; marked: boolean; same: boolean; router: string; token: string };
    const esm = JSON.parse(run('use.mjs')) as { keys: string[]; same: boolean; router: string };
    expect(cjs.keys).toEqual(esm.keys);
    expect(cjs.keys).toEqual(expect.arrayContaining(['default', 'TokenClient', 'buildAgoraRtcToken', 'buildVideoSdkToken', 'ArgumentTypeError']));
    expect([cjs.marked, cjs.same, esm.same, cjs.router, esm.router]).toEqual([true, true, true, 'function', 'function']);
    expect(jwt.verify(cjs.token, CREDENTIALS.MASTER_SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'alice', room: 'room1', role: 'admin' });
  });

  it('when the client is required from CommonJS and imported from ESM, then each gets a token from a token route and its typed errors', () => {
    // A token route in miniature: { token, expiresAt } with Date, and a 403 problem for ?deny.
    const server = `const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  const denied = req.url.includes('deny');
  res.writeHead(denied ? 403 : 200, { 'Content-Type': denied ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(denied ? { type: 'urn:forbidden', status: 403, detail: 'not yours' } : { token: 'token-' + ++n, expiresAt: new Date(Date.now() + 600000).toISOString() }));
});`;
    const use = (load: string) => `${load}
server.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const source = new TokenSource(base + '/access_token?channelName=demo&uid=42');
  const denied = new TokenSource(base + '/access_token?deny');
  const tokens = await Promise.all([source.get(), source.get()]);
  const error = await denied.get().catch((e) => e);
  source.stop();
  console.log(JSON.stringify({ tokens, typed: error instanceof TokenSourceError, status: error.status, detail: error.detail }));
  server.close();
});
`;
    writeFileSync(join(app, 'client.cjs'), use(`const { TokenSource, TokenSourceError } = require('rtc-token-server/client');\n${server}`));
    writeFileSync(
      join(app, 'client.mjs'),
      use(
        `import { TokenSource, TokenSourceError } from 'rtc-token-server/client';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${server}`,
      ),
    );
    const expected = { tokens: ['token-1', 'token-1'], typed: true, status: 403, detail: 'not yours' };
    expect(JSON.parse(run('client.cjs'))).toEqual(expected);
    expect(JSON.parse(run('client.mjs'))).toEqual(expected);
    // The CommonJS build is CommonJS, not an ES module that require() happens to load.
    expect(readFileSync(join(app, 'node_modules/rtc-token-server/dist/cjs/client/index.js'), 'utf8')).toMatch(/exports\.TokenSource = /);
  });

  it('when mounted as a router in an Express app, then its token routes answer under the prefix', () => {
    writeFileSync(
      join(app, 'mount.cjs'),
      `const express = require('express');
const { createTokenRouter } = require('rtc-token-server/express');
const app = express();
app.use('/rtc', createTokenRouter({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MASTER_KEY: ${JSON.stringify(CREDENTIALS.MASTER_KEY)}, MASTER_SECRET: ${JSON.stringify(CREDENTIALS.MASTER_SECRET)} }));
const server = app.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port + '/rtc';
  const token = await fetch(base + '/chat-token?userId=alice&channelId=general');
  const bad = await fetch(base + '/chat-token?userId=alice');
  console.log(JSON.stringify({ status: token.status, body: await token.json(), bad: bad.status, type: bad.headers.get('content-type') }));
  server.close();
});
`,
    );
    const out = JSON.parse(run('mount.cjs')) as { status: number; body: { token: string }; bad: number; type: string };
    expect([out.status, out.bad, out.type]).toEqual([200, 400, 'application/problem+json; charset=utf-8']);
    expect(jwt.verify(out.body.token, CREDENTIALS.MASTER_SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'alice', channel: 'general' });
  });

  it('when type-checked from .cts and .mts files with module nodenext, then all three entries resolve with their types', () => {
    // The consumer's own types of Node and Express, as a TypeScript user has them.
    link(['@types/node', '@types/express']);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
        files: ['use.cts', 'use.mts'],
      }),
    );
    const body = `const client = new TokenClient('key', 'a-master-secret-of-at-least-32-characters');
const issued: Promise<string> = client.getChatToken('alice', 'general', true, false, 5);
const router: import('express').Router = createTokenRouter({ NODE_ENV: 'test' });
const source = new TokenSource('https://tokens.example.com/access_token?channelName=demo&uid=42', { headers: async () => ({ Authorization: 'Bearer x' }) });
const fresh: Promise<string> = source.get();
const off: () => void = source.onError((error: TokenSourceError) => void error.status.toFixed());
void issued;
void router;
void fresh;
void off;
`;
    writeFileSync(
      join(app, 'use.cts'),
      `import { TokenClient } from 'rtc-token-server';\nimport { createTokenRouter } from 'rtc-token-server/express';\nimport { TokenSource, TokenSourceError } from 'rtc-token-server/client';\n${body}`,
    );
    writeFileSync(
      join(app, 'use.mts'),
      `import TokenClient from 'rtc-token-server';\nimport { createTokenRouter } from 'rtc-token-server/express';\nimport { TokenSource, TokenSourceError } from 'rtc-token-server/client';\n${body}`,
    );
    const tsc = createRequire(join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  });
});
