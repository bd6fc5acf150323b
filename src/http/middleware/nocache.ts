import type { Response } from 'express';
import type { HeaderList } from './security-headers.js';

/**
 * Tokens must never sit in a browser or proxy cache. Every response starts out uncacheable (the
 * app sets these in its preamble, before any route, so refusals and errors are covered too); a
 * route whose content is public opts in with {@link allowCaching}.
 */
export const NO_STORE_HEADERS: HeaderList = [
  ['Cache-Control', 'no-store'],
  ['Pragma', 'no-cache'],
  ['Expires', '0'],
];

/** Makes this response cacheable as `cacheControl` says, dropping the preamble's no-cache headers. */
export function allowCaching(res: Response, cacheControl: string): void {
  res.removeHeader('Pragma');
  res.removeHeader('Expires');
  res.setHeader('Cache-Control', cacheControl);
}
