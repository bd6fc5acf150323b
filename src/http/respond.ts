import type { RequestHandler, Response } from 'express';
import type { Guard } from '../auth/identity.js';
import type { Schema } from '../tokens/args.js';
import type { IssuedToken } from '../tokens/jwt.js';
import type { Issuer } from '../tokens/service.js';
import { callerOf } from './middleware/caller-auth.js';
import { parseBody, parseQuery, queryOf } from './query.js';

/**
 * Writes a JSON answer (200 unless told) directly rather than through Express's res.json/res.send, whose
 * charset parsing and ETag/freshness checks serve nothing for an uncacheable small body on the
 * hottest paths (HEAD is still answered without a body: Node drops it). Byte for byte what
 * res.json writes (a test checks).
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The body of every token response, `{ token, expiresAt }`. */
export function sendToken(res: Response, issued: IssuedToken): void {
  sendJson(res, { token: issued.token, expiresAt: issued.expiresAt.toISOString() });
}

/**
 * A GET route: 503 when the provider is not configured, 400 for bad query arguments, then, when
 * callers authenticate, 403 unless the `guard` admits the request for this caller; else the token.
 */
export function issueFromQuery<S extends Schema>(issuer: Issuer<S>, guard?: Guard<S>): RequestHandler {
  return (req, res) => {
    issuer.assertConfigured();
    const query = queryOf(req);
    const args = guard === undefined ? parseQuery(issuer.schema, query) : guard.admit(parseQuery(guard.schema, query), callerOf(res));
    sendToken(res, issuer.issue(args));
  };
}

/** A POST route whose optional JSON body carries the arguments. */
export function issueFromBody<S extends Schema>(issuer: Issuer<S>): RequestHandler {
  return (req, res) => {
    issuer.assertConfigured();
    sendToken(res, issuer.issue(parseBody(issuer.schema, req.body)));
  };
}
