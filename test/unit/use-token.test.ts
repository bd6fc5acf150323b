// @vitest-environment happy-dom
/**
 * examples/react/useToken.ts rendered by React itself (react-dom, in happy-dom's document), its
 * TokenSource talking to a scripted token server under fake timers.
 */
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useToken, type TokenState } from '../../examples/react/useToken.js';
import type { TokenSourceOptions } from '../../src/client/index.js';
import { tokenServer } from '../token-server.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** Mounts a component that calls useToken(url, options); `seen` is every state it rendered. */
function mount(url: string | null, options: TokenSourceOptions) {
  const seen: TokenState[] = [];
  const Probe = (props: { url: string | null; options: TokenSourceOptions }) => {
    seen.push(useToken(props.url, props.options));
    return null;
  };
  const root: Root = createRoot(document.createElement('div'));
  const render = (next: string | null, nextOptions: TokenSourceOptions) => act(() => root.render(createElement(Probe, { url: next, options: nextOptions })));
  return { seen, last: () => seen.at(-1)!, render: async (next = url, nextOptions = options) => render(next, nextOptions), root };
}

const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-03T12:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('useToken (examples/react)', () => {
  it('when mounted, then the component renders the first token and each renewal, and unmounting stops the source', async () => {
    const server = tokenServer({ ttlMs: 4000 });
    const view = mount('https://tokens.test/access_token?channelName=demo&uid=42', { fetch: server.fetch });
    await view.render();
    expect(view.seen[0]!.token).toBeUndefined();
    await advance(10);
    expect(view.last().token).toBe('t1');
    await advance(3000);
    expect(view.last()).toMatchObject({ token: 't2', error: undefined });
    expect(view.last().expiresAt).toBeInstanceOf(Date);
    act(() => view.root.unmount());
    const calls = server.calls.length;
    await advance(60_000);
    expect(server.calls).toHaveLength(calls);
  });

  it('when re-rendered with a new inline options object, then the source is kept; with a new url, then it restarts on that url', async () => {
    const server = tokenServer();
    const view = mount('https://tokens.test/a', { fetch: server.fetch });
    await view.render();
    await advance(10);
    await view.render('https://tokens.test/a', { fetch: server.fetch });
    await advance(10);
    expect(server.fetch).toHaveBeenCalledTimes(1);
    await view.render('https://tokens.test/b', { fetch: server.fetch });
    await advance(10);
    expect(server.fetch.mock.calls.map(([url]) => url)).toEqual(['https://tokens.test/a', 'https://tokens.test/b']);
    expect(view.last().token).toBe('t2');
    act(() => view.root.unmount());
  });

  it('when headers change between renders, then the next request sends the latest ones', async () => {
    const server = tokenServer({ ttlMs: 4000 });
    const view = mount('https://tokens.test/a', { fetch: server.fetch, headers: { Authorization: 'Bearer first' } });
    await view.render();
    await advance(10);
    await view.render('https://tokens.test/a', { fetch: server.fetch, headers: () => ({ Authorization: 'Bearer second' }) });
    await advance(3000);
    expect(server.calls.map((c) => c.headers.Authorization)).toEqual(['Bearer first', 'Bearer second']);
    act(() => view.root.unmount());
  });

  it('when the url is null, then nothing is asked; when the server refuses, then the error is rendered with its status', async () => {
    const server = tokenServer();
    server.next.push({ status: 401, body: { detail: 'a valid API key is required' }, headers: { 'Content-Type': 'application/problem+json' } });
    const view = mount(null, { fetch: server.fetch });
    await view.render();
    await advance(1000);
    expect(server.fetch).not.toHaveBeenCalled();
    await view.render('https://tokens.test/a');
    await advance(10);
    expect(view.last().token).toBeUndefined();
    expect(view.last().error).toMatchObject({ status: 401, detail: 'a valid API key is required', retryable: false });
    act(() => view.root.unmount());
  });
});
