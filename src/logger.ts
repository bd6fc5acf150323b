/**
 * The process logger: pino JSON lines. Redaction is the second line of defence; the first is that
 * request serializers keep only method, url and remote address, so headers never reach a log.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

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

/** The fields every log line carries. */
export const LOG_BASE = { service: 'rtc-token-server' };

/** Creates the logger; `destination` lets tests capture the output. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: LOG_BASE };
  // Asynchronous writes to stdout: under load lines written while a write is in flight go out
  // together, and pino flushes what is left synchronously when the process exits.
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // A quiet server's lines still appear within a second; under load, 4 KB go out per write.
  setInterval(() => stdout.flush(), 1000).unref();
  return pino(options, stdout);
}
