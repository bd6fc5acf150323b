import type { RequestHandler } from 'express';

/**
 * Runs synchronous middleware one after another as a single middleware. Every request passes the
 * same preamble (log, metrics, security headers, CORS); as one router layer instead of four it
 * skips three rounds of Express's per-layer dispatch, which profiling showed as a real cost.
 * An error passed to a step's `next`, or thrown by it, goes to Express's error handling.
 */
export function compose(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (handler === undefined) return next();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
