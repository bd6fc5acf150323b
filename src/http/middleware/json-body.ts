import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/** Largest JSON body a POST route accepts. */
export const BODY_LIMIT = '16kb';

const parseJson = express.json({
  limit: BODY_LIMIT,
  strict: true,
  type: 'application/json',
  // JSON text is UTF-8 (RFC 8259 §8.1): another declared charset (utf-16, utf-7, which can hide text
  // from filters) is refused, and bytes that are not UTF-8 are malformed JSON, never text patched with U+FFFD.
  verify(_req, _res, body, encoding) {
    if (body.length === 0) return;
    if (encoding !== 'utf-8') throw new AppError('unsupported-media-type', 'the request body must be UTF-8 JSON (charset=utf-8 or none)');
    if (!isUtf8(body)) throw new AppError('malformed-json', 'the request body is not valid JSON: it is not UTF-8');
  },
});

/**
 * The optional JSON body of a POST route: no body is fine, a JSON body is parsed (malformed → 400,
 * too large → 413), and a body of any other type is 415 rather than silently ignored.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  // Nothing to read (most meeting calls carry the token in Authorization): req.body stays undefined.
  if (!hasBody) {
    next();
    return;
  }
  if (!req.is('application/json')) {
    next(new AppError('unsupported-media-type', 'the request body must be application/json'));
    return;
  }
  parseJson(req, res, next);
};
