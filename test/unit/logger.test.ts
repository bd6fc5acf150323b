import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stdoutDestination } from '../../src/logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFd(): { fd: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rts-log-'));
  dirs.push(dir);
  const path = join(dir, 'out.log');
  return { fd: openSync(path, 'a'), path };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the stdout log destination', () => {
  it('when a busy event-loop turn logs 200 KB, then it goes out in a few large writes, not a queue drained 16 KB per turn', async () => {
    const { fd, path } = tempFd();
    const stream = stdoutDestination(fd);
    const writes: number[] = [];
    stream.on('write', (n: number) => writes.push(n));
    const line = `${JSON.stringify({ msg: 'request completed', pad: 'x'.repeat(2000) })}\n`;
    for (let i = 0; i < 100; i++) stream.write(line);
    await until(() => writes.reduce((a, b) => a + b, 0) === line.length * 100);
    expect(writes.length).toBeLessThanOrEqual(3);
    expect(Math.max(...writes)).toBeGreaterThan(64 * 1024);
    await new Promise((resolve) => stream.once('close', resolve).end());
    expect(readFileSync(path, 'utf8')).toBe(line.repeat(100));
  });

  it('when more is queued than maxLength, then the excess is dropped (and counted), not held in memory', async () => {
    const { fd } = tempFd();
    const stream = stdoutDestination(fd, { minLength: 0, maxWrite: 1024, maxLength: 4096 });
    let dropped = 0;
    stream.on('drop', () => dropped++);
    for (let i = 0; i < 100; i++) stream.write(`${'y'.repeat(999)}\n`);
    expect(dropped).toBeGreaterThan(0);
    await new Promise((resolve) => stream.once('close', resolve).end());
  });
});
