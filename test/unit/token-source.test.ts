/**
 * rtc-token-server/client's TokenSource under fake timers, against a scripted token server whose
 * clock may differ from the client's: what it fetches, when, and what get() and the listeners see.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenSource, TokenSourceError, type TokenSourceOptions } from '../../src/client/index.js';
import { tokenServer, type Answer } from '../token-server.js';

const START = Date.parse('2026-12-03T12:00:00.000Z');
const S = 1000;

function source(server: ReturnType<typeof tokenServer>, options: TokenSourceOptions = {}) {
  const tokens = new TokenSource('https://tokens.example.test/access_token?channelName=demo&uid=42', { fetch: server.fetch, ...options });
  const refreshed: { token: string; expiresAt: Date; at: number }[] = [];
  const errors: TokenSourceError[] = [];
  tokens.onRefresh((token, expiresAt) => refreshed.push({ token, expiresAt, at: Date.now() - START }));
  tokens.onError((error) => errors.push(error));
  return { tokens, refreshed, errors };
}

const problem = (status: number, detail: string, headers: Record<string, string> = {}): Answer => ({
  status,
  body: { type: `https://rtc-token-server.dev/problems/${status === 403 ? 'forbidden' : 'x'}`, title: 't', status, detail },
  headers: { 'Content-Type': 'application/problem+json', ...headers },
});

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TokenSource: caching and concurrent callers', () => {
  it('when get() is called again before the refresh time, then the held token is answered without a request', async () => {
    const server = tokenServer();
    const { tokens } = source(server);
    expect(await tokens.get()).toBe('t1');
    await vi.advanceTimersByTimeAsync(500 * S);
    expect(await tokens.get()).toBe('t1');
    expect(server.calls).toHaveLength(1);
    expect(tokens.expiresAt?.toISOString()).toBe(new Date(START + 600 * S).toISOString());
    tokens.stop();
  });

  it('when many get() calls come at once, then one request serves them all', async () => {
    const server = tokenServer();
    const { tokens, refreshed } = source(server);
    const all = await Promise.all(Array.from({ length: 20 }, () => tokens.get()));
    expect(new Set(all)).toEqual(new Set(['t1']));
    expect(server.calls).toHaveLength(1);
    expect(refreshed.map((r) => r.token)).toEqual(['t1']);
    tokens.stop();
  });

  it('when headers is a function, then it is called for every request and its headers are sent', async () => {
    const server = tokenServer({ ttlMs: 4 * S });
    let n = 0;
    const { tokens } = source(server, { headers: async () => ({ Authorization: `Bearer id-${++n}` }) });
    await tokens.get();
    await vi.advanceTimersByTimeAsync(3 * S);
    expect(server.calls.map((c) => c.headers.Authorization)).toEqual(['Bearer id-1', 'Bearer id-2']);
    tokens.stop();
  });
});

describe('TokenSource: renewal timing on the server clock', () => {
  it('when a 600 s token is held, then it is renewed in the background 60 s before expiry (Date has whole seconds: within ±1 s)', async () => {
    const server = tokenServer({ ttlMs: 600 * S });
    const { tokens, refreshed } = source(server);
    await tokens.get();
    await vi.advanceTimersByTimeAsync(538 * S);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3 * S);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.at).toBeGreaterThanOrEqual(539 * S);
    expect(server.calls[1]!.at).toBeLessThanOrEqual(541 * S);
    expect(refreshed.map((r) => r.token)).toEqual(['t1', 't2']);
    expect(await tokens.get()).toBe('t2');
    tokens.stop();
  });

  it('when refreshBeforeSeconds exceeds half the lifetime, then renewal comes at half the lifetime', async () => {
    const server = tokenServer({ ttlMs: 4 * S });
    const { tokens, refreshed } = source(server, { refreshBeforeSeconds: 60 });
    await tokens.get();
    await vi.advanceTimersByTimeAsync(12 * S + 100);
    // Every renewal lands 1.5–2.5 s after the previous token, so before it expired (4 s).
    const gaps = refreshed.slice(1).map((r, i) => r.at - refreshed[i]!.at);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1.5 * S);
      expect(gap).toBeLessThanOrEqual(2.5 * S);
    }
    expect(new Set(refreshed.map((r) => r.token)).size).toBe(refreshed.length);
    tokens.stop();
  });

  it.each([
    ['ahead of', 300 * S],
    ['behind', -300 * S],
  ])('when the server clock is 5 minutes %s the client, then renewal still comes 60 s before expiry', async (_, skewMs) => {
    const server = tokenServer({ ttlMs: 600 * S, skewMs });
    const { tokens } = source(server);
    await tokens.get();
    // Read on the client's clock, the token expires at 900 s (ahead) or 300 s (behind): timing on
    // it would renew at 840 s, after expiry, or at 240 s, five minutes early.
    await vi.advanceTimersByTimeAsync(538 * S);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3 * S);
    expect(server.calls).toHaveLength(2);
    tokens.stop();
  });

  it('when get() is called past the refresh time while the renewal is slow, then it waits for the new token instead of answering the old', async () => {
    const server = tokenServer({ ttlMs: 600 * S });
    const { tokens } = source(server);
    await tokens.get();
    let release!: () => void;
    server.next.push({ hold: new Promise<void>((resolve) => (release = resolve)) });
    await vi.advanceTimersByTimeAsync(545 * S);
    expect(server.calls).toHaveLength(2);
    let answered: string | undefined;
    const pending = tokens.get().then((t) => (answered = t));
    await vi.advanceTimersByTimeAsync(1 * S);
    expect(answered).toBeUndefined();
    release();
    await pending;
    expect(answered).toBe('t2');
    expect(server.calls).toHaveLength(2);
    tokens.stop();
  });

  it('when the server answers a token that is already expired, then renewals are spaced by the retry delay, not a request storm', async () => {
    const server = tokenServer({ ttlMs: -10 * S });
    const { tokens } = source(server);
    await tokens.get();
    await vi.advanceTimersByTimeAsync(10 * S);
    expect(server.calls.length).toBeLessThanOrEqual(11);
    tokens.stop();
  });
});

describe('TokenSource: failures', () => {
  it('when the server answers 5xx, then retries back off exponentially with jitter between half and all of the doubled delay, up to the maximum', async () => {
    for (const random of [0, 0.999999]) {
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const server = tokenServer();
      for (let i = 0; i < 8; i++) server.next.push(problem(502, 'bad gateway'));
      const { tokens, errors } = source(server, { minRetryDelayMs: 1000, maxRetryDelayMs: 30_000 });
      const token = tokens.get();
      await vi.advanceTimersByTimeAsync(200 * S);
      expect(await token).toBe('t1');
      const gaps = server.calls.slice(1).map((c, i) => c.at - server.calls[i]!.at);
      const bases = [1, 2, 4, 8, 16, 30, 30, 30].map((s) => s * S);
      expect(gaps).toHaveLength(8);
      // Math.random() picks where in [base / 2, base] each wait falls: its ends here.
      gaps.forEach((gap, i) => expect(gap).toBeCloseTo(bases[i]! / 2 + (random * bases[i]!) / 2, -1));
      expect(errors.map((e) => [e.status, e.retryable, e.retryInMs])).toEqual(gaps.map((gap) => [502, true, gap]));
      expect(server.calls[0]!.at).toBe(0);
      tokens.stop();
    }
  });

  it('when the connection drops, then it is retried like a 5xx and get() resolves once the server answers', async () => {
    const server = tokenServer();
    server.fetch.mockRejectedValueOnce(new TypeError('fetch failed')).mockRejectedValueOnce(new TypeError('fetch failed'));
    const { tokens, errors } = source(server);
    const token = tokens.get();
    await vi.advanceTimersByTimeAsync(5 * S);
    expect(await token).toBe('t1');
    expect(errors.map((e) => [e.status, e.retryable])).toEqual([
      [0, true],
      [0, true],
    ]);
    expect(errors[0]!.cause).toBeInstanceOf(TypeError);
    tokens.stop();
  });

  it.each([
    ['429', 429, { 'Retry-After': '10' }],
    ['503', 503, { 'Retry-After': '10' }],
    ['429 with an HTTP date', 429, { 'Retry-After': new Date(START + 10 * S).toUTCString() }],
  ])('when the server answers %s with Retry-After 10 s, then the next attempt waits at least 10 s (and at most 10 % more)', async (_, status, headers) => {
    const server = tokenServer();
    server.next.push(problem(status, 'slow down', headers));
    const { tokens, errors } = source(server);
    const token = tokens.get();
    await vi.advanceTimersByTimeAsync(9.4 * S);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2 * S);
    expect(server.calls).toHaveLength(2);
    expect(await token).toBe('t1');
    // The HTTP date is read on the server's clock, whose Date header has whole seconds (±0.5 s).
    expect(errors[0]!.retryInMs).toBeGreaterThanOrEqual(9.5 * S);
    expect(errors[0]!.retryInMs).toBeLessThanOrEqual(11 * S);
    tokens.stop();
  });

  it('when the server answers another 4xx, then get() rejects with its status and detail, nothing is retried, and the next get() asks again', async () => {
    const server = tokenServer();
    server.next.push(problem(403, 'uid must be the caller’s own'));
    const { tokens, errors } = source(server);
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenSourceError);
    expect(error).toMatchObject({
      name: 'TokenSourceError',
      status: 403,
      detail: 'uid must be the caller’s own',
      type: 'https://rtc-token-server.dev/problems/forbidden',
      retryable: false,
      retryInMs: undefined,
    });
    expect(errors).toEqual([error]);
    await vi.advanceTimersByTimeAsync(600 * S);
    expect(server.calls).toHaveLength(1);
    expect(await tokens.get()).toBe('t1');
    tokens.stop();
  });

  it('when a 200 answer is not { token, expiresAt }, then get() rejects without retrying', async () => {
    const server = tokenServer();
    server.next.push({ body: { rtcToken: 'x' } });
    const { tokens } = source(server);
    await expect(tokens.get()).rejects.toMatchObject({ status: 200, retryable: false, detail: expect.stringContaining('{ token, expiresAt }') });
    await vi.advanceTimersByTimeAsync(60 * S);
    expect(server.calls).toHaveLength(1);
  });

  it('when a listener throws, then the other listeners and the source go on', async () => {
    const server = tokenServer();
    const { tokens, refreshed } = source(server);
    tokens.onRefresh(() => {
      throw new Error('listener bug');
    });
    const thrown = vi.fn();
    const queue = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => {
      try {
        callback();
      } catch (error) {
        thrown(error);
      }
    });
    expect(await tokens.get()).toBe('t1');
    queue.mockRestore();
    expect(refreshed).toHaveLength(1);
    expect(thrown).toHaveBeenCalledWith(new Error('listener bug'));
    tokens.stop();
  });

  it('when a listener unsubscribes, then it is called no more', async () => {
    const server = tokenServer({ ttlMs: 4 * S });
    const { tokens } = source(server);
    const seen: string[] = [];
    const off = tokens.onRefresh((token) => seen.push(token));
    await tokens.get();
    off();
    await vi.advanceTimersByTimeAsync(3 * S);
    expect(server.calls).toHaveLength(2);
    expect(seen).toEqual(['t1']);
    tokens.stop();
  });
});

describe('TokenSource: stop()', () => {
  it('when stop() is called during a request, then the request is aborted, get() rejects and nothing is fetched again', async () => {
    const server = tokenServer();
    server.next.push({ hold: new Promise<void>(() => {}) });
    const { tokens, errors } = source(server);
    const token = tokens.get();
    await vi.advanceTimersByTimeAsync(10);
    tokens.stop();
    await expect(token).rejects.toMatchObject({ name: 'TokenSourceError', status: 0, retryable: false, detail: 'the token source was stopped' });
    expect(server.calls[0]!.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(3600 * S);
    expect(server.calls).toHaveLength(1);
    expect(errors.map((e) => e.retryInMs)).toEqual([undefined]);
    await expect(tokens.get()).rejects.toMatchObject({ status: 0 });
  });

  it('when stop() is called during a retry wait, then get() rejects at once and no retry is made', async () => {
    const server = tokenServer();
    server.next.push(problem(503, 'down'));
    const { tokens } = source(server);
    const token = tokens.get();
    await vi.advanceTimersByTimeAsync(100);
    tokens.stop();
    await expect(token).rejects.toMatchObject({ status: 0, detail: 'the token source was stopped' });
    await vi.advanceTimersByTimeAsync(60 * S);
    expect(server.calls).toHaveLength(1);
  });

  it('when stop() is called while a token is held, then no background renewal follows', async () => {
    const server = tokenServer({ ttlMs: 4 * S });
    const { tokens } = source(server);
    await tokens.get();
    tokens.stop();
    await vi.advanceTimersByTimeAsync(60 * S);
    expect(server.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('TokenSource: timers', () => {
  it('when the refresh time is beyond setTimeout’s range (a 60-day token), then the renewal is re-armed and still comes on time', async () => {
    const server = tokenServer({ ttlMs: 60 * 86_400 * S });
    const { tokens } = source(server, { refreshBeforeSeconds: 3600 });
    await tokens.get();
    await vi.advanceTimersByTimeAsync((60 * 86_400 - 3602) * S);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4 * S);
    expect(server.calls).toHaveLength(2);
    tokens.stop();
  });

  it('when the wall clock is set back while a token is held, then the renewal is re-armed, not lost', async () => {
    const server = tokenServer({ ttlMs: 600 * S });
    const { tokens } = source(server);
    await tokens.get();
    vi.setSystemTime(Date.now() - 30 * S);
    await vi.advanceTimersByTimeAsync(541 * S);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(31 * S);
    expect(server.calls).toHaveLength(2);
    tokens.stop();
  });
});
