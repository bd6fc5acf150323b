/**
 * Every token route: Agora RTC/RTM, VideoSDK, 100ms app and management, native conference and chat.
 * Each is a path, its methods, and an issuer from the token service; validation and errors are
 * shared (see ../respond.ts and ../query.ts).
 */
import { Router } from 'express';
import type { TokenService } from '../../tokens/service.js';
import { nocache } from '../middleware/nocache.js';
import { onlyMethods } from '../middleware/methods.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdminKey } from '../middleware/admin-auth.js';
import { issueFromBody, issueFromQuery } from '../respond.js';

export function tokenRoutes(tokens: TokenService, adminKeyDigest: Buffer | undefined): Router {
  const router = Router();
  const get = (path: string, issuer: Parameters<typeof issueFromQuery>[0]) =>
    router.route(path).all(nocache).get(issueFromQuery(issuer)).all(onlyMethods('GET', 'HEAD'));

  get('/access_token', tokens.agoraRtc);
  get('/rtm_token', tokens.agoraRtm);
  get('/get-token', tokens.videosdk);
  get('/hms/app-token', tokens.hmsApp);
  get('/conference-token', tokens.conference);
  get('/chat-token', tokens.chat);

  // A server-side route: it exists only when ADMIN_API_KEY is set.
  if (adminKeyDigest !== undefined) {
    router
      .route('/hms/management-token')
      .all(nocache)
      .post(requireAdminKey(adminKeyDigest), jsonBody, issueFromBody(tokens.hmsManagement))
      .all(onlyMethods('POST'));
  }
  return router;
}
