/**
 * RevocationRules, the in-memory rule set every instance enforces: what each kind of rule matches,
 * when rules stop counting, and how it follows the store (reloads coalesced, a failing store
 * logged once while the rules held stay enforced).
 */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { openMemoryStore } from '../../src/meetings/memory.js';
import { RevocationRules, type RevocationRule } from '../../src/revocation/rules.js';

const NOW = new Date('2026-12-03T12:00:00.000Z');
const rule = (kind: RevocationRule['kind'], value: string, untilMs = 60_000, id = `${kind}-${value}`): RevocationRule => ({
  id,
  kind,
  value,
  until: new Date(NOW.getTime() + untilMs),
  createdAt: NOW,
});

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

async function withRules(...rules: RevocationRule[]) {
  const store = openMemoryStore();
  const set = new RevocationRules(store, createLogger('silent'), () => NOW);
  for (const r of rules) await set.add(r);
  return { store, set };
}

describe('RevocationRules: matching tokens', () => {
  it.each([
    ['jti', rule('jti', 'j-1'), { jti: 'j-1' }, { jti: 'j-2' }],
    ['subject as sub', rule('subject', 'alice'), { sub: 'alice' }, { sub: 'bob' }],
    ['subject as participantId', rule('subject', 'alice'), { participantId: 'alice' }, { participantId: 'alicia' }],
    ['subject as userId', rule('subject', 'alice'), { userId: 'alice' }, { userId: 'ALICE' }],
    ['subject as a numeric uid', rule('subject', '42'), { sub: 42 }, { sub: 420 }],
    ['room as room', rule('room', 'r-1'), { room: 'r-1' }, { room: 'r-2' }],
    ['room as roomId', rule('room', 'r-1'), { roomId: 'r-1' }, { roomId: 'r-10' }],
    ['room as channel', rule('room', 'r-1'), { channel: 'r-1' }, { channel: 'r' }],
    ['issuedBefore', rule('issuedBefore', NOW.toISOString()), { iat: NOW.getTime() / 1000 - 1 }, { iat: NOW.getTime() / 1000 }],
  ])('when a %s rule holds, then a token carrying it is refused and one without it is not', async (_label, r, refused, allowed) => {
    const { set } = await withRules(r);
    expect(set.matchToken(refused, NOW)).toEqual(r);
    expect(set.matchToken(allowed, NOW)).toBeUndefined();
  });

  it('when a rule has ended, then it matches nothing, though it is still held until the store purges it', async () => {
    const { set } = await withRules(rule('subject', 'alice', 1000));
    expect(set.matchToken({ sub: 'alice' }, new Date(NOW.getTime() + 999))).toBeDefined();
    expect(set.matchToken({ sub: 'alice' }, new Date(NOW.getTime() + 1000))).toBeUndefined();
    expect(set.list(new Date(NOW.getTime() + 1000))).toEqual([]);
  });

  it('when two rules hold the same value, then lifting one leaves the other in force', async () => {
    const { set } = await withRules(rule('room', 'r-1', 60_000, 'a'), rule('room', 'r-1', 120_000, 'b'));
    await set.remove('a');
    expect(set.matchToken({ room: 'r-1' }, new Date(NOW.getTime() + 90_000))?.id).toBe('b');
  });
});

describe('RevocationRules: minting', () => {
  it('when a subject or room rule holds, then minting for it throws a 403 revoked naming it and its end; other users and rooms mint', async () => {
    const { set } = await withRules(rule('subject', 'alice'), rule('room', 'r-1'), rule('jti', 'x'), rule('issuedBefore', NOW.toISOString()));
    const refused = (scope: { subject?: string; room?: string }) => {
      try {
        set.mintCheck(scope);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    expect(refused({ subject: 'alice', room: 'r-9' })).toMatchObject({
      code: 'revoked',
      status: 403,
      message: `user alice is revoked until ${new Date(NOW.getTime() + 60_000).toISOString()}: no token is issued for it`,
    });
    expect(refused({ subject: 'bob', room: 'r-1' })).toBeInstanceOf(AppError);
    expect(refused({ subject: 'bob', room: 'r-2' })).toBeUndefined();
    expect(refused({})).toBeUndefined();
  });
});

/** A memory store whose change feed the test drives: answers the store and the function that announces a change. */
function announcedStore() {
  const store = openMemoryStore();
  let announce = () => {};
  vi.spyOn(store, 'watchRules').mockImplementation((onChange) => {
    announce = onChange;
    return () => {};
  });
  return { store, announce: () => announce() };
}

describe('RevocationRules: following the store', () => {
  it('when started, then it holds the rules in force in the store; a change another instance made arrives with the next reload', async () => {
    const store = openMemoryStore();
    await store.addRule(rule('subject', 'alice'));
    await store.addRule(rule('subject', 'ended', -1));
    const set = new RevocationRules(store, createLogger('silent'), () => NOW);
    await set.start();
    expect(set.list(NOW).map((r) => r.value)).toEqual(['alice']);
    await store.addRule(rule('room', 'r-1'));
    expect(set.matchToken({ room: 'r-1' }, NOW)).toBeUndefined();
    await set.reload();
    expect(set.matchToken({ room: 'r-1' }, NOW)).toBeDefined();
    set.stop();
  });

  it('when the store announces changes in a burst, then one reload runs and one more after it, never one per change', async () => {
    const { store, announce } = announcedStore();
    const reads = vi.spyOn(store, 'rules');
    const set = new RevocationRules(store, createLogger('silent'), () => NOW);
    await set.start();
    reads.mockClear();
    for (let i = 0; i < 20; i++) announce();
    await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toHaveBeenCalledTimes(2);
    set.stop();
  });

  it('when a rule is added while a reload that read the store before it is in flight, then the rule survives that reload', async () => {
    const { store, announce } = announcedStore();
    const set = new RevocationRules(store, createLogger('silent'), () => NOW);
    await set.start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = store.rules.bind(store);
    vi.spyOn(store, 'rules').mockImplementationOnce(async (now) => {
      const before = await original(now); // read before the rule is added
      await gate;
      return before;
    });
    announce();
    await set.add(rule('subject', 'late'));
    release();
    await vi.waitFor(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(set.matchToken({ sub: 'late' }, NOW)).toBeDefined();
    });
    set.stop();
  });

  it('when reloading fails, then the rules held stay enforced and one warning is logged per outage, and one line when it answers again', async () => {
    const { store, announce } = announcedStore();
    const { logger, lines } = capture();
    const set = new RevocationRules(store, logger, () => NOW);
    await set.add(rule('subject', 'alice'));
    await set.start();
    const reads = vi.spyOn(store, 'rules').mockRejectedValue(new Error('connect ECONNREFUSED'));
    for (let i = 0; i < 5; i++) {
      announce();
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(i + 1));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(set.matchToken({ sub: 'alice' }, NOW)).toBeDefined();
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'reloading revocation rules failed; enforcing the rules held until the store answers',
    ]);
    reads.mockRestore();
    announce();
    await vi.waitFor(() => expect(lines.map((l) => l.msg)).toContain('revocation rules reloaded from the store again'));
    set.stop();
  });
});
