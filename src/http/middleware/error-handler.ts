import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, PROBLEM_TYPE_PREFIX, type ProblemBody } from '../../errors.js';
import { isArgumentError } from '../../tokens/args.js';
import type { Logger } from '../../logger.js';

/** The JSON 404 for any path no route serves. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not-found', `no route for ${req.method} ${req.path}`));
};

// body-parser and Express raise plain errors tagged with `type` or `status`; map the ones a client causes.
function fromFrameworkError(error: { type?: string; status?: number; expose?: boolean; message?: string; code?: unknown; errno?: unknown }): AppError | undefined {
  // A body that does not decompress as its Content-Encoding says: zlib's own error, tagged 400.
  if (error.status === 400 && error.type === undefined && typeof error.code === 'string' && typeof error.errno === 'number') {
    return new AppError('malformed-json', 'the request body does not decompress as its Content-Encoding says');
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError('malformed-json', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload-too-large', 'the request body is larger than 16 KB');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported-media-type', 'the request body must be UTF-8 JSON');
  }
  return undefined;
}

/** The one error handler: every error leaves as RFC 9457 problem+json, without stack or secret. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let problem: ProblemBody;
    let headers: Record<string, string> = {};
    const known = error instanceof AppError ? error : fromFrameworkError(error ?? {});
    if (known) {
      problem = known.toProblem();
      headers = { ...known.headers };
    } else if (isArgumentError(error)) {
      // A builder refused an argument the route's schema let through (e.g. read and write both false).
      problem = new AppError('invalid-request', error.message, { errors: [{ field: error.argument, message: error.message }] }).toProblem();
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      const status: number = error.status;
      problem = {
        type: 'about:blank',
        title: STATUS_CODES[status] ?? 'Bad request',
        status,
        detail: error.expose ? String(error.message) : (STATUS_CODES[status] ?? 'bad request'),
      };
    } else {
      // The request log line reports it, at error level, with the request id.
      res.locals.error = error;
      problem = { type: `${PROBLEM_TYPE_PREFIX}internal-error`, title: 'Internal server error', status: 500, detail: 'an unexpected error occurred' };
    }
    // The request log line reports every 5xx: a chosen one (a 503) with its reason, a fault with its error.
    if (problem.status >= 500 && known) res.locals.error = known;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
  };
}
