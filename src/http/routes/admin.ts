/**
 * Server-side token administration, for media servers and backends: POST /introspect (RFC 7662
 * shape) says whether a native or VideoSDK token this server issued is active; POST /revoke denies
 * one token until it expires, in the shared store, so every instance honours it. Both need
 * `Authorization: Bearer <ADMIN_API_KEY>` and exist only when ADMIN_API_KEY is set.
 */
import { ArgumentRangeError, ArgumentTypeError, InvalidTokenError, invalidArguments } from '../../errors.js';
import { optional, required, text } from '../../tokens/args.js';
import { verifyIssuedToken, type VerifiedToken } from '../../tokens/introspect.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../tokens/jwt.js';
import { requireAdminKey } from '../middleware/admin-auth.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { parseBody } from '../query.js';
import { fromStore } from '../store-guard.js';
import type { RouteModule } from './deps.js';

/** The latest end a revocation is stored with: 9999-12-31T23:59:59Z, which every store can hold. */
const LAST_REVOCATION_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Longest token accepted in a body; this server's tokens are well under 1 KB. */
const MAX_TOKEN_BYTES = 4096;
const token = text({ maxBytes: MAX_TOKEN_BYTES });
const introspectSchema = { token: required(token) };
const revokeSchema = { jti: optional(text({ maxBytes: 128 })), token: optional(token) };

export const adminRoutes: RouteModule = (router, { store, tokens, logger, adminKeyDigest, maxTtl }) => {
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
    .post(admin, jsonBody, async (req, res) => {
      const now = tokens.clock();
      const verified = verify(parseBody(introspectSchema, req.body).token, now);
      const { jti } = verified?.claims ?? {};
      // Whatever makes a token inactive stays private (RFC 7662 §2.2): the answer is only `active: false`.
      const revoked = typeof jti === 'string' && (await fromStore(logger, () => store.isRevoked(jti, now)));
      if (verified === undefined || revoked) {
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
      if (body.jti === undefined && body.token === undefined) throw invalidArguments([new ArgumentTypeError('jti', 'jti or token is required')]);
      if (body.jti !== undefined && body.token !== undefined) throw invalidArguments([new ArgumentRangeError('token', 'give jti or token, not both')]);
      const now = tokens.clock();
      let jti: string;
      let until: Date;
      if (body.jti !== undefined) {
        // A bare jti says nothing about its token's expiry: deny it as long as any token can live.
        jti = body.jti;
        until = new Date(now.getTime() + (maxTtl + CLOCK_TOLERANCE_SECONDS) * 1000);
      } else {
        const verified = verify(body.token!, now, true);
        if (verified === undefined) throw invalidArguments([new ArgumentRangeError('token', 'token is not a valid token from this server')]);
        const claimed = verified.claims.jti;
        if (typeof claimed !== 'string') {
          throw invalidArguments([
            new ArgumentRangeError('token', 'token has no jti (a VideoSDK token issued before tokens carried one): it cannot be revoked on its own'),
          ]);
        }
        jti = claimed;
        // Verifiers accept a token up to the clock tolerance past its exp: deny it that long too.
        // A token of ours whose exp no Date can hold (only a holder of our secret could sign one) is
        // denied until the end of year 9999 rather than failing on an invalid date.
        const ms = (verified.claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000;
        until = Number.isFinite(ms) && ms < LAST_REVOCATION_MS ? new Date(ms) : new Date(LAST_REVOCATION_MS);
      }
      // An expired token is refused everywhere already: nothing to store.
      if (until > now) until = await fromStore(logger, () => store.revoke(jti, until));
      res.json({ revoked: true, jti, until: until.toISOString() });
    })
    .all(onlyMethods('POST'));
};
