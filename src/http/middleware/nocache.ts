import type { RequestHandler, Response } from 'express';

/**
 * Tokens must never sit in a browser or proxy cache. Every response starts out uncacheable (this
 * runs in the preamble, before any route, so refusals and errors are covered too); a route whose
 * content is public opts in with {@link allowCaching}.
 */
export const nocache: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Expires', '0');
  next();
};

/** Makes this response cacheable as `cacheControl` says, dropping the preamble's no-cache headers. */
export function allowCaching(res: Response, cacheControl: string): void {
  res.removeHeader('Pragma');
  res.removeHeader('Expires');
  res.setHeader('Cache-Control', cacheControl);
}
