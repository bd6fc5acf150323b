import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/**
 * Answers a known path called with a method it does not serve: OPTIONS gets 204 with `Allow`
 * (CORS preflights are answered earlier by the CORS middleware), anything else 405.
 */
export function onlyMethods(...methods: string[]): RequestHandler {
  const allow = [...methods, 'OPTIONS'].join(', ');
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      res.status(204).end();
      return;
    }
    next(new AppError('method-not-allowed', `${req.method} is not allowed here; use ${methods.join(' or ')}`, { headers: { Allow: allow } }));
  };
}
