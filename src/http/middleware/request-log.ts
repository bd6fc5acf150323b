import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { pino } from 'pino';
import { LOG_BASE, type Logger } from '../../logger.js';
import { AppError } from '../../errors.js';

// An incoming X-Request-Id is kept only when it is short and plain, so it cannot forge log lines.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Query parameters that carry a credential when a client puts one in the URL: their values never
// reach a log line.
const CREDENTIAL_PARAMS = /([?&])(access_token|token|api_key|apikey|key|secret|password)=[^&#]*/gi;

/** The URL as logged: credential-carrying query parameters keep their name, not their value. */
export function loggedUrl(url: string): string {
  return url.replace(CREDENTIAL_PARAMS, '$1$2=[redacted]');
}

/** What a request line records: the fields a pino call would get, and its message. */
export interface RequestRecord {
  readonly req: { readonly id: string; readonly method: string; readonly url: string; readonly remoteAddress: string | undefined };
  readonly res: { readonly statusCode: number };
  readonly responseTime: number;
}

/**
 * Writes info-level request lines straight to the logger's destination, byte for byte what
 * `logger.info(record, msg)` writes (a test holds the two equal). The fields are known and few:
 * the id matched REQUEST_ID or is a UUID, the method is a token Node's parser accepted, the address
 * an IP; only the url needs JSON escaping. Why it skips pino's generic path, with the numbers:
 * docs/performance.md. Returns undefined when the logger does not log at info.
 */
export function requestLineWriter(logger: Logger): ((record: RequestRecord, msg: string) => void) | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
  const level = `{"level":${logger.levels.values.info},"time":`;
  const base = `,${JSON.stringify(LOG_BASE).slice(1, -1)},"req":{"id":"`;
  return ({ req, res, responseTime }, msg) => {
    const address = req.remoteAddress === undefined ? '' : `,"remoteAddress":${JSON.stringify(req.remoteAddress)}`;
    stream.write(
      `${level}${Date.now()}${base}${req.id}","method":"${req.method}","url":${JSON.stringify(req.url)}${address}},"res":{"statusCode":${res.statusCode}},"responseTime":${responseTime},"msg":${JSON.stringify(msg)}}\n`,
    );
  };
}

/**
 * One JSON log line per request, with a request id (an incoming `X-Request-Id`, or a new UUID)
 * echoed back in the response. Only method, url and remote address are logged: no headers, so
 * `Authorization` and cookies never reach the log, and credentials in the query are redacted
 * ({@link loggedUrl}). 5xx log through the logger with what the error handler left in
 * `res.locals.error`: a service-chosen 503 at info with its reason, a fault at error with the
 * error; everything else at info. `onDone` (the metrics)
 * hears of every request from the same listener.
 *
 * One plain object per request and no child logger, with one shared `close` listener
 * (docs/performance.md).
 */
export function requestLog(logger: Logger, onDone?: (req: Request, res: Response, seconds: number) => void): RequestHandler {
  const info = requestLineWriter(logger);
  // One listener for every response (`this` is the response): no closure or record per request.
  function finished(this: Response): void {
    const req = this.req;
    const { requestId: id, requestStarted: started } = this.locals;
    const elapsed = performance.now() - started;
    onDone?.(req, this, elapsed / 1000);
    const record: RequestRecord = {
      req: { id, method: req.method, url: loggedUrl(req.originalUrl), remoteAddress: req.socket.remoteAddress },
      res: { statusCode: this.statusCode },
      responseTime: Math.round(elapsed),
    };
    const error = this.locals.error;
    if (!this.writableFinished) info?.(record, 'request aborted');
    // A 503 the service chose (provider not configured, store or identity provider unreachable) is
    // a state, not a fault: the line says why, at info, since the state itself is warned about
    // once (at start, or when an outage begins); only a fault is an error with a stack.
    else if (error instanceof AppError) logger.info({ ...record, problem: error.code, reason: error.message }, 'request refused');
    else if (this.statusCode >= 500) logger.error({ ...record, err: error }, 'request errored');
    else info?.(record, 'request completed');
  }
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.locals.requestId = id;
    res.locals.requestStarted = performance.now();
    res.on('close', finished);
    next();
  };
}
