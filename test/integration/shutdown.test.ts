import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { killAll, startServer } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'rts-shutdown-'));
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REDIS: Record<string, string> = process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {};

/** Opens a raw connection and sends a create-meeting request whose 2-byte body stops after `{`. */
async function halfSentRequest(url: string): Promise<{ socket: Socket; response: Promise<string> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const token = buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token;
  socket.write(
    `POST /create-meeting HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
  );
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const response = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, response };
}

/** Resolves once `url` refuses new connections. */
async function refused(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) });
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe(`graceful shutdown${REDIS.REDIS_URL ? ' (with Redis)' : ' (Redis part skipped: set TEST_REDIS_URL)'}`, () => {
  it('when SIGTERM arrives mid-request, then new connections are refused, the request still gets its 201 and the process exits 0', async () => {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'a.db')}`, ...REDIS });
    const { socket, response } = await halfSentRequest(server.url);
    await new Promise((r) => setTimeout(r, 200));
    const exit = server.stop('SIGTERM');
    expect(await refused(server.url)).toBe(true);
    socket.write('}');
    const raw = await response;
    expect(raw).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
    expect(raw).toMatch(/"meetingId":"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}"/);
    expect(await exit).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('when a request never finishes, then SHUTDOWN_TIMEOUT_MS bounds the wait: its connection is closed and the process exits 0', async () => {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'b.db')}`, SHUTDOWN_TIMEOUT_MS: '300', ...REDIS });
    const { response } = await halfSentRequest(server.url);
    await new Promise((r) => setTimeout(r, 200));
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await response).toBe('');
    expect(server.output()).toContain('in-flight requests did not finish in time');
  });

  it('when SIGINT arrives on an idle server, then it exits 0 after closing the store', async () => {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'c.db')}`, ...REDIS });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await server.stop('SIGINT')).toBe(0);
    expect(server.output()).toContain('"signal":"SIGINT"');
  });
});
