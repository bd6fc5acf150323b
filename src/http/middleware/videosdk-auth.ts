import type { RequestHandler, Response } from 'express';
import { AppError, InvalidTokenError, providerNotConfigured, unauthorized } from '../../errors.js';
import type { RevocationRules } from '../../revocation/rules.js';
import { verifyVideoSdkToken, type VideoSdkClaims, type VideoSdkCredentials } from '../../tokens/videosdk.js';
import type { TokenService } from '../../tokens/service.js';
import { bearerToken } from './admin-auth.js';
import { jsonBody } from './json-body.js';
import { optional, text } from '../../tokens/args.js';
import { parseBody } from '../query.js';

/** The verified caller of a meeting route. */
export function caller(res: Response): VideoSdkClaims {
  return res.locals.videosdk!;
}

/** The JSON body fields a meeting route reads: the token (when there is no Authorization header) and a region. */
const bodySchema = {
  token: optional(text({ maxBytes: 4096 })),
  region: optional(text({ maxBytes: 32, pattern: /^[a-z0-9-]+$/, patternHint: 'may only contain a-z, 0-9 and -' })),
};

/**
 * The meeting routes' JSON body, read once: `{}` for none or for JSON that is not an object (which
 * the meeting routes have always ignored), else its `token` and `region`, validated (400 naming
 * the field).
 */
export function meetingBody(body: unknown): { token?: string | undefined; region?: string | undefined } {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? parseBody(bodySchema, body) : {};
}

/**
 * Meeting routes take the VideoSDK token from /get-token in `Authorization`, bare or as
 * `Bearer <token>`, the way VideoSDK's own API takes it, or, with no Authorization header at all,
 * as the JSON body's `token`, the way VideoSDK's example API servers take it (the body is then
 * read first, so a bad body is its 4xx). Missing, invalid (signed with neither
 * the current nor the previous secret) or refused by a revocation rule: 401. A token whose `roles`
 * leave out `crawler` is for joining a room only: 403. The rules are held in memory, so this costs
 * no store round trip.
 */
export function requireVideoSdkToken(tokens: TokenService, revocations: RevocationRules): RequestHandler {
  /** Verifies `token` and admits the caller, or throws the 401/403. */
  const admit = (credentials: VideoSdkCredentials, token: string | undefined, res: Response): void => {
    if (token === undefined) {
      throw unauthorized('an Authorization header, or a JSON body with a token, carrying a token from /get-token is required', 'Bearer');
    }
    const now = tokens.clock();
    let claims: VideoSdkClaims;
    try {
      claims = verifyVideoSdkToken(token, credentials, { now });
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw unauthorized(error.message, 'Bearer', true);
    }
    if (revocations.matchToken(claims, now) !== undefined) throw unauthorized('the token has been revoked', 'Bearer', true);
    if (claims.roles !== undefined && !claims.roles.includes('crawler')) {
      throw new AppError('forbidden', 'this token lacks the crawler role: rtc-only tokens cannot call meeting APIs');
    }
    res.locals.videosdk = claims;
  };
  // With an Authorization header (the common case) everything is synchronous: no promise per request.
  return (req, res, next) => {
    // Checked first: an unconfigured provider is a 503 before any body is read.
    const credentials = tokens.credentials.videosdk;
    if (credentials === undefined) throw providerNotConfigured('videosdk');
    const header = req.headers.authorization?.trim();
    if (header !== undefined) {
      admit(credentials, bearerToken(header) ?? (header && !/\s/.test(header) ? header : undefined), res);
      next();
      return;
    }
    // No header: the token is the JSON body's, read first (a bad body is its own 4xx).
    jsonBody(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      try {
        admit(credentials, meetingBody(req.body).token, res);
      } catch (refused) {
        return next(refused);
      }
      next();
    });
  };
}
