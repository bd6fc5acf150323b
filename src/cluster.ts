/**
 * WEB_CONCURRENCY > 1: this process forks that many workers (src/worker.ts) that share the port
 * (node:cluster hands connections round-robin). It restarts a worker that dies, passes SIGTERM and
 * SIGINT on, and exits 0 once every worker has drained, or after SHUTDOWN_TIMEOUT_MS plus a margin.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';

// A worker that dies this soon after starting is failing to start (port taken, store
// unreachable): restarting it would only loop, so the whole server stops instead.
const STARTUP_GRACE_MS = 5000;

export function runPrimary(config: Config, logger: Logger, workerEnv: Record<string, string>): void {
  let stopping = false;
  let exitCode = 0;
  const started = new Map<Worker, number>();
  const fork = () => started.set(cluster.fork(workerEnv), Date.now());
  for (let i = 0; i < config.webConcurrency; i++) fork();
  logger.info({ workers: config.webConcurrency }, 'started cluster workers');

  cluster.on('exit', (worker, code, signal) => {
    const startedAt = started.get(worker) ?? 0;
    started.delete(worker);
    if (stopping) {
      if (started.size === 0) {
        logger.info('all workers stopped');
        process.exit(exitCode);
      }
      return;
    }
    if (Date.now() - startedAt < STARTUP_GRACE_MS) {
      logger.fatal({ code, signal }, 'a worker failed while starting; stopping the server');
      stop('SIGTERM', 1);
      return;
    }
    logger.error({ code, signal }, 'a worker died; starting a new one');
    fork();
  });

  const stop = (signal: NodeJS.Signals, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ signal }, 'stopping cluster workers');
    for (const worker of started.keys()) worker.process.kill(signal);
    if (started.size === 0) process.exit(exitCode);
    // Workers bound their own drain by SHUTDOWN_TIMEOUT_MS; this only catches a stuck one.
    setTimeout(() => {
      for (const worker of started.keys()) worker.process.kill('SIGKILL');
      process.exit(exitCode);
    }, config.shutdownTimeoutMs + 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
