/**
 * Configuration: read from the environment once at start, validated as a whole, frozen. This is
 * the only module that reads environment variables; everything else receives a {@link Config}.
 */
import { createHash, KeyObject, randomBytes } from 'node:crypto';
import { secretKey, MAX_TTL_SECONDS } from './tokens/jwt.js';
import { AGORA_DEFAULT_TTL, AGORA_MAX_TTL, type AgoraCredentials } from './tokens/agora.js';
import { VIDEOSDK_DEFAULT_TTL, type VideoSdkCredentials } from './tokens/videosdk.js';
import { HMS_DEFAULT_TTL, type HmsCredentials } from './tokens/hms.js';
import type { NativeCredentials } from './tokens/native.js';
import { storeKind } from './meetings/store.js';
import { isProduction, misspeltSettings, redactUrlCredentials } from './config/settings.js';
import { checkSecrets, type NamedSecret } from './config/secrets.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Credentials per provider; an absent provider answers 503 `provider not configured`. */
export interface Credentials {
  readonly agora?: AgoraCredentials;
  readonly videosdk?: VideoSdkCredentials;
  readonly hms?: HmsCredentials;
  readonly native?: NativeCredentials;
}

/** Default lifetimes, in seconds, each at most `tokenMaxTtl`. */
export interface TokenLifetimes {
  readonly max: number;
  readonly agora: number;
  readonly videosdk: number;
  readonly hms: number;
}

/** The validated, frozen configuration of one process. */
export interface Config {
  readonly nodeEnv: string;
  /** NODE_ENV is anything but unset, development or test (see isProduction). */
  readonly production: boolean;
  /**
   * What the operator should hear once at start: an unsafe choice made explicitly in production
   * (CLIENT_AUTH=none, CORS_ORIGINS=*, a TRUST_PROXY that trusts any peer) and variables that look
   * like mistyped settings.
   */
  readonly warnings: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** `'*'` allows any origin; otherwise the exact origins allowed. */
  readonly corsOrigins: '*' | readonly string[];
  readonly ttl: TokenLifetimes;
  readonly credentials: Credentials;
  /** SHA-256 of ADMIN_API_KEY, compared in constant time; absent hides the admin routes. */
  readonly adminKeyDigest?: Buffer;
  /** Where meetings are stored: `sqlite:<path>`, `postgres://…` or `memory:`. */
  readonly databaseUrl: string;
  /** Requests per minute per client IP; 0 turns rate limiting off. */
  readonly rateLimitPerMinute: number;
  /** When set, rate-limit counters live in this Redis and are shared by every instance. */
  readonly redisUrl?: string;
  /** Express `trust proxy`: false, a hop count, or a list of trusted addresses/subnets. */
  readonly trustProxy: boolean | number | readonly string[];
  /** How long shutdown waits for in-flight requests before closing their connections. */
  readonly shutdownTimeoutMs: number;
  /** A client must send a request's headers within this long, or gets a 408 and a closed connection. */
  readonly headersTimeoutMs: number;
  /** A client must send a whole request (headers and body) within this long; at least headersTimeoutMs. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open after its last response. */
  readonly keepAliveTimeoutMs: number;
  /** Worker processes serving the port (node:cluster); 1 serves from this process. */
  readonly webConcurrency: number;
  /** True when no credentials were set and development ones were generated for this process. */
  readonly devCredentials: boolean;
  /** Who may call the token routes (CLIENT_AUTH). */
  readonly clientAuth: ClientAuth;
  /** `claims`: a requested role must be listed in the caller's roles claim (needs CLIENT_AUTH=jwt). */
  readonly rolePolicy: 'open' | 'claims';
}

/** How callers of the token routes authenticate. */
export type ClientAuth =
  | { readonly mode: 'none' }
  /** `X-API-Key`, compared in constant time against these SHA-256 digests. */
  | { readonly mode: 'api-key'; readonly keyDigests: readonly Buffer[] }
  /**
   * `Authorization: Bearer <jwt>` from the app's identity provider: HS256 with `secret`, or
   * RS256/ES256 keys from `jwksUrl`; `sub` is the caller's identity.
   */
  | {
      readonly mode: 'jwt';
      readonly secret?: KeyObject;
      readonly jwksUrl?: string;
      readonly issuer?: string;
      readonly audience?: string;
      readonly rolesClaim: string;
    };

/** A configuration that cannot start the service; `problems` names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const HEX32 = /^[0-9a-fA-F]{32}$/;
const PROVIDER_VARIABLES = [
  'AGORA_APP_ID',
  'AGORA_APP_CERTIFICATE',
  'VIDEOSDK_API_KEY',
  'VIDEOSDK_SECRET',
  'HMS_APP_ACCESS_KEY',
  'HMS_APP_SECRET',
  'MASTER_KEY',
  'MASTER_SECRET',
] as const;

/** The SHA-256 digest used to compare presented secrets in constant time. */
export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /**
   * False for a process that mints but never serves (the CLI): who may call and from which origin
   * are then not asked for in production, and not warned about. Default true.
   */
  readonly serving?: boolean;
}

/** Reads and validates the configuration. Throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Env, options: LoadOptions = {}): Config {
  const serving = options.serving ?? true;
  const problems: string[] = [];
  // An empty value (FOO= in a .env file) means "not set".
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, min: number, max: number, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };

  const nodeEnv = get('NODE_ENV') ?? 'development';
  const production = isProduction(nodeEnv);
  const warnings: string[] = misspeltSettings(Object.keys(env).filter((name) => env[name] !== undefined));
  // In production the two choices that open the token routes to anyone must be made explicitly.
  const required = (name: string, hint: string): string | undefined => {
    const value = get(name);
    if (value === undefined && production && serving) problems.push(`${name} must be set in production: ${hint}`);
    return value;
  };
  const port = int('PORT', 0, 65535, 8080);
  const host = get('HOST') ?? '0.0.0.0';
  const logLevel = (get('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const corsOrigins = parseOrigins(required('CORS_ORIGINS', 'the browser origins allowed to call, like https://app.example.com (or * for any)') ?? '*', problems);
  if (production && serving && corsOrigins === '*') warnings.push('CORS_ORIGINS=*: any web page, on any origin, may call the token routes from its visitors\' browsers');
  const rateLimitPerMinute = int('RATE_LIMIT_PER_MINUTE', 0, 1_000_000, 600);
  const redisUrl = get('REDIS_URL');
  if (redisUrl !== undefined && !isServerUrl(redisUrl, ['redis:', 'rediss:'])) {
    problems.push(`REDIS_URL must be redis://[user:password@]host[:port][/db] or rediss://… (got "${redactUrlCredentials(redisUrl)}")`);
  }
  const trustProxy = parseTrustProxy(get('TRUST_PROXY'), problems);
  if (production && serving && (trustProxy === true || typeof trustProxy === 'number')) {
    warnings.push(
      `TRUST_PROXY=${String(trustProxy)} trusts X-Forwarded-For from whoever connects: a client that reaches an instance directly picks its own rate-limit key; list the proxy's addresses instead (e.g. TRUST_PROXY=10.0.0.2)`,
    );
  }
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', 0, 600_000, 10_000);
  // Slow or stalled clients are cut off instead of holding sockets open; 0 (Node's "never") is refused.
  const timeoutProblems = problems.length;
  const headersTimeoutMs = int('HEADERS_TIMEOUT_MS', 100, 600_000, 10_000);
  const requestTimeoutMs = int('REQUEST_TIMEOUT_MS', 100, 600_000, 30_000);
  const keepAliveTimeoutMs = int('KEEP_ALIVE_TIMEOUT_MS', 100, 600_000, 5_000);
  // Node refuses a headers timeout longer than the request timeout; compared only once both are valid.
  if (problems.length === timeoutProblems && requestTimeoutMs < headersTimeoutMs) {
    problems.push(`REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must be at least HEADERS_TIMEOUT_MS (${headersTimeoutMs}): the whole request includes its headers`);
  }
  const webConcurrency = int('WEB_CONCURRENCY', 1, 64, 1);
  const databaseUrl = get('DATABASE_URL') ?? 'sqlite:./data/meetings.db';
  const kind = storeKind(databaseUrl);
  if (kind === undefined || (kind === 'postgres' && !isServerUrl(databaseUrl, ['postgres:', 'postgresql:']))) {
    problems.push(`DATABASE_URL must be sqlite:<path>, postgres://user:password@host:5432/db or memory: (got "${redactUrlCredentials(databaseUrl)}")`);
  }

  const max = int('TOKEN_MAX_TTL', 60, MAX_TTL_SECONDS, 86400);
  // A default lifetime that is not set follows TOKEN_MAX_TTL down; one that is set must fit under it.
  const ttl: TokenLifetimes = {
    max,
    agora: int('AGORA_TOKEN_TTL', 1, Math.min(max, AGORA_MAX_TTL), Math.min(AGORA_DEFAULT_TTL, max)),
    videosdk: int('VIDEOSDK_TOKEN_TTL', 1, max, Math.min(VIDEOSDK_DEFAULT_TTL, max)),
    hms: int('HMS_TOKEN_TTL', 1, max, Math.min(HMS_DEFAULT_TTL, max)),
  };

  const noneSet = PROVIDER_VARIABLES.every((name) => get(name) === undefined);
  const devCredentials = noneSet && !production;
  const source: Env = devCredentials ? generatedCredentials() : env;
  const credentials = readCredentials((name) => (devCredentials ? source[name] : get(name)), problems);

  const clientAuth = readClientAuth(get, required, problems);
  if (production && serving && clientAuth.mode === 'none' && get('CLIENT_AUTH') !== undefined) {
    warnings.push('CLIENT_AUTH=none: anyone who can reach this server can mint tokens for any user and room');
  }
  const rolePolicy = (get('ROLE_POLICY') ?? 'open') as 'open' | 'claims';
  if (rolePolicy !== 'open' && rolePolicy !== 'claims') problems.push(`ROLE_POLICY must be open or claims (got "${rolePolicy}")`);
  else if (rolePolicy === 'claims' && clientAuth.mode !== 'jwt') problems.push('ROLE_POLICY=claims needs CLIENT_AUTH=jwt: roles come from the caller\'s token');

  const adminKey = get('ADMIN_API_KEY');
  // Lengths, characters and uniqueness of every secret (config/secrets.ts).
  checkSecrets(secretsIn(get), production, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    nodeEnv,
    production,
    warnings,
    port,
    host,
    logLevel,
    corsOrigins,
    ttl,
    credentials,
    ...(adminKey === undefined ? {} : { adminKeyDigest: digest(adminKey) }),
    databaseUrl,
    rateLimitPerMinute,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    trustProxy,
    shutdownTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    webConcurrency,
    devCredentials,
    clientAuth,
    rolePolicy,
  });
}

function readCredentials(get: (name: string) => string | undefined, problems: string[]): Credentials {
  // Each provider needs both of its variables: one without the other is a mistake, not "off".
  const pair = (idName: string, secretName: string): [string, string] | undefined => {
    const id = get(idName);
    const secret = get(secretName);
    if (id === undefined && secret === undefined) return undefined;
    if (id === undefined || secret === undefined) {
      problems.push(`${id === undefined ? idName : secretName} must be set when ${id === undefined ? secretName : idName} is set`);
      return undefined;
    }
    return [id, secret];
  };
  const credentials: { -readonly [K in keyof Credentials]: Credentials[K] } = {};
  // Key rotation: the secret being retired still verifies tokens it signed until they expire.
  const previous = (name: string): { previous?: KeyObject } => {
    const value = get(`${name}_PREVIOUS`);
    if (value === undefined) return {};
    return { previous: secretKey(value) };
  };
  for (const name of ['VIDEOSDK_SECRET', 'MASTER_SECRET']) {
    if (get(`${name}_PREVIOUS`) !== undefined && get(name) === undefined) problems.push(`${name}_PREVIOUS is set but ${name} is not`);
  }

  const agora = pair('AGORA_APP_ID', 'AGORA_APP_CERTIFICATE');
  if (agora) {
    const [appId, appCertificate] = agora;
    if (!HEX32.test(appId)) problems.push('AGORA_APP_ID must be 32 hex characters');
    if (!HEX32.test(appCertificate)) problems.push('AGORA_APP_CERTIFICATE must be 32 hex characters');
    credentials.agora = { appId, appCertificate };
  }
  const videosdk = pair('VIDEOSDK_API_KEY', 'VIDEOSDK_SECRET');
  if (videosdk) credentials.videosdk = { apiKey: videosdk[0], secret: secretKey(videosdk[1]), ...previous('VIDEOSDK_SECRET') };
  const hms = pair('HMS_APP_ACCESS_KEY', 'HMS_APP_SECRET');
  if (hms) credentials.hms = { accessKey: hms[0], secret: secretKey(hms[1]) };
  const native = pair('MASTER_KEY', 'MASTER_SECRET');
  if (native) {
    credentials.native = { key: native[0], secret: secretKey(native[1]), ...previous('MASTER_SECRET') };
  }
  return credentials;
}

function readClientAuth(
  get: (name: string) => string | undefined,
  required: (name: string, hint: string) => string | undefined,
  problems: string[],
): ClientAuth {
  const mode = required('CLIENT_AUTH', 'api-key or jwt (or none, to let anyone who reaches the server mint tokens)') ?? 'none';
  if (mode === 'none') return { mode };
  if (mode === 'api-key') {
    const keys = (get('CLIENT_API_KEYS') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    if (keys.length === 0) problems.push('CLIENT_API_KEYS must list at least one key when CLIENT_AUTH=api-key');
    return { mode, keyDigests: keys.map(digest) };
  }
  if (mode === 'jwt') {
    const secret = get('CLIENT_JWT_SECRET');
    const jwksUrl = get('CLIENT_JWKS_URL');
    if ((secret === undefined) === (jwksUrl === undefined)) {
      problems.push('CLIENT_AUTH=jwt needs exactly one of CLIENT_JWT_SECRET (HS256) or CLIENT_JWKS_URL (RS256/ES256)');
    }
    if (jwksUrl !== undefined) {
      if (!isServerUrl(jwksUrl, ['http:', 'https:'])) problems.push('CLIENT_JWKS_URL must be an http(s) URL');
      // It is fetched, and logged, as it is: a password in it would be in every warning.
      else if (/^[a-z]+:\/\/[^/]*@/i.test(jwksUrl)) problems.push('CLIENT_JWKS_URL must not carry a user name or password: publish the key set without credentials');
    }
    const issuer = get('CLIENT_JWT_ISSUER');
    const audience = get('CLIENT_JWT_AUDIENCE');
    return {
      mode,
      ...(secret === undefined ? {} : { secret: secretKey(secret) }),
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      rolesClaim: get('CLIENT_ROLES_CLAIM') ?? 'roles',
    };
  }
  problems.push(`CLIENT_AUTH must be none, api-key or jwt (got "${mode}")`);
  return { mode: 'none' };
}

/** Fresh random credentials for every provider, for local development only. */
export function generatedCredentials(): Env {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return {
    AGORA_APP_ID: hex(16),
    AGORA_APP_CERTIFICATE: hex(16),
    VIDEOSDK_API_KEY: `dev-${hex(8)}`,
    VIDEOSDK_SECRET: hex(32),
    HMS_APP_ACCESS_KEY: `dev-${hex(8)}`,
    HMS_APP_SECRET: hex(32),
    MASTER_KEY: `dev-${hex(8)}`,
    MASTER_SECRET: hex(32),
  };
}

/**
 * TRUST_PROXY: unset/false trusts no proxy (the client IP is the socket's); true trusts every hop;
 * a whole number trusts that many hops; otherwise a comma list of addresses, subnets or Express's
 * names (loopback, linklocal, uniquelocal).
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const bad = entries.filter((e) => !named.includes(e) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e));
  if (bad.length > 0 || entries.length === 0) {
    problems.push('TRUST_PROXY must be true, false, a hop count, or a comma list of addresses/subnets (e.g. loopback,10.0.0.0/8)');
  }
  return entries;
}

function parseOrigins(raw: string, problems: string[]): '*' | string[] {
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
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

/** Every secret variable that is set, CLIENT_API_KEYS one entry at a time. */
function secretsIn(get: (name: string) => string | undefined): NamedSecret[] {
  const single = [
    'AGORA_APP_CERTIFICATE',
    'VIDEOSDK_SECRET',
    'VIDEOSDK_SECRET_PREVIOUS',
    'HMS_APP_SECRET',
    'MASTER_SECRET',
    'MASTER_SECRET_PREVIOUS',
    'CLIENT_JWT_SECRET',
    'ADMIN_API_KEY',
  ].flatMap((name) => {
    const value = get(name);
    return value === undefined ? [] : [{ name, value }];
  });
  const keys = (get('CLIENT_API_KEYS') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  return [...single, ...keys.map((value, i) => ({ name: keys.length === 1 ? 'CLIENT_API_KEYS' : `CLIENT_API_KEYS entry ${i + 1}`, value }))];
}

/** A URL that parses, with one of `protocols`, a host, and (if any) a numeric port. */
function isServerUrl(raw: string, protocols: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return protocols.includes(url.protocol) && url.hostname !== '';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof KeyObject) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
