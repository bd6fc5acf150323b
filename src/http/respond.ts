import type { RequestHandler, Response } from 'express';
import type { Schema } from '../tokens/args.js';
import type { IssuedToken } from '../tokens/jwt.js';
import type { Issuer } from '../tokens/service.js';
import { parseBody, parseQuery } from './query.js';

/** The body of every token response. */
export function sendToken(res: Response, issued: IssuedToken): void {
  res.json({ token: issued.token, expiresAt: issued.expiresAt.toISOString() });
}

/** A GET route: 503 when the provider is not configured, 400 for bad query arguments, else the token. */
export function issueFromQuery<S extends Schema>(issuer: Issuer<S>): RequestHandler {
  return (req, res) => {
    issuer.assertConfigured();
    sendToken(res, issuer.issue(parseQuery(issuer.schema, req.query)));
  };
}

/** A POST route whose optional JSON body carries the arguments. */
export function issueFromBody<S extends Schema>(issuer: Issuer<S>): RequestHandler {
  return (req, res) => {
    issuer.assertConfigured();
    sendToken(res, issuer.issue(parseBody(issuer.schema, req.body)));
  };
}
