import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, invalidArguments, isArgumentError, PROBLEM_TYPE_PREFIX, type ProblemBody } from '../../errors.js';

/** The JSON 404 for any path no route serves. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not-found', `no route for ${req.method} ${req.path}`));
};

/**
 * body-parser and Express raise plain errors tagged with `type` or `status`: every one a client
 * causes (a 4xx) becomes a catalogue entry, so no problem leaves outside the catalogue.
 */
interface FrameworkError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
  code?: unknown;
  errno?: unknown;
}

function fromFrameworkError(error: FrameworkError): AppError | undefined {
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
    case 'parameters.too.many':
      return new AppError('payload-too-large', 'the request body has too many parameters');
  }
  const status = error.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  // Any other client error the framework raises (an aborted or mis-sized body…): named as the
  // catalogue's nearest entry, with the framework's own words only when it marks them as safe.
  const detail = error.expose && typeof error.message === 'string' ? error.message : 'the request could not be read';
  if (status === 413) return new AppError('payload-too-large', detail);
  if (status === 415) return new AppError('unsupported-media-type', detail);
  return new AppError('invalid-request', detail);
}

/** The one error handler: every error leaves as RFC 9457 problem+json, without stack or secret. */
export function errorHandler(): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let problem: ProblemBody;
    let headers: Record<string, string> = {};
    const known = error instanceof AppError ? error : fromFrameworkError((error ?? {}) as FrameworkError);
    if (known) {
      problem = known.toProblem();
      headers = { ...known.headers };
    } else if (isArgumentError(error)) {
      // A builder refused an argument the route's schema let through (e.g. read and write both false).
      problem = invalidArguments([error]).toProblem();
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
