/**
 * `rtc-token-server/client`: a token that is always fresh, for browsers and Node ≥ 20. No
 * dependencies and no imports, so the built file loads as it is in a page (`<script type=module>`),
 * from a bundler, or from Node (ESM, or CommonJS through the build in dist/cjs).
 *
 *   const source = new TokenSource('https://tokens.example.com/access_token?channelName=demo&uid=42');
 *   const token = await source.get();
 *   source.onRefresh((token) => rtcClient.renewToken(token));
 *
 * It asks a token route (any route answering `{ token, expiresAt }`) and renews in the background
 * before the token lapses, timed on the server's clock (its `Date` header), so a client whose
 * clock is off still renews in time. See docs/client.md.
 */

/** Request headers, or a function called before every request that makes them (a fresh ID token…). */
export type HeadersOption = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface TokenSourceOptions {
  /** Headers sent with every request (an Authorization header, say). */
  headers?: HeadersOption;
  /** Renew this long before expiry, at most half the token's lifetime before it. Default 60. */
  refreshBeforeSeconds?: number;
  /** First retry delay after a failure; doubles on each further failure. Default 1000. */
  minRetryDelayMs?: number;
  /** Longest retry delay. Default 30000. */
  maxRetryDelayMs?: number;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
}

/**
 * Why a token could not be had. `status` is the HTTP status (0 when no answer came: a dropped
 * connection, or the source was stopped) and `detail` the problem's own words when the service
 * answered problem+json. `retryInMs` is set when the source will try again by itself.
 */
export class TokenSourceError extends Error {
  override readonly name = 'TokenSourceError';
  /** The problem's `type` URI, when the service answered problem+json. */
  readonly type: string | undefined;
  /** The answer's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** When the source retries by itself: after this many milliseconds. */
  retryInMs: number | undefined;
  constructor(
    readonly status: number,
    readonly detail: string,
    options: { type?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(status ? `${status}: ${detail}` : detail, { cause: options.cause });
    this.type = options.type;
    this.retryAfterMs = options.retryAfterMs;
  }
  /** Whether a later attempt may succeed: 408, 429, 5xx and dropped connections (status 0). */
  get retryable(): boolean {
    return this.status === 0 ? !(this.cause instanceof StopSignal) : this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The cause of the error every pending `get()` rejects with once `stop()` is called. */
class StopSignal {}

/** setTimeout's longest delay; a later refresh is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Listener<A extends unknown[]> = (...args: A) => void;

export class TokenSource {
  readonly #url: string;
  readonly #options: TokenSourceOptions;
  #token: string | undefined;
  #expiresAt: Date | undefined;
  /** Local time (Date.now()) at which the held token is due for renewal. */
  #refreshAt = 0;
  #pending: Promise<string> | undefined;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Ends a retry wait early when the source is stopped. */
  #wake: (() => void) | undefined;
  #stopped = false;
  readonly #onRefresh = new Set<Listener<[string, Date]>>();
  readonly #onError = new Set<Listener<[TokenSourceError]>>();

  constructor(url: string | URL, options: TokenSourceOptions = {}) {
    this.#url = String(url);
    this.#options = options;
  }

  /**
   * The current token: the held one until its refresh time, else a new one (concurrent callers
   * share one request). While the service is unreachable or answers 5xx/429, it waits through the
   * retries; another 4xx, or `stop()`, rejects with a {@link TokenSourceError}.
   */
  get(): Promise<string> {
    if (this.#stopped) return Promise.reject(stoppedError());
    if (this.#token !== undefined && Date.now() < this.#refreshAt) return Promise.resolve(this.#token);
    return (this.#pending ??= this.#renew().finally(() => (this.#pending = undefined)));
  }

  /** Called with every new token and its expiry (the first one included); returns the unsubscribe function. */
  onRefresh(listener: (token: string, expiresAt: Date) => void): () => void {
    return subscribe(this.#onRefresh, listener);
  }

  /** Called with every failed attempt, retried or not; returns the unsubscribe function. */
  onError(listener: (error: TokenSourceError) => void): () => void {
    return subscribe(this.#onError, listener);
  }

  /** The held token's expiry, if a token is held. */
  get expiresAt(): Date | undefined {
    return this.#expiresAt;
  }

  /** Cancels the refresh timer, any retry wait and the request in flight; pending and later `get()` calls reject. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#controller?.abort();
    this.#wake?.();
  }

  /** Fetches until a token comes, retrying what may succeed later with backoff and jitter. */
  async #renew(): Promise<string> {
    const { minRetryDelayMs = 1000, maxRetryDelayMs = 30_000 } = this.#options;
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#hold(await this.#fetch());
      } catch (error) {
        const failure = this.#stopped ? stoppedError() : error instanceof TokenSourceError ? error : new TokenSourceError(0, String(error), { cause: error });
        if (failure.retryable) {
          // Equal jitter: between half and all of the doubled delay, so clients that failed
          // together do not come back together, and never sooner than the server asked.
          const base = Math.min(maxRetryDelayMs, minRetryDelayMs * 2 ** attempt);
          const jittered = base / 2 + (Math.random() * base) / 2;
          failure.retryInMs = Math.round(Math.max(jittered, (failure.retryAfterMs ?? 0) * (1 + Math.random() / 10)));
        }
        emit(this.#onError, failure);
        if (failure.retryInMs === undefined) throw failure;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, failure.retryInMs);
        });
        if (this.#stopped) throw stoppedError();
      }
    }
  }

  /** One request: the token and its expiry, and the server's clock from the answer's `Date`. */
  async #fetch(): Promise<{ token: string; expiresAt: Date; serverNow: number }> {
    const { headers = {}, fetch: fetchImpl = fetch } = this.#options;
    const controller = (this.#controller = new AbortController());
    const response = await fetchImpl(this.#url, {
      headers: typeof headers === 'function' ? await headers() : headers,
      signal: controller.signal,
    });
    // `Date` has whole seconds: the server's clock is within the second after it, its middle is the best guess.
    const date = Date.parse(response.headers.get('date') ?? '');
    const serverNow = Number.isNaN(date) ? Date.now() : date + 500;
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok) {
      const detail = typeof body?.detail === 'string' ? body.detail : response.statusText;
      throw new TokenSourceError(response.status, detail, {
        type: typeof body?.type === 'string' ? body.type : undefined,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), serverNow),
      });
    }
    const expiresAt = new Date(typeof body?.expiresAt === 'string' ? body.expiresAt : NaN);
    if (typeof body?.token !== 'string' || Number.isNaN(expiresAt.getTime()))
      throw new TokenSourceError(response.status, 'the answer is not a token: expected a JSON body { token, expiresAt }');
    return { token: body.token, expiresAt, serverNow };
  }

  /** Holds a new token, arms its renewal, tells the listeners. */
  #hold({ token, expiresAt, serverNow }: { token: string; expiresAt: Date; serverNow: number }): string {
    const lifetime = expiresAt.getTime() - serverNow;
    const lead = Math.min((this.#options.refreshBeforeSeconds ?? 60) * 1000, lifetime / 2);
    // Renewal at `expiresAt − lead` on the server's clock, in local time.
    this.#refreshAt = Math.ceil(expiresAt.getTime() - lead - (serverNow - Date.now()));
    this.#token = token;
    this.#expiresAt = expiresAt;
    // Never sooner than a retry would be, so a token born expired cannot cause a request storm.
    this.#arm(Math.max(this.#refreshAt - Date.now(), this.#options.minRetryDelayMs ?? 1000));
    emit(this.#onRefresh, token, expiresAt);
    return token;
  }

  /**
   * The background renewal, `delay` from now. Re-armed if it fires before the refresh time (beyond
   * setTimeout's range, or the wall clock was set back meanwhile).
   */
  #arm(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        if (Date.now() < this.#refreshAt) this.#arm(this.#refreshAt - Date.now());
        else this.get().catch(() => undefined); // failures reach the onError listeners
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  }
}

function stoppedError(): TokenSourceError {
  return new TokenSourceError(0, 'the token source was stopped', { cause: new StopSignal() });
}

/** Calls every listener; one that throws neither stops the others nor the source (its error is rethrown apart). */
function emit<A extends unknown[]>(listeners: Set<Listener<A>>, ...args: A): void {
  for (const listener of listeners) {
    try {
      listener(...args);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function subscribe<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** `Retry-After` in milliseconds: delay-seconds, or an HTTP date read against the server's clock. */
function retryAfterMs(value: string | null, serverNow: number): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - serverNow);
}
