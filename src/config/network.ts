/** The settings about who talks to the server: CORS origins, trusted proxies, server URLs. */

/**
 * TRUST_PROXY: unset/false trusts no proxy (the client IP is the socket's); true trusts every hop;
 * a whole number trusts that many hops; otherwise a comma list of addresses, subnets or Express's
 * names (loopback, linklocal, uniquelocal).
 */
export function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const bad = entries.filter((e) => !named.includes(e) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e));
  if (bad.length > 0 || entries.length === 0) {
    problems.push('TRUST_PROXY must be true, false, a hop count, or a comma list of addresses/subnets (e.g. loopback,10.0.0.0/8)');
  }
  return entries;
}

/** CORS_ORIGINS: `*`, or exact origins (scheme, host, optional port; a trailing slash is dropped). */
export function parseOrigins(raw: string, problems: string[]): '*' | string[] {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.includes('*')) return '*';
  const origins: string[] = [];
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || origin === 'null' || origin !== entry.replace(/\/$/, '')) {
      problems.push(`CORS_ORIGINS entry "${entry}" is not an origin like https://app.example.com`);
    } else {
      origins.push(origin);
    }
  }
  if (entries.length === 0) problems.push('CORS_ORIGINS must list at least one origin, or *');
  return origins;
}

/** A URL that parses, with one of `protocols` and a host. */
export function isServerUrl(raw: string, protocols: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return protocols.includes(url.protocol) && url.hostname !== '';
}
