import express, { type RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/** Largest JSON body a POST route accepts. */
export const BODY_LIMIT = '16kb';

const parseJson = express.json({ limit: BODY_LIMIT, strict: true, type: 'application/json' });

/**
 * The optional JSON body of a POST route: no body is fine, a JSON body is parsed (malformed → 400,
 * too large → 413), and a body of any other type is 415 rather than silently ignored.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (hasBody && !req.is('application/json')) {
    next(new AppError('unsupported-media-type', 'the request body must be application/json'));
    return;
  }
  parseJson(req, res, next);
};
