import type { RequestHandler } from 'express';

/** Tokens must never sit in a browser or proxy cache: every token route, and its errors, say so. */
export const nocache: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Expires', '0');
  next();
};
