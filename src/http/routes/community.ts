/**
 * Drop-in routes for Agora's community token servers (the Go agora-token-service and the Node
 * token server tutorial), so their frontends switch by changing one base URL. They are another
 * way into the same issuers: each request is rewritten into the matching token route's arguments
 * and goes through that route's schema (400 naming the field), caller authentication and identity
 * rule. Where those servers are lax, these are not: `tokentype=uid` with a uid that is not a
 * number is a 400, never silently a user-account token.
 */
import type { Request, RequestHandler, Response } from 'express';
import { guard, IDENTITY_RULES, type IdentityRule } from '../../auth/identity.js';
import { AppError, ArgumentRangeError, invalidArguments } from '../../errors.js';
import { optional, required, text, type Schema } from '../../tokens/args.js';
import type { Issuer } from '../../tokens/service.js';
import { callerOf } from '../middleware/caller-auth.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { parseBody, parseQuery, queryOf } from '../query.js';
import type { RouteDeps } from './deps.js';
import type { Router } from 'express';

/** Requests whose lifetime came as `?expiry=`, so a 400 about it names `expiry`. */
const expiryNamed = new WeakMap<Request, boolean>();
const expiryName = (req: Request): Record<string, string> => (expiryNamed.get(req) ? { expireTime: 'expiry' } : {});

const ROLES: Readonly<Record<string, 'publisher' | 'subscriber'>> = { publisher: 'publisher', subscriber: 'subscriber', audience: 'subscriber' };

/** The issuer's arguments from `args` (query-string text), checked by its schema and, when callers authenticate, its guard. */
function admitted<S extends Schema>(issuer: Issuer<S>, rule: IdentityRule<S>, deps: Pick<RouteDeps, 'callers'>, args: Record<string, unknown>, res: Response) {
  issuer.assertConfigured();
  const { callers } = deps;
  if (callers === undefined) return parseQuery(issuer.schema, args);
  const routeGuard = guard(rule, issuer.schema, callers.policy);
  return routeGuard.admit(parseQuery(routeGuard.schema, args), callerOf(res));
}

/** The expiry in seconds from `?expiry=` (the Go server's name) or `?expireTime=` (this service's). */
function expiry(req: Request): Record<string, unknown> {
  const query = queryOf(req);
  if (query.expiry !== undefined) expiryNamed.set(req, true);
  const value = query.expiry ?? query.expireTime;
  if (query.expiry !== undefined && query.expireTime !== undefined)
    throw invalidArguments([new ArgumentRangeError('expiry', 'give expiry or expireTime, not both')]);
  return value === undefined ? {} : { expireTime: value };
}

/** `:role` and `:tokentype` of the community paths, checked; the RTC arguments they and `:uid` make. */
function rtcArgs(req: Request): Record<string, unknown> {
  const { channelName, role, tokentype, uid } = req.params as Record<string, string>;
  const errors = [];
  if (!Object.hasOwn(ROLES, role!)) errors.push(new ArgumentRangeError('role', 'role must be one of: publisher, subscriber, audience'));
  if (tokentype !== 'uid' && tokentype !== 'userAccount') errors.push(new ArgumentRangeError('tokentype', 'tokentype must be one of: uid, userAccount'));
  else if (tokentype === 'uid' && !/^\d+$/.test(uid!)) errors.push(new ArgumentRangeError('uid', 'uid must be a whole number when tokentype is uid'));
  if (errors.length > 0) throw invalidArguments(errors);
  return { channelName, uid, role: ROLES[role!], ...expiry(req) };
}

/**
 * Runs `issue` and words a 400 with the names the client used (`channel`, `expire`, `expiry`…)
 * rather than the token route's own.
 */
function named<T>(names: Readonly<Record<string, string>>, issue: () => T): T {
  try {
    return issue();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'invalid-request' || error.errors === undefined) throw error;
    const rename = (field: string) => names[field] ?? field;
    throw invalidArguments(
      error.errors.map(
        ({ field, message }) => new ArgumentRangeError(rename(field), message.startsWith(field) ? rename(field) + message.slice(field.length) : message),
      ),
    );
  }
}

/** Sends a JSON body; these routes answer in the community servers' shapes, not `{ token, expiresAt }`. */
function sendJson(res: Response, body: Record<string, string>): void {
  res.status(200).json(body);
}

const getTokenBody = {
  tokenType: required(text({ maxBytes: 8 })),
  channel: optional(text({ maxBytes: 64 })),
  role: optional(text({ maxBytes: 16 })),
  uid: optional(text({ maxBytes: 255 })),
  expire: optional(text({ maxBytes: 16 })),
};

/** Where the community routes live, as path prefixes (for the embedded router's headers and limit). */
export const COMMUNITY_PREFIXES = ['/ping', '/rtc', '/rtm', '/rte', '/getToken'] as const;

export const communityRoutes = (router: Router, deps: Pick<RouteDeps, 'tokens' | 'callers'>): void => {
  const { tokens, callers } = deps;
  const auth: RequestHandler[] = callers === undefined ? [] : [callers.authenticate];
  const get = (path: string, handler: RequestHandler) =>
    router
      .route(path)
      .get(...auth, handler)
      .all(onlyMethods('GET', 'HEAD'));

  router
    .route('/ping')
    .get((_req, res) => sendJson(res, { message: 'pong' }))
    .all(onlyMethods('GET', 'HEAD'));

  get('/rtc/:channelName/:role/:tokentype/:uid', (req, res) => {
    const asked = rtcArgs(req);
    const args = named(expiryName(req), () => admitted(tokens.agoraRtc, IDENTITY_RULES.agoraRtc, deps, asked, res));
    sendJson(res, { rtcToken: tokens.agoraRtc.issue(args).token });
  });
  get('/rtm/:uid', (req, res) => {
    const asked = { uid: req.params.uid, ...expiry(req) };
    const args = named(expiryName(req), () => admitted(tokens.agoraRtm, IDENTITY_RULES.agoraRtm, deps, asked, res));
    sendJson(res, { rtmToken: tokens.agoraRtm.issue(args).token });
  });
  get('/rte/:channelName/:role/:tokentype/:uid', (req, res) => {
    const asked = rtcArgs(req);
    const rtc = named(expiryName(req), () => admitted(tokens.agoraRtc, IDENTITY_RULES.agoraRtc, deps, asked, res));
    const rtm = admitted(tokens.agoraRtm, IDENTITY_RULES.agoraRtm, deps, { uid: String(rtc.uid), expireTime: String(rtc.expireTime) }, res);
    sendJson(res, { rtcToken: tokens.agoraRtc.issue(rtc).token, rtmToken: tokens.agoraRtm.issue(rtm).token });
  });

  // The Node tutorial's server: a JSON body in, the bare token out as text/plain; errors stay problem+json.
  router
    .route('/getToken')
    .post(...auth, jsonBody, (req, res) => {
      const body = parseBody(getTokenBody, asText(req.body));
      const names = { channelName: 'channel', expireTime: 'expire', userId: 'uid' };
      const expireTime = body.expire === undefined ? {} : { expireTime: body.expire };
      let token: string;
      if (body.tokenType === 'rtc') {
        const role = body.role ?? 'subscriber';
        if (!Object.hasOwn(ROLES, role)) throw invalidArguments([new ArgumentRangeError('role', 'role must be one of: publisher, subscriber, audience')]);
        const args = { channelName: body.channel, uid: body.uid, role: ROLES[role], ...expireTime };
        token = tokens.agoraRtc.issue(named(names, () => admitted(tokens.agoraRtc, IDENTITY_RULES.agoraRtc, deps, args, res))).token;
      } else if (body.tokenType === 'rtm') {
        token = tokens.agoraRtm.issue(
          named(names, () => admitted(tokens.agoraRtm, IDENTITY_RULES.agoraRtm, deps, { uid: body.uid, ...expireTime }, res)),
        ).token;
      } else if (body.tokenType === 'chat') {
        token = tokens.agoraChat.issue(
          named(names, () => admitted(tokens.agoraChat, IDENTITY_RULES.agoraChat, deps, { userId: body.uid, ...expireTime }, res)),
        ).token;
      } else {
        throw invalidArguments([new ArgumentRangeError('tokenType', 'tokenType must be one of: rtc, rtm, chat')]);
      }
      res.status(200).type('text/plain').send(token);
    })
    .all(onlyMethods('POST'));
};

/**
 * The body with numbers as their text: the tutorial's clients send `uid` and `expire` as JSON
 * numbers or strings, and the token routes' schemas read query text.
 */
function asText(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[key] = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return out;
}
