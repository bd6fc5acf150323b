import type { RequestHandler, Response } from 'express';
import { AppError, providerNotConfigured } from '../../errors.js';
import { InvalidTokenError, verifyVideoSdkToken, type VideoSdkClaims } from '../../tokens/videosdk.js';
import type { TokenService } from '../../tokens/service.js';
import { bearerToken } from './admin-auth.js';

const CHALLENGE = 'Bearer realm="rtc-token-server"';

/** The verified caller of a meeting route. */
export function caller(res: Response): VideoSdkClaims {
  return res.locals.videosdk as VideoSdkClaims;
}

/**
 * Meeting routes take the VideoSDK token from /get-token in `Authorization`, bare or as
 * `Bearer <token>`, the way VideoSDK's own API takes it. Missing or invalid: 401. A token whose
 * `roles` leave out `crawler` is for joining a room only: 403.
 */
export function requireVideoSdkToken(tokens: TokenService): RequestHandler {
  return (req, res, next) => {
    const credentials = tokens.credentials.videosdk;
    if (credentials === undefined) throw providerNotConfigured('videosdk');
    const header = req.headers.authorization?.trim();
    const token = bearerToken(header) ?? (header && !/\s/.test(header) ? header : undefined);
    if (token === undefined) {
      throw new AppError('unauthorized', 'an Authorization header carrying a token from /get-token is required', {
        headers: { 'WWW-Authenticate': CHALLENGE },
      });
    }
    let claims: VideoSdkClaims;
    try {
      claims = verifyVideoSdkToken(token, credentials, { now: tokens.clock() });
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw new AppError('unauthorized', error.message, { headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` } });
    }
    if (claims.roles !== undefined && !claims.roles.includes('crawler')) {
      throw new AppError('forbidden', 'this token lacks the crawler role: rtc-only tokens cannot call meeting APIs');
    }
    res.locals.videosdk = claims;
    next();
  };
}
