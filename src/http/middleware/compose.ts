import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A middleware that finishes its work before it returns (it calls `next` or answers synchronously). */
export type SyncHandler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * Runs synchronous middleware one after another as a single middleware. Every request passes the
 * same preamble (log, metrics, security headers, CORS); as one router layer instead of four it
 * skips three rounds of Express's per-layer dispatch (see docs/performance.md). An error passed to
 * a step's `next`, or thrown by it, goes to Express's error handling.
 *
 * Only synchronous steps: a step that returned a promise could reject after the next step ran,
 * and its error would be lost, so an async function is refused when the chain is built.
 */
export function compose(...handlers: SyncHandler[]): RequestHandler {
  for (const handler of handlers) {
    if (handler.constructor.name === 'AsyncFunction') throw new TypeError(`compose() takes synchronous middleware only; ${handler.name || 'a step'} is async`);
  }
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (handler === undefined) return next();
      try {
        handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
