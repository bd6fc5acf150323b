/**
 * `rtc-token-server/express`: every token route as an Express 5 Router, to mount in an existing
 * app under any prefix, configured from the environment by the same rules as the service:
 *
 *   app.use('/rtc', createTokenRouter());
 *
 * The same issuers, schemas, caller authentication, identity rules, security and no-store headers,
 * CORS allow-list, rate limit and problem+json errors as the service, and the community servers'
 * drop-in routes (/ping, /rtc, /rtm, /rte, /getToken); no meeting, admin, docs or
 * probe routes. A path the router does not serve falls through to the host app. The rate limit
 * counts `req.ip`, which follows the host app's `trust proxy` setting.
 */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { loadConfig, type Env } from './config/index.js';
import { createLogger, type Logger } from './logger.js';
import { callerAccess } from './http/middleware/caller-auth.js';
import { compose } from './http/middleware/compose.js';
import { corsPolicy } from './http/middleware/cors.js';
import { errorHandler } from './http/middleware/error-handler.js';
import { NO_STORE_HEADERS } from './http/middleware/nocache.js';
import { rateLimitPolicy } from './http/middleware/rate-limit.js';
import { API_SECURITY_HEADERS, fixedHeaders } from './http/middleware/security-headers.js';
import { TOKEN_ROUTES, tokenRoutes } from './http/routes/tokens.js';
import { COMMUNITY_PREFIXES, communityRoutes } from './http/routes/community.js';
import { createTokenService } from './tokens/service.js';

/** What createTokenRouter may be given besides the environment. */
export interface TokenRouterOptions {
  /** Where warnings and errors go; defaults to pino on stdout at LOG_LEVEL. */
  readonly logger?: Logger;
  /** Shared Redis for the rate-limit counters; absent: counters live in this process. */
  readonly redis?: Redis;
}

/**
 * Builds the token routes from `env` (default `process.env`), validated as the service validates
 * it: a bad variable throws a ConfigError naming every problem.
 */
export function createTokenRouter(env: Env = process.env, options: TokenRouterOptions = {}): Router {
  const config = loadConfig(env);
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  const tokens = createTokenService(config);
  const router = Router();
  // Only the token routes' paths get the headers and the limit: the host app's own routes under
  // the same prefix are left as they are.
  const paths = [...TOKEN_ROUTES.map((route) => route.path), ...COMMUNITY_PREFIXES];
  router.use(paths, compose(fixedHeaders([...API_SECURITY_HEADERS, ...NO_STORE_HEADERS]), corsPolicy(config)));
  const limiter = rateLimitPolicy(config.rateLimitPerMinute, { redis: options.redis, logger });
  if (limiter) router.use(paths, limiter);
  const callers = callerAccess(config, logger, { clock: tokens.clock });
  tokenRoutes(router, { tokens, adminKeyDigest: config.adminKeyDigest, callers });
  communityRoutes(router, { tokens, callers });
  router.use(errorHandler());
  return router;
}
