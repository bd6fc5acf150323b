import { MemoryStore, rateLimit, type Options, type Store, type IncrementResponse } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { AppError } from '../../errors.js';

/** Prefix of every rate-limit counter key in Redis; the client key (its IP) follows it. */
const REDIS_KEY_PREFIX = 'rts:rl:';

/** While Redis commands fail on a live connection, how often one request tries Redis again. */
export const RETRY_INTERVAL_MS = 2_000;

/** What the limiter needs besides the limit. */
export interface RateLimitDeps {
  /** Shared counters (REDIS_URL); absent: counters live in this process. */
  readonly redis?: Redis | undefined;
  /** Receives the Redis fallback warning and express-rate-limit's configuration checks. */
  readonly logger: Logger;
  /** Overrides {@link RETRY_INTERVAL_MS} (tests shorten it). */
  readonly retryIntervalMs?: number;
}

/**
 * RATE_LIMIT_PER_MINUTE requests per client IP per minute; 0 turns it off. The client IP is
 * Express's `req.ip`, so X-Forwarded-For counts only from proxies TRUST_PROXY trusts. A refused
 * request is a 429 problem+json with `Retry-After` and the standard `RateLimit` headers.
 */
/** Health, readiness and metrics: never rate limited. */
export const UNLIMITED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function rateLimitPolicy(perMinute: number, deps: RateLimitDeps): RequestHandler | undefined {
  if (perMinute === 0) return undefined;
  const { redis, logger } = deps;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Probes must keep answering however busy a client is: a load balancer or scraper that got a
    // 429 would take the instance out or lose its metrics.
    skip: (req) => UNLIMITED_PATHS.has(req.path),
    ...(redis === undefined ? {} : { store: new SharedStore(redis, logger, deps.retryIntervalMs ?? RETRY_INTERVAL_MS) }),
    // express-rate-limit's configuration checks (e.g. X-Forwarded-For arriving while TRUST_PROXY
    // is unset) each report once, to our log instead of the console.
    logger: {
      warn: (error, message) => logger.warn({ err: error }, message ?? String(error)),
      error: (error, message) => logger.error({ err: error }, message ?? String(error)),
    },
    handler(_req, _res, next) {
      next(new AppError('rate-limited', `rate limit of ${perMinute} per minute exceeded for this client; retry after the time in Retry-After`));
    },
  });
}

/**
 * Counters in Redis, shared by every instance. While Redis cannot answer, counters in this process
 * instead: clients are still limited (per instance) and requests never wait on Redis or fail
 * because of it. When Redis answers again, counting moves back to it.
 *
 * Who reports an outage: a connection that is down is reported once by connectRedis
 * (src/redis.ts), so this store then falls back without a word; a command that fails on a live
 * connection (a timeout, an error reply) is reported here, once until Redis answers again.
 */
class SharedStore implements Store {
  readonly localKeys = false;
  readonly prefix = REDIS_KEY_PREFIX;
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #shared: RedisStore;
  readonly #local = new MemoryStore();
  #options: Options | undefined;
  /**
   * The Lua scripts loaded into Redis. RedisStore loads them in `init` and keeps a failed load
   * forever, so they are loaded on first use instead, and again after any failure.
   */
  #scripts: Promise<void> | undefined;
  #failing = false;
  #retryAt = 0;

  readonly #retryIntervalMs: number;

  constructor(redis: Redis, logger: Logger, retryIntervalMs: number) {
    this.#retryIntervalMs = retryIntervalMs;
    this.#redis = redis;
    this.#logger = logger;
    this.#shared = new RedisStore({
      prefix: REDIS_KEY_PREFIX,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
    });
  }

  init(options: Options): void {
    this.#options = options;
    this.#local.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    return (await this.#viaRedis((store) => store.increment(key))) ?? this.#local.increment(key);
  }

  async decrement(key: string): Promise<void> {
    const done = await this.#viaRedis(async (store) => {
      await store.decrement(key);
      return true;
    });
    if (!done) await this.#local.decrement(key);
  }

  async resetKey(key: string): Promise<void> {
    await this.#local.resetKey(key);
    await this.#viaRedis(async (store) => {
      await store.resetKey(key);
      return true;
    });
  }

  /** Runs `operation` on the Redis store; undefined when Redis is down or the operation failed. */
  async #viaRedis<T>(operation: (store: RedisStore) => Promise<T>): Promise<T | undefined> {
    const options = this.#options;
    if (options === undefined || !this.#connected() || Date.now() < this.#retryAt) return undefined;
    // While failing, one request per interval tries Redis; the others count locally meanwhile.
    if (this.#failing) this.#retryAt = Date.now() + this.#retryIntervalMs;
    try {
      this.#scripts ??= this.#shared.init(options);
      await this.#scripts;
      const result = await operation(this.#shared);
      if (this.#failing) this.#logger.info('Redis answers rate-limit commands again: rate limits are shared again');
      this.#failing = false;
      return result;
    } catch (error) {
      this.#scripts = undefined;
      // A connection that went down meanwhile is connectRedis's to report, and to restore.
      if (!this.#connected()) return undefined;
      this.#retryAt = Date.now() + this.#retryIntervalMs;
      if (!this.#failing) {
        this.#logger.warn({ err: error }, 'Redis rate-limit commands failing: rate limits fall back to per-instance counters');
      }
      this.#failing = true;
      return undefined;
    }
  }

  /** Whether commands can be sent: ioredis keeps `ready` until a closing socket has closed. */
  #connected(): boolean {
    return this.#redis.status === 'ready' && this.#redis.stream?.writable === true;
  }
}
