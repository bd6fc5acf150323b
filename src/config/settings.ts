/**
 * The names of every setting, what counts as production, and the start-up warning for a variable
 * that looks like a mistyped setting. A typo is the quietest way to run unprotected: a
 * `CORS_ORIGIN` that nobody reads leaves the defaults in force.
 */
import { FILE_SETTINGS } from './files.js';

/** Every environment variable the configuration reads. */
export const SETTINGS = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE',
  'REDIS_URL',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'WEB_CONCURRENCY',
  'DATABASE_URL',
  'TOKEN_MAX_TTL',
  'AGORA_TOKEN_TTL',
  'VIDEOSDK_TOKEN_TTL',
  'HMS_TOKEN_TTL',
  'AGORA_APP_ID',
  'AGORA_APP_CERTIFICATE',
  'VIDEOSDK_API_KEY',
  'VIDEOSDK_SECRET',
  'VIDEOSDK_SECRET_PREVIOUS',
  'HMS_APP_ACCESS_KEY',
  'HMS_APP_SECRET',
  'MASTER_KEY',
  'MASTER_SECRET',
  'MASTER_SECRET_PREVIOUS',
  'ADMIN_API_KEY',
  'CLIENT_AUTH',
  'CLIENT_API_KEYS',
  'CLIENT_JWT_SECRET',
  'CLIENT_JWKS_URL',
  'CLIENT_JWT_ISSUER',
  'CLIENT_JWT_AUDIENCE',
  'CLIENT_ROLES_CLAIM',
  'ROLE_POLICY',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
] as const;

export type Setting = (typeof SETTINGS)[number];

/** Prefixes only settings use: any other variable starting with one is taken for a typo. */
export const SETTING_PREFIXES = ['AGORA_', 'VIDEOSDK_', 'HMS_', 'MASTER_', 'CLIENT_', 'CORS_', 'TOKEN_', 'RATE_LIMIT_', 'ADMIN_'] as const;

/**
 * Production is any NODE_ENV but unset, `development` or `test`, compared case-insensitively:
 * `Production`, `PROD` and `staging` are production. A misspelt production must never fall back
 * to the development conveniences (generated credentials, open CORS).
 */
export function isProduction(nodeEnv: string | undefined): boolean {
  const value = (nodeEnv ?? '').trim().toLowerCase();
  return value !== '' && value !== 'development' && value !== 'test';
}

/**
 * One warning for each variable that is not a setting but looks like one: within two edits of a
 * setting (a transposition counts as one edit), or starting with a setting's prefix. Names much
 * shorter than their nearest setting are left alone unless they share a prefix (`HOME` is two
 * edits from `HOST`), so a machine's own variables do not warn.
 */
export function misspeltSettings(names: Iterable<string>): string[] {
  const known = new Set<string>([...SETTINGS, ...FILE_SETTINGS.map((name) => `${name}_FILE`)]);
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    const upper = name.toUpperCase();
    let nearest: string = SETTINGS[0];
    let distance = Infinity;
    for (const setting of SETTINGS) {
      const d = editDistance(upper, setting);
      if (d < distance) [nearest, distance] = [setting, d];
    }
    // Case alone differs (cors_origins): one edit in spirit, and always a mistake.
    const close = upper === nearest || (distance <= 2 && distance * 2 < nearest.length && distance * 2 < name.length);
    const prefixed = SETTING_PREFIXES.some((prefix) => upper.startsWith(prefix) || upper === prefix.slice(0, -1));
    // A cut-short name (AGORA_APP_CERT, RATE_LIMIT) means the setting it begins, however far the rest.
    const completion = SETTINGS.filter((setting) => setting.startsWith(upper)).sort((a, b) => a.length - b.length)[0];
    if (completion !== undefined && !close) nearest = completion;
    if (close || prefixed) warnings.push(`${name} is not a setting and is ignored: did you mean ${nearest}?`);
  }
  return warnings;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** A URL with its user name and password replaced, for messages: `redis://[redacted]@host:6379`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1[redacted]@');
}
