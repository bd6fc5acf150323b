/**
 * Server-side token administration, for media servers and backends. All need
 * `Authorization: Bearer <ADMIN_API_KEY>` and exist only when ADMIN_API_KEY is set.
 * - POST /introspect (RFC 7662 shape): is a native or VideoSDK token this server issued active?
 * - POST /revoke: a revocation rule (one token by `token` or `jti`, a `subject`, a `room`, or every
 *   token `issuedBefore` an instant) until `until`; GET /revocations lists the rules in force and
 *   DELETE /revocations/:id lifts one. Rules are stored and reach every instance (see
 *   ../../revocation/rules.ts), where they refuse matching tokens and the minting of new ones.
 * - POST /inspect: the token doctor (see ../../tokens/inspect.ts).
 */
import { randomUUID } from 'node:crypto';
import { AppError, ArgumentRangeError, ArgumentTypeError, InvalidTokenError, invalidArguments } from '../../errors.js';
import { instant, noted, optional, required, text } from '../../tokens/args.js';
import { verifyIssuedToken, type VerifiedToken } from '../../tokens/introspect.js';
import { inspectToken } from '../../tokens/inspect.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../tokens/jwt.js';
import { RULE_KINDS, type RevocationRule, type RuleKind } from '../../revocation/rules.js';
import { requireAdminKey } from '../middleware/admin-auth.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { parseBody, parseQuery } from '../query.js';
import { fromStore } from '../store-guard.js';
import type { RouteModule } from './deps.js';

/** Longest token accepted in a body; this server's tokens are well under 1 KB. */
export const MAX_TOKEN_BYTES = 4096;
const token = text({ maxBytes: MAX_TOKEN_BYTES });
const identifier = text({ maxBytes: 255 });
const introspectSchema = { token: required(token) };
const revokeSchema = {
  token: noted(optional(token), 'A native or VideoSDK token of this server: revoked by its `jti`'),
  jti: optional(text({ maxBytes: 128 })),
  subject: noted(optional(identifier), 'A user: `sub`, `participantId` or `userId` of a token, or the user a token route mints for'),
  room: noted(optional(identifier), 'A room or channel: `room`, `roomId` or `channel` of a token, or the room a token route mints for'),
  issuedBefore: noted(optional(instant()), 'Every token whose `iat` is before this instant'),
  until: noted(optional(instant()), 'When the rule ends; default now + `TOKEN_MAX_TTL` (plus the 5-s clock tolerance)'),
};
const ruleIdSchema = { id: required(text({ maxBytes: 64 })) };
const inspectSchema = { token: noted(required(token), 'Any token: Agora (007…), VideoSDK, 100ms or native JWT') };

/** The rule as the API shows it. */
const ruleBody = (rule: RevocationRule) => ({
  id: rule.id,
  kind: rule.kind,
  value: rule.value,
  until: rule.until.toISOString(),
  createdAt: rule.createdAt.toISOString(),
});

export const adminRoutes: RouteModule = (router, { revocations, tokens, logger, adminKeyDigest, maxTtl }) => {
  if (adminKeyDigest === undefined) return;
  const admin = requireAdminKey(adminKeyDigest);

  /** The verified token, or undefined when it is not an unexpired token of ours. */
  const verify = (raw: string, now: Date, ignoreExpiration = false): VerifiedToken | undefined => {
    try {
      return verifyIssuedToken(raw, tokens.credentials, { now, ignoreExpiration });
    } catch (error) {
      if (error instanceof InvalidTokenError) return undefined;
      throw error;
    }
  };

  router
    .route('/introspect')
    .post(admin, jsonBody, (req, res) => {
      const now = tokens.clock();
      const verified = verify(parseBody(introspectSchema, req.body).token, now);
      // Whatever makes a token inactive stays private (RFC 7662 §2.2): the answer is only `active: false`.
      if (verified === undefined || revocations.matchToken(verified.claims, now) !== undefined) {
        res.json({ active: false });
        return;
      }
      res.json({ ...verified.claims, active: true, token_type: verified.type });
    })
    .all(onlyMethods('POST'));

  router
    .route('/revoke')
    .post(admin, jsonBody, async (req, res) => {
      const body = parseBody(revokeSchema, req.body);
      const given = RULE_BODY_KINDS.filter((field) => body[field] !== undefined);
      if (given.length === 0) throw invalidArguments([new ArgumentTypeError('body', `the body must hold one of ${RULE_BODY_KINDS.join(', ')}`)]);
      if (given.length > 1)
        throw invalidArguments([new ArgumentRangeError(given[1]!, `${given[1]!} cannot be combined with ${given[0]!}: one rule per request`)]);
      const now = tokens.clock();
      if (body.until !== undefined && body.until <= now) throw invalidArguments([new ArgumentRangeError('until', 'until must be in the future')]);
      const field = given[0]!;
      // A token is revoked by its jti.
      const kind: RuleKind = field === 'token' ? 'jti' : field;
      let value: string;
      if (field === 'token') {
        const verified = verify(body.token!, now, true);
        if (verified === undefined) throw invalidArguments([new ArgumentRangeError('token', 'token is not a valid token from this server')]);
        const claimed = verified.claims.jti;
        if (typeof claimed !== 'string') {
          throw invalidArguments([
            new ArgumentRangeError('token', 'token has no jti (a VideoSDK token issued before tokens carried one): revoke its subject or room instead'),
          ]);
        }
        value = claimed;
      } else {
        value = field === 'issuedBefore' ? body.issuedBefore!.toISOString() : body[field]!;
      }
      // No token of this deployment outlives TOKEN_MAX_TTL (verifiers allow the clock tolerance past it).
      const until = body.until ?? new Date(now.getTime() + (maxTtl + CLOCK_TOLERANCE_SECONDS) * 1000);
      const rule = await fromStore(logger, () => revocations.add({ id: randomUUID(), kind, value, until, createdAt: now }));
      logger.info({ rule: { id: rule.id, kind: rule.kind, until: rule.until } }, 'revocation rule added');
      res.status(201).json(ruleBody(rule));
    })
    .all(onlyMethods('POST'));

  router
    .route('/revocations')
    .get(admin, (_req, res) => {
      res.json({ revocations: revocations.list(tokens.clock()).map(ruleBody) });
    })
    .all(onlyMethods('GET', 'HEAD'));

  router
    .route('/revocations/:id')
    .delete(admin, async (req, res) => {
      const { id } = parseQuery(ruleIdSchema, req.params);
      if (!(await fromStore(logger, () => revocations.remove(id)))) throw new AppError('not-found', `no revocation rule with id ${id}`);
      logger.info({ rule: { id } }, 'revocation rule lifted');
      res.status(204).end();
    })
    .all(onlyMethods('DELETE'));

  router
    .route('/inspect')
    .post(admin, jsonBody, (req, res) => {
      const now = tokens.clock();
      const raw = parseBody(inspectSchema, req.body).token;
      res.json(inspectToken(raw, tokens.credentials, { now, revokedBy: (claims) => revocations.matchToken(claims, now) }));
    })
    .all(onlyMethods('POST'));
};

/** The body fields that each make a rule, in the order a 400 names them. */
const RULE_BODY_KINDS = ['token', ...RULE_KINDS] as const;
