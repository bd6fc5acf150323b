import type { RequestHandler, Response } from 'express';
import { AppError, InvalidTokenError, providerNotConfigured, unauthorized } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MeetingStore } from '../../meetings/store.js';
import { verifyVideoSdkToken, type VideoSdkClaims } from '../../tokens/videosdk.js';
import type { TokenService } from '../../tokens/service.js';
import { fromStore } from '../store-guard.js';
import { bearerToken } from './admin-auth.js';

/** The verified caller of a meeting route. */
export function caller(res: Response): VideoSdkClaims {
  return res.locals.videosdk!;
}

/**
 * Meeting routes take the VideoSDK token from /get-token in `Authorization`, bare or as
 * `Bearer <token>`, the way VideoSDK's own API takes it. Missing, invalid (signed with neither
 * the current nor the previous secret) or revoked: 401. A token whose `roles` leave out
 * `crawler` is for joining a room only: 403. The revocation check needs the store: when it is
 * down, 503. Tokens issued before VideoSDK tokens carried a `jti` cannot be revoked one by one.
 */
export function requireVideoSdkToken(tokens: TokenService, store: MeetingStore, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const credentials = tokens.credentials.videosdk;
    if (credentials === undefined) throw providerNotConfigured('videosdk');
    const header = req.headers.authorization?.trim();
    const token = bearerToken(header) ?? (header && !/\s/.test(header) ? header : undefined);
    if (token === undefined) {
      throw unauthorized('an Authorization header carrying a token from /get-token is required', 'Bearer');
    }
    const now = tokens.clock();
    let claims: VideoSdkClaims;
    try {
      claims = verifyVideoSdkToken(token, credentials, { now });
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw unauthorized(error.message, 'Bearer', true);
    }
    const { jti } = claims;
    if (typeof jti === 'string' && (await fromStore(logger, () => store.isRevoked(jti, now)))) {
      throw unauthorized('the token has been revoked', 'Bearer', true);
    }
    if (claims.roles !== undefined && !claims.roles.includes('crawler')) {
      throw new AppError('forbidden', 'this token lacks the crawler role: rtc-only tokens cannot call meeting APIs');
    }
    res.locals.videosdk = claims;
    next();
  };
}
