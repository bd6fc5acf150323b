import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { PURGE_INTERVAL_MS, schedulePurge } from '../../src/meetings/purge.js';

const NOW = new Date('2026-11-23T17:00:00.000Z');

function capture() {
  const lines: { level: number; msg: string; count?: number; err?: { message: string } }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('schedulePurge', () => {
  it('when the interval passes, then ended revocation rules are deleted at the clock time, the live one kept, and the count logged', async () => {
    vi.useFakeTimers();
    const store = openMemoryStore();
    const rule = (id: string, until: number) => ({ id, kind: 'subject' as const, value: id, until: new Date(until), createdAt: NOW });
    await store.addRule(rule('ended', NOW.getTime() - 1));
    await store.addRule(rule('live', NOW.getTime() + 60_000));
    const { logger, lines } = capture();
    const stop = schedulePurge(store, logger, { clock: () => NOW });
    const ids = async () => (await store.rules(new Date(0))).map((r) => r.id);
    await vi.advanceTimersByTimeAsync(PURGE_INTERVAL_MS - 1);
    expect(await ids()).toEqual(['ended', 'live']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await ids()).toEqual(['live']);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'purged ended revocation rules', count: 1 }));
    stop();
  });

  it('when a purge fails, then a warning is logged, nothing is thrown, and the next interval tries again', async () => {
    vi.useFakeTimers();
    const store = openMemoryStore();
    const purge = vi.spyOn(store, 'purgeExpired').mockRejectedValueOnce(new Error('connect ECONNREFUSED')).mockResolvedValue(0);
    const { logger, lines } = capture();
    const stop = schedulePurge(store, logger, { intervalMs: 1000, clock: () => NOW });
    await vi.advanceTimersByTimeAsync(2000);
    expect(purge).toHaveBeenCalledTimes(2);
    expect(lines.filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({
        msg: 'purging ended revocation rules failed; retrying at the next interval',
        err: expect.objectContaining({ message: 'connect ECONNREFUSED' }),
      }),
    ]);
    stop();
  });

  it('when stopped, then no further purge runs', async () => {
    vi.useFakeTimers();
    const store = openMemoryStore();
    const purge = vi.spyOn(store, 'purgeExpired');
    const stop = schedulePurge(store, createLogger('silent'), { intervalMs: 1000 });
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(purge).not.toHaveBeenCalled();
  });

  it('when scheduled, then its timer does not keep the process alive', () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const stop = schedulePurge(openMemoryStore(), createLogger('silent'));
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    stop();
    setIntervalSpy.mockRestore();
  });
});
