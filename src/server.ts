/**
 * The process: load .env and the configuration (once), then serve from this process, or from
 * WEB_CONCURRENCY cluster workers.
 */
import cluster from 'node:cluster';
import dotenv from 'dotenv';
import { loadConfig, type Config } from './config/index.js';
import { generatedCredentials } from './config/credentials.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { runPrimary } from './cluster.js';
import { runWorker } from './worker.js';

dotenv.config({ quiet: true });

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`rtc-token-server: ${error.message}\n`);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
// Start-up warnings come once, from the process the operator started, not from every worker.
if (cluster.isPrimary) {
  for (const warning of config.warnings) logger.warn(warning);
  if (config.devCredentials) {
    logger.warn(
      'no provider credentials are set: using development credentials generated for this process (they change on every start); set real ones in the environment or .env before deploying',
    );
  }
  const missing = Object.entries({
    agora: config.credentials.agora,
    videosdk: config.credentials.videosdk,
    '100ms': config.credentials.hms,
    native: config.credentials.native,
  })
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0) logger.warn({ providers: missing }, 'these providers have no credentials and answer 503');
}

if (cluster.isPrimary && config.webConcurrency > 1) {
  // Every worker must sign and verify with the same keys: generated development credentials are
  // made once here and handed down, or a token from one worker would fail on the next.
  const workerEnv: Record<string, string> = {};
  if (config.devCredentials) {
    for (const [name, value] of Object.entries(generatedCredentials())) if (value !== undefined) workerEnv[name] = value;
  }
  runPrimary(config, logger, workerEnv);
} else {
  await runWorker(config, logger);
}
