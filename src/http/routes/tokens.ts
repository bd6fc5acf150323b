/**
 * Every token route: Agora RTC/RTM, VideoSDK, 100ms app and management, native conference and chat.
 * Each is a path, its methods, and an issuer from the token service; validation and errors are
 * shared (see ../respond.ts and ../query.ts). When callers authenticate (CLIENT_AUTH), each GET
 * route verifies the caller first (401), parses its query (400), then holds the request to the
 * caller with its identity rule (403; see ../../auth/identity.ts).
 */
import { guard, IDENTITY_RULES, type IdentityRule } from '../../auth/identity.js';
import type { Schema } from '../../tokens/args.js';
import type { Issuer } from '../../tokens/service.js';
import { onlyMethods } from '../middleware/methods.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdminKey } from '../middleware/admin-auth.js';
import { issueFromBody, issueFromQuery } from '../respond.js';
import type { RouteModule } from './deps.js';

export const tokenRoutes: RouteModule = (router, { tokens, adminKeyDigest, callers }) => {
  const get = <S extends Schema>(path: string, issuer: Issuer<S>, rule: IdentityRule<S>) => {
    const handlers =
      callers === undefined ? [issueFromQuery(issuer)] : [callers.authenticate, issueFromQuery(issuer, guard(rule, issuer.schema, callers.policy))];
    router
      .route(path)
      .get(...handlers)
      .all(onlyMethods('GET', 'HEAD'));
  };

  get('/access_token', tokens.agoraRtc, IDENTITY_RULES.agoraRtc);
  get('/rtm_token', tokens.agoraRtm, IDENTITY_RULES.agoraRtm);
  get('/get-token', tokens.videosdk, IDENTITY_RULES.videosdk);
  get('/hms/app-token', tokens.hmsApp, IDENTITY_RULES.hmsApp);
  get('/conference-token', tokens.conference, IDENTITY_RULES.conference);
  get('/chat-token', tokens.chat, IDENTITY_RULES.chat);

  // A server-side route: it exists only when ADMIN_API_KEY is set, and CLIENT_AUTH does not apply.
  if (adminKeyDigest !== undefined) {
    router
      .route('/hms/management-token')
      .post(requireAdminKey(adminKeyDigest), jsonBody, issueFromBody(tokens.hmsManagement))
      .all(onlyMethods('POST'));
  }
};
