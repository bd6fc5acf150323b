/** A scripted token server for the client's tests (rtc-token-server/client): a fetch to hand a TokenSource. */
import { vi } from 'vitest';

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The answer is held until this promise settles (a slow server). */
  hold?: Promise<void>;
}

/**
 * A token server on its own clock (`skewMs` ahead of the client's), minting `t1`, `t2`… valid for
 * `ttlMs`, unless `next` scripts the following answers. Every request's local time is recorded,
 * in milliseconds since the server was made.
 */
export function tokenServer({ ttlMs = 600_000, skewMs = 0 } = {}) {
  const start = Date.now();
  const calls: { at: number; headers: Record<string, string>; signal: AbortSignal | undefined }[] = [];
  const next: Answer[] = [];
  let minted = 0;
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push({ at: Date.now() - start, headers: { ...(init?.headers as Record<string, string>) }, signal: init?.signal ?? undefined });
    const answer = next.shift() ?? {};
    if (answer.hold) {
      await new Promise<void>((resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        answer.hold!.then(resolve, reject);
      });
    }
    const serverNow = Date.now() + skewMs;
    const body = answer.body ?? { token: `t${++minted}`, expiresAt: new Date(serverNow + ttlMs).toISOString() };
    return new Response(JSON.stringify(body), {
      status: answer.status ?? 200,
      headers: { 'Content-Type': 'application/json', Date: new Date(serverNow).toUTCString(), ...answer.headers },
    });
  });
  return { fetch, calls, next };
}
