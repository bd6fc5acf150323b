import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CREDENTIALS } from '../fixtures.js';
import { killAll, startServer } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'rts-cluster-'));
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WEB_CONCURRENCY', () => {
  it('when 2 workers serve with generated dev credentials, then tokens and meetings work across both and SIGTERM stops all with 0', async () => {
    // No credentials at all: the primary generates one set and hands it to both workers.
    const noCredentials = Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, '']));
    const server = await startServer({ WEB_CONCURRENCY: '2', DATABASE_URL: `sqlite:${join(dir, 'm.db')}`, ...noCredentials });
    // Both workers must be listening before round-robin can reach each.
    for (let i = 0; i < 50 && (server.output().match(/listening on/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect((server.output().match(/listening on/g) ?? []).length).toBe(2);

    const token = ((await (await fetch(`${server.url}/get-token?roles=crawler`)).json()) as { token: string }).token;
    // Consecutive requests alternate between the workers: every pair crosses from one to the other.
    for (let i = 0; i < 6; i++) {
      const created = await fetch(`${server.url}/create-meeting`, { method: 'POST', headers: { Authorization: token } });
      expect(created.status).toBe(201);
      const { meetingId } = (await created.json()) as { meetingId: string };
      const validated = await fetch(`${server.url}/validate-meeting/${meetingId}`, { method: 'POST', headers: { Authorization: token } });
      expect(validated.status).toBe(200);
    }
    expect(await server.stop('SIGTERM')).toBe(0);
    expect((server.output().match(/"msg":"stopped"/g) ?? []).length).toBe(2);
    expect(server.output()).toContain('all workers stopped');
    expect((server.output().match(/no provider credentials are set/g) ?? []).length).toBe(1);
    // Every line says which host, process and worker wrote it: the two workers' request lines differ.
    const requestLines = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"request completed"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { pid: number; hostname: string; worker?: number });
    expect(requestLines.length).toBeGreaterThanOrEqual(12);
    expect(new Set(requestLines.map((l) => l.hostname))).toEqual(new Set([hostname()]));
    expect(new Set(requestLines.map((l) => `${l.pid}/${l.worker}`)).size).toBe(2);
    expect(requestLines.every((l) => Number.isInteger(l.pid) && Number.isInteger(l.worker))).toBe(true);
  });

  it('when a worker cannot start, then the server stops with exit 1 instead of restarting it forever', async () => {
    const server = startServer({ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    await expect(server).rejects.toThrow(/exited before listening \(code 1, signal null\)/);
  });
});
