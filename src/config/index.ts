/**
 * Configuration: read from the environment once at start, validated as a whole, frozen. This is
 * the only module that reads environment variables; everything else receives a {@link Config}.
 * Each concern has its own module beside this one: variable reading (env.ts), provider
 * credentials (credentials.ts), caller authentication (client-auth.ts), origins, proxies and URLs
 * (network.ts), the rules of secrets (secrets.ts), secrets read from `<NAME>_FILE` (files.ts), and
 * the list of settings, production and typo warnings (settings.ts).
 */
import { KeyObject } from 'node:crypto';
import { digest } from '../auth/api-key.js';
import { ConfigError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../logger.js';
import { storeKind } from '../meetings/store.js';
import { AGORA_DEFAULT_TTL, AGORA_MAX_TTL } from '../tokens/agora.js';
import { HMS_DEFAULT_TTL } from '../tokens/hms.js';
import { MAX_TTL_SECONDS } from '../tokens/jwt.js';
import type { Credentials, TokenLifetimes } from '../tokens/service.js';
import { VIDEOSDK_DEFAULT_TTL } from '../tokens/videosdk.js';
import { readClientAuth, type ClientAuth } from './client-auth.js';
import { generatedCredentials, PROVIDER_VARIABLES, readCredentials, secretsIn } from './credentials.js';
import { envReader, type Env } from './env.js';
import { readSecretFiles } from './files.js';
import { isServerUrl, parseOrigins, parseTrustProxy } from './network.js';
import { checkSecrets } from './secrets.js';
import { isProduction, misspeltSettings, redactUrlCredentials } from './settings.js';

export type { ClientAuth } from './client-auth.js';
export type { Env } from './env.js';

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
  /** OTLP/HTTP trace export (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME); absent: no tracing, no SDK loaded. */
  readonly tracing?: { readonly endpoint: string; readonly serviceName: string };
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
export function loadConfig(given: Env, options: LoadOptions = {}): Config {
  const serving = options.serving ?? true;
  const problems: string[] = [];
  // Secrets given as <NAME>_FILE are read first, so every rule below applies to the file's value.
  const env = readSecretFiles(given, problems);
  const { get, int } = envReader(env, problems);

  const nodeEnv = get('NODE_ENV') ?? 'development';
  const production = isProduction(nodeEnv);
  const warnings: string[] = misspeltSettings(Object.keys(given).filter((name) => given[name] !== undefined));
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
  const corsOrigins = parseOrigins(
    required('CORS_ORIGINS', 'the browser origins allowed to call, like https://app.example.com (or * for any)') ?? '*',
    problems,
  );
  if (production && serving && corsOrigins === '*')
    warnings.push("CORS_ORIGINS=*: any web page, on any origin, may call the token routes from its visitors' browsers");
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
  const rolePolicyText = get('ROLE_POLICY') ?? 'open';
  const rolePolicy = rolePolicyText === 'claims' ? 'claims' : 'open';
  if (rolePolicyText !== 'open' && rolePolicyText !== 'claims') problems.push(`ROLE_POLICY must be open or claims (got "${rolePolicyText}")`);
  else if (rolePolicy === 'claims' && clientAuth.mode !== 'jwt') problems.push("ROLE_POLICY=claims needs CLIENT_AUTH=jwt: roles come from the caller's token");

  const otlpEndpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlpEndpoint !== undefined && !isServerUrl(otlpEndpoint, ['http:', 'https:'])) {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL of an OTLP/HTTP receiver (got "${redactUrlCredentials(otlpEndpoint)}")`);
  }
  const tracing = otlpEndpoint === undefined ? undefined : { endpoint: otlpEndpoint, serviceName: get('OTEL_SERVICE_NAME') ?? 'rtc-token-server' };

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
    ...(tracing === undefined ? {} : { tracing }),
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof KeyObject) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
