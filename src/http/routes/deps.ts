/**
 * What every route module is given. Each module exports one `(router, deps) => void` that adds its
 * routes to the app's own router; app.ts registers them in order.
 */
import type { Router } from 'express';
import type { Logger } from '../../logger.js';
import type { MeetingStore } from '../../meetings/store.js';
import type { Metrics } from '../../metrics.js';
import type { RevocationRules } from '../../revocation/rules.js';
import type { TokenService } from '../../tokens/service.js';
import type { CallerAccess } from '../middleware/caller-auth.js';

export interface RouteDeps {
  readonly tokens: TokenService;
  readonly store: MeetingStore;
  /** The revocation rules in force, held in memory and kept current from the store. */
  readonly revocations: RevocationRules;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Caller authentication of the token routes; undefined under CLIENT_AUTH=none. */
  readonly callers: CallerAccess | undefined;
  /** SHA-256 of ADMIN_API_KEY; absent: the admin routes are not mounted (404). */
  readonly adminKeyDigest: Buffer | undefined;
  /** TOKEN_MAX_TTL in seconds: no token this deployment issues lives longer. */
  readonly maxTtl: number;
}

/** A route module. */
export type RouteModule = (router: Router, deps: RouteDeps) => void;
