/**
 * useToken(url, options): a token for a React component that stays fresh while it is mounted.
 *
 *   function Call({ channel, uid }) {
 *     const { token, error } = useToken(`${TOKENS}/access_token?channelName=${channel}&uid=${uid}`);
 *     useEffect(() => { if (token) rtcClient.renewToken(token); }, [token]);
 *     …
 *   }
 *
 * One TokenSource per url (a new url starts a new one, unmount stops it); `options` are read at
 * each request, so an inline object or a changing `headers` function does not restart it. A null
 * url waits (for a sign-in, say).
 */
import { useEffect, useRef, useState } from 'react';
import { TokenSource, type TokenSourceError, type TokenSourceOptions } from 'rtc-token-server/client';

export interface TokenState {
  /** The current token, renewed before it lapses; undefined until the first one arrives. */
  token: string | undefined;
  expiresAt: Date | undefined;
  /** The last failure, cleared by the next token; a retryable one (retryInMs set) is being retried. */
  error: TokenSourceError | undefined;
}

export function useToken(url: string | null, options: TokenSourceOptions = {}): TokenState {
  const [state, setState] = useState<TokenState>({ token: undefined, expiresAt: undefined, error: undefined });
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    setState({ token: undefined, expiresAt: undefined, error: undefined });
    if (url === null) return undefined;
    const { headers } = latest.current;
    const source = new TokenSource(url, {
      ...latest.current,
      headers:
        headers === undefined
          ? undefined
          : async () => {
              const current = latest.current.headers ?? {};
              return typeof current === 'function' ? current() : current;
            },
    });
    source.onRefresh((token, expiresAt) => setState({ token, expiresAt, error: undefined }));
    source.onError((error) => setState((previous) => ({ ...previous, error })));
    source.get().catch(() => undefined); // failures arrive through onError
    return () => source.stop();
  }, [url]);

  return state;
}
