/**
 * createApp: the middleware chain and routes of the service. It never listens (see server.ts),
 * so tests drive it in-process with supertest.
 *
 * Order: one preamble (request id + log + metrics, the fixed API security and no-store headers,
 * CORS), then
 * the app's own router: the rate limit (which skips the probes) → token routes (auth → validate →
 * handler) → meeting and admin routes (auth → body → validate → handler) → docs (which alone allow
 * caching) → probes (/healthz, /readyz, /metrics) → JSON 404 → the one error handler.
 */
import express, { type Express } from 'express';
import { API_SECURITY_HEADERS, fixedHeaders } from './http/middleware/security-headers.js';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from './clock.js';
import { RevocationRules } from './revocation/rules.js';
import type { Tracing } from './tracing.js';
import type { Config } from './config/index.js';
import { createLogger, type Logger } from './logger.js';
import { createTokenService, type TokenService } from './tokens/service.js';
import { corsPolicy } from './http/middleware/cors.js';
import { requestLog } from './http/middleware/request-log.js';
import { compose } from './http/middleware/compose.js';
import { parseQueryString } from './http/query.js';
import { NO_STORE_HEADERS } from './http/middleware/nocache.js';
import { rateLimitPolicy } from './http/middleware/rate-limit.js';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { opsRoutes } from './http/routes/ops.js';
import { docsRoutes } from './http/routes/docs.js';
import { tokenRoutes } from './http/routes/tokens.js';
import { callerAccess } from './http/middleware/caller-auth.js';
import type { JwksOptions } from './auth/jwt.js';
import { meetingRoutes } from './http/routes/meetings.js';
import { adminRoutes } from './http/routes/admin.js';
import { communityRoutes } from './http/routes/community.js';
import type { RouteDeps, RouteModule } from './http/routes/deps.js';
import { openMemoryStore } from './meetings/memory.js';
import type { MeetingStore } from './meetings/store.js';
import { createMetrics, type Metrics } from './metrics.js';

/** What createApp may be given instead of building it from the config. */
export interface AppDeps {
  readonly logger?: Logger;
  readonly tokens?: TokenService;
  /** The meeting store (server.ts opens the one DATABASE_URL names); defaults to a memory store. */
  readonly store?: MeetingStore;
  /** Shared Redis for rate-limit counters (REDIS_URL); absent: counters are per instance. */
  readonly redis?: Redis;
  /** Prometheus metrics; each app gets its own unless given. */
  readonly metrics?: Metrics;
  /** The clock for issued tokens; defaults to the system clock. */
  readonly clock?: Clock;
  /** Trace export (src/tracing.ts), when OTEL_EXPORTER_OTLP_ENDPOINT is set: its middleware opens each request's span. */
  readonly tracing?: Pick<Tracing, 'middleware'>;
  /**
   * The revocation rules (server.ts loads them from the store and follows its changes before
   * serving); defaults to rules over `store` that start empty and change only through this app.
   */
  readonly revocations?: RevocationRules;
  /** While Redis fails, how often the rate limiter tries it again; defaults to RETRY_INTERVAL_MS (2 s). */
  readonly redisRetryIntervalMs?: number;
  /** How CLIENT_JWKS_URL's keys are cached and fetched; defaults to JWKS_DEFAULTS (auth/jwt.ts). */
  readonly jwks?: JwksOptions;
}

/** Every route module, the most requested first: token routes, meetings, the community servers' shapes, admin, docs, probes. */
const ROUTE_MODULES: readonly RouteModule[] = [tokenRoutes, meetingRoutes, communityRoutes, adminRoutes, docsRoutes, opsRoutes];

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createMetrics();
  const store = deps.store ?? openMemoryStore();
  const clock = deps.clock ?? systemClock;
  const revocations = deps.revocations ?? new RevocationRules(store, logger, clock);
  // Every token route of every provider mints through these issuers: a revoked user or room gets a 403.
  const tokens = deps.tokens ?? createTokenService(config, { clock, onIssued: metrics.tokenIssued, check: revocations.mintCheck });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.set('query parser', parseQueryString);
  if (deps.tracing) app.use(deps.tracing.middleware);
  app.use(compose(requestLog(logger, metrics.observe), fixedHeaders([...API_SECURITY_HEADERS, ...NO_STORE_HEADERS]), corsPolicy(config)));

  // Every route on the app's own router, checked as one list (no router inside a router), the most
  // requested first: the token routes, then meetings, admin, docs and the probes.
  const routes = app.router;
  const limiter = rateLimitPolicy(config.rateLimitPerMinute, { redis: deps.redis, logger, retryIntervalMs: deps.redisRetryIntervalMs });
  if (limiter) routes.use(limiter);
  const routeDeps: RouteDeps = {
    tokens,
    store,
    revocations,
    logger,
    metrics,
    // Built once: under CLIENT_AUTH=jwt with a JWKS URL this holds the one cached key set.
    callers: callerAccess(config, logger, { clock: tokens.clock, jwks: deps.jwks }),
    adminKeyDigest: config.adminKeyDigest,
    maxTtl: config.ttl.max,
  };
  for (const register of ROUTE_MODULES) register(routes, routeDeps);
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
