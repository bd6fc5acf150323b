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
import { AppError, ArgumentRangeError, invalidArguments, isArgumentError, type ArgumentError } from '../../errors.js';
import { oneOf, optional, required, text, type Schema, type Values } from '../../tokens/args.js';
import type { CallerAccess } from '../middleware/caller-auth.js';
import type { Issuer } from '../../tokens/service.js';
import { callerOf } from '../middleware/caller-auth.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { parseBody, parseQuery, queryOf } from '../query.js';
import { sendJson } from '../respond.js';
import type { RouteDeps } from './deps.js';
import type { Router } from 'express';

/** The community servers' roles; `audience` is a subscriber. */
const ROLE = oneOf(['publisher', 'subscriber', 'audience']);
const TOKEN_TYPE = oneOf(['uid', 'userAccount']);
const asAgoraRole = (role: string) => (role === 'audience' ? 'subscriber' : role);

/** Client-facing names of the token routes' arguments, for a 400 worded as the client asked. */
type Names = Readonly<Record<string, string>>;

/**
 * The issuer's arguments from query-style text, checked by its schema and, when callers
 * authenticate, by its guard (built once, here); a 400 names the fields as in `names`.
 */
function admitter<S extends Schema>(issuer: Issuer<S>, rule: IdentityRule<S>, callers: CallerAccess | undefined) {
  const routeGuard = callers === undefined ? undefined : guard(rule, issuer.schema, callers.policy);
  return (args: Record<string, unknown>, res: Response, names: Names = {}): Values<S> =>
    named(names, () => {
      issuer.assertConfigured();
      return routeGuard === undefined ? parseQuery(issuer.schema, args) : routeGuard.admit(parseQuery(routeGuard.schema, args), callerOf(res));
    });
}

/**
 * The lifetime from `?expiry=` (the Go server's name) or `?expireTime=` (this service's), and the
 * name a 400 about it should use.
 */
function expiry(req: Request): { args: Record<string, unknown>; names: Names } {
  const query = queryOf(req);
  if (query.expiry !== undefined && query.expireTime !== undefined)
    throw invalidArguments([new ArgumentRangeError('expiry', 'give expiry or expireTime, not both')]);
  if (query.expiry !== undefined) return { args: { expireTime: query.expiry }, names: { expireTime: 'expiry' } };
  return { args: query.expireTime === undefined ? {} : { expireTime: query.expireTime }, names: {} };
}

/** `:role`, `:tokentype` and `:uid` of the community paths, checked together; the RTC arguments they make. */
function rtcArgs(req: Request): { args: Record<string, unknown>; names: Names } {
  const { channelName, role, tokentype, uid } = req.params as Record<string, string>;
  const errors: ArgumentError[] = [];
  const read = (check: () => string): string | undefined => {
    try {
      return check();
    } catch (error) {
      if (!isArgumentError(error)) throw error;
      errors.push(error);
      return undefined;
    }
  };
  const agoraRole = read(() => asAgoraRole(ROLE.parse(role!, 'role')));
  if (read(() => TOKEN_TYPE.parse(tokentype!, 'tokentype')) === 'uid' && !/^\d+$/.test(uid!)) {
    errors.push(new ArgumentRangeError('uid', 'uid must be a whole number when tokentype is uid'));
  }
  if (errors.length > 0) throw invalidArguments(errors);
  const lifetime = expiry(req);
  return { args: { channelName, uid, role: agoraRole, ...lifetime.args }, names: lifetime.names };
}

/**
 * Runs `issue` and words a 400 with the names the client used (`channel`, `expire`, `expiry`…)
 * rather than the token route's own.
 */
function named<T>(names: Names, issue: () => T): T {
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

const getTokenBody = {
  tokenType: required(oneOf(['rtc', 'rtm', 'chat'])),
  channel: optional(text({ maxBytes: 64 })),
  role: optional(text({ maxBytes: 16 })),
  uid: optional(text({ maxBytes: 255 })),
  expire: optional(text({ maxBytes: 16 })),
};
/** The body's names for the token routes' arguments. */
const BODY_NAMES: Names = { channelName: 'channel', expireTime: 'expire', userId: 'uid' };

/** Where the community routes live, as path prefixes (for the embedded router's headers and limit). */
export const COMMUNITY_PREFIXES = ['/ping', '/rtc', '/rtm', '/rte', '/getToken'] as const;

export const communityRoutes = (router: Router, { tokens, callers }: Pick<RouteDeps, 'tokens' | 'callers'>): void => {
  const auth: RequestHandler[] = callers === undefined ? [] : [callers.authenticate];
  const rtc = admitter(tokens.agoraRtc, IDENTITY_RULES.agoraRtc, callers);
  const rtm = admitter(tokens.agoraRtm, IDENTITY_RULES.agoraRtm, callers);
  const chat = admitter(tokens.agoraChat, IDENTITY_RULES.agoraChat, callers);
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
    sendJson(res, { rtcToken: tokens.agoraRtc.issue(rtc(asked.args, res, asked.names)).token });
  });
  get('/rtm/:uid', (req, res) => {
    const lifetime = expiry(req);
    sendJson(res, { rtmToken: tokens.agoraRtm.issue(rtm({ uid: req.params.uid, ...lifetime.args }, res, lifetime.names)).token });
  });
  get('/rte/:channelName/:role/:tokentype/:uid', (req, res) => {
    const asked = rtcArgs(req);
    const rtcArgsChecked = rtc(asked.args, res, asked.names);
    const rtmArgs = rtm({ uid: String(rtcArgsChecked.uid), expireTime: String(rtcArgsChecked.expireTime) }, res);
    sendJson(res, { rtcToken: tokens.agoraRtc.issue(rtcArgsChecked).token, rtmToken: tokens.agoraRtm.issue(rtmArgs).token });
  });

  // The Node tutorial's server: a JSON body in, the bare token out as text/plain; errors stay problem+json.
  router
    .route('/getToken')
    .post(...auth, jsonBody, (req, res) => {
      const body = parseBody(getTokenBody, asText(req.body));
      const expireTime = body.expire === undefined ? {} : { expireTime: body.expire };
      let token: string;
      if (body.tokenType === 'rtc') {
        const role = asAgoraRole(ROLE.parse(body.role ?? 'subscriber', 'role'));
        token = tokens.agoraRtc.issue(rtc({ channelName: body.channel, uid: body.uid, role, ...expireTime }, res, BODY_NAMES)).token;
      } else if (body.tokenType === 'rtm') {
        token = tokens.agoraRtm.issue(rtm({ uid: body.uid, ...expireTime }, res, BODY_NAMES)).token;
      } else {
        token = tokens.agoraChat.issue(chat({ userId: body.uid, ...expireTime }, res, BODY_NAMES)).token;
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
