/**
 * One serving process: open the meeting store, build the app, listen, and shut down gracefully
 * on SIGTERM/SIGINT (stop accepting, let in-flight requests finish, close the store and Redis,
 * exit 0). It runs alone, or as one of WEB_CONCURRENCY cluster workers.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import { createApp } from './app.js';
import { openStore } from './meetings/open.js';
import type { MeetingStore } from './meetings/store.js';
import { schedulePurge } from './meetings/purge.js';
import { connectRedis } from './redis.js';
import { systemClock } from './clock.js';
import { RevocationRules } from './revocation/rules.js';
import type { Tracing } from './tracing.js';

export async function runWorker(config: Config, logger: Logger): Promise<void> {
  // Each is assigned once, below, but shutdown() reads them before that (a signal while the store
  // opens), so they cannot be consts declared where they are made.
  /* eslint-disable prefer-const */
  let store: MeetingStore | undefined;
  let server: Server | undefined;
  let redis: ReturnType<typeof connectRedis> | undefined;
  let stopPurge: (() => void) | undefined;
  let revocations: RevocationRules | undefined;
  let tracing: Tracing | undefined;
  /* eslint-enable prefer-const */
  let stopping = false;
  // Responses not yet sent when draining starts, and every one after, tell keep-alive clients to
  // stop reusing the connection, so in-flight requests end with a clean close rather than a reset.
  const unsent = new Set<ServerResponse>();

  /** Stops accepting, lets in-flight requests finish, closes the store, exits 0. */
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    stopPurge?.();
    revocations?.stop();
    const closeStore = () =>
      Promise.all([store?.close(), redis?.quit().catch(() => redis?.disconnect()), tracing?.shutdown()])
        .then(() => logger.info('stopped'))
        .catch((error: unknown) => logger.error({ err: error }, 'closing the meeting store failed'))
        .finally(() => process.exit(0));
    // A signal while the store is still opening: nothing is being served yet.
    if (server === undefined) {
      void closeStore();
      return;
    }
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server?.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    for (const res of unsent) if (!res.headersSent) res.setHeader('Connection', 'close');
    // In-flight requests finish first; only then is the store closed.
    server.close(() => void closeStore());
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // The SDK is imported only when traces are to be sent: without OTEL_EXPORTER_OTLP_ENDPOINT, none of it loads.
  if (config.tracing) tracing = (await import('./tracing.js')).startTracing(config.tracing, logger);
  try {
    store = await openStore(config.databaseUrl, logger);
    if (tracing) store = tracing.wrapStore(store);
  } catch (error) {
    logger.fatal({ err: error }, 'cannot open the meeting store named by DATABASE_URL');
    process.exit(1);
  }
  // The revocation rules in force, before the first request: every one is enforced from the start.
  revocations = new RevocationRules(store, logger, systemClock);
  try {
    await revocations.start();
  } catch (error) {
    logger.fatal({ err: error }, 'cannot load the revocation rules from the meeting store');
    process.exit(1);
  }
  logger.info({ store: store.kind, revocationRules: revocations.size }, 'meeting store ready');
  // Rules end at their `until`: delete ended ones now and then.
  stopPurge = schedulePurge(store, logger);

  redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const app = createApp(config, { logger, store, redis, revocations, ...(tracing ? { tracing } : {}) });
  // Slow or stalled clients are cut off instead of holding sockets open: a 408, then the close.
  server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(config.headersTimeoutMs),
    },
    (req, res) => {
      if (stopping) res.setHeader('Connection', 'close');
      unsent.add(res);
      res.once('finish', () => unsent.delete(res)).once('close', () => unsent.delete(res));
      app(req, res);
    },
  );

  server.on('error', (error) => {
    logger.fatal({ err: error }, 'server error');
    process.exit(1);
  });
  const listening = server;
  listening.listen(config.port, config.host, () => {
    const address = listening.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ host: config.host, port }, `listening on http://${config.host}:${port}`);
  });
}

/**
 * Node enforces headersTimeout and requestTimeout only when it sweeps its connections, every
 * `connectionsCheckingInterval` (30 s by default): a stalled client could hold its socket up to
 * 30 s past its timeout. Sweeping every second, or twice per headers timeout when that is shorter,
 * cuts it off within a second of its timeout, at the cost of one cheap pass over the open
 * connections per sweep.
 */
export function connectionsCheckingIntervalMs(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 2)));
}
