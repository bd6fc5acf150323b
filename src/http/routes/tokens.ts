/**
 * Every token route: Agora RTC/RTM, VideoSDK, 100ms app and management, native conference and chat.
 * Each is a path, its methods, and an issuer from the token service; validation and errors are
 * shared (see ../respond.ts and ../query.ts). When callers authenticate (CLIENT_AUTH), each GET
 * route verifies the caller first (401), parses its query (400), then holds the request to the
 * caller with its identity rule (403; see ../../auth/identity.ts).
 */
import { guard, IDENTITY_RULES, type IdentityRule } from '../../auth/identity.js';
import type { Schema } from '../../tokens/args.js';
import type { Issuer, IssuerName } from '../../tokens/service.js';
import { onlyMethods } from '../middleware/methods.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdminKey } from '../middleware/admin-auth.js';
import { issueFromBody, issueFromQuery } from '../respond.js';
import type { Router } from 'express';
import type { RouteDeps } from './deps.js';

/** Every token route: its method, path and the issuer it mints with (the docs' parameter tables read this too). */
export const TOKEN_ROUTES = [
  { method: 'GET', path: '/access_token', issuer: 'agoraRtc' },
  { method: 'GET', path: '/rtm_token', issuer: 'agoraRtm' },
  { method: 'GET', path: '/rte_token', issuer: 'agoraRte' },
  { method: 'GET', path: '/agora/chat-token', issuer: 'agoraChat' },
  { method: 'GET', path: '/get-token', issuer: 'videosdk' },
  { method: 'GET', path: '/hms/app-token', issuer: 'hmsApp' },
  { method: 'GET', path: '/conference-token', issuer: 'conference' },
  { method: 'GET', path: '/chat-token', issuer: 'chat' },
  // A server-side route: it exists only when ADMIN_API_KEY is set, and CLIENT_AUTH does not apply.
  { method: 'POST', path: '/hms/management-token', issuer: 'hmsManagement' },
  { method: 'POST', path: '/agora/chat-app-token', issuer: 'agoraChatApp' },
] as const satisfies readonly { method: 'GET' | 'POST'; path: string; issuer: IssuerName }[];

/** The token routes need only the issuers, caller authentication and the admin key. */
export type TokenRouteDeps = Pick<RouteDeps, 'tokens' | 'adminKeyDigest' | 'callers'>;

export const tokenRoutes = (router: Router, { tokens, adminKeyDigest, callers }: TokenRouteDeps): void => {
  const get = <S extends Schema>(path: string, issuer: Issuer<S>, rule: IdentityRule<S>) => {
    const handlers =
      callers === undefined ? [issueFromQuery(issuer)] : [callers.authenticate, issueFromQuery(issuer, guard(rule, issuer.schema, callers.policy))];
    router
      .route(path)
      .get(...handlers)
      .all(onlyMethods('GET', 'HEAD'));
  };
  for (const route of TOKEN_ROUTES) {
    if (route.method === 'GET') {
      // The issuer and its identity rule are read with the same key; TypeScript cannot follow that
      // pairing through the union of keys, hence the casts (here and for the POST routes).
      get(route.path, tokens[route.issuer] as Issuer<Schema>, IDENTITY_RULES[route.issuer] as IdentityRule<Schema>);
    } else if (adminKeyDigest !== undefined) {
      const issuer = tokens[route.issuer] as Issuer<Schema>;
      router.route(route.path).post(requireAdminKey(adminKeyDigest), jsonBody, issueFromBody(issuer)).all(onlyMethods('POST'));
    }
  }
};
