/**
 * The process logger: pino JSON lines. Redaction is the second line of defence; the first is that
 * request serializers keep only method, url and remote address, so headers never reach a log.
 */
import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { pino, type Logger, type DestinationStream } from 'pino';
import { redactUrlCredentials } from './config/settings.js';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Paths pino censors wherever a caller logs an object carrying them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

/**
 * The fields every log line carries: the service, the process id and host name (so lines from
 * several pods and processes can be told apart), and under WEB_CONCURRENCY the cluster worker's id.
 */
export const LOG_BASE: Readonly<Record<string, string | number>> = {
  service: 'rtc-token-server',
  pid: process.pid,
  hostname: hostname(),
  ...(cluster.isWorker && cluster.worker ? { worker: cluster.worker.id } : {}),
};

/**
 * How the stdout writer drains: after each write completes it writes what queued meanwhile, up to
 * `maxWrite`, large enough that a saturated server's queue drains (sonic-boom's 16 KB default let
 * it grow without end; docs/performance.md has the numbers). `maxLength` bounds what may queue
 * when stdout itself is slower than the logs: past it, lines are dropped and counted, never held.
 */
export const STDOUT_LOG_BOUNDS = { minLength: 4096, maxWrite: 256 * 1024, maxLength: 32 * 1024 * 1024 } as const;

/** The asynchronous stdout destination, with {@link STDOUT_LOG_BOUNDS}; dropped lines are reported on stderr, at most once a minute. */
export function stdoutDestination(
  fd = 1,
  bounds: { minLength: number; maxWrite: number; maxLength: number } = STDOUT_LOG_BOUNDS,
): ReturnType<typeof pino.destination> {
  const stream = pino.destination({ dest: fd, sync: false, ...bounds });
  let dropped = 0;
  let reported = 0;
  stream.on('drop', () => {
    dropped++;
    if (Date.now() - reported < 60_000) return;
    reported = Date.now();
    process.stderr.write(`rtc-token-server: stdout is slower than the logs; ${dropped} log writes dropped so far\n`);
  });
  return stream;
}

/**
 * pino's error serializer, with user names and passwords cut out of any URL in the error's text
 * fields: a driver's error may quote the REDIS_URL or DATABASE_URL it was given (Node's URL
 * parser keeps the whole input on its errors).
 */
export function serializeError(error: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = pino.stdSerializers.err(error);
  // Bounded depth: an error may carry objects that refer back to themselves.
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactUrlCredentials(value);
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((child) => scrub(child, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, scrub(child, depth + 1)]));
  };
  return scrub(serialized, 0) as Record<string, unknown>;
}

/** Creates the logger; `destination` lets tests capture the output. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: LOG_BASE, serializers: { err: serializeError } };
  // Asynchronous writes to stdout: under load lines written while a write is in flight go out
  // together, and pino flushes what is left synchronously when the process exits.
  if (destination) return pino(options, destination);
  const stdout = stdoutDestination();
  // A quiet server's lines still appear within a second; under load, 4 KB or more go out per write.
  setInterval(() => stdout.flush(), 1000).unref();
  return pino(options, stdout);
}
