import { AppError } from '../../errors.js';
import type { TokenService } from '../../tokens/service.js';
import { onlyMethods } from '../middleware/methods.js';
import { fromStore } from '../store-guard.js';
import type { RouteModule } from './deps.js';

/** Which providers have credentials, by the names `tokens_issued_total` and the 503s use. */
export function configuredProviders(tokens: Pick<TokenService, 'credentials'>): Record<'agora' | 'videosdk' | '100ms' | 'native', boolean> {
  const c = tokens.credentials;
  return { agora: c.agora !== undefined, videosdk: c.videosdk !== undefined, '100ms': c.hms !== undefined, native: c.native !== undefined };
}

/**
 * Liveness (the process runs), readiness (the meeting store answers and at least one token
 * provider is configured: an instance that can only answer 503 must not take traffic) and
 * Prometheus metrics.
 */
export const opsRoutes: RouteModule = (router, { store, tokens, metrics, logger }) => {
  const providers = configuredProviders(tokens);
  const anyProvider = Object.values(providers).some(Boolean);
  router
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(onlyMethods('GET', 'HEAD'));
  router
    .route('/readyz')
    .get(async (_req, res) => {
      await fromStore(logger, () => store.ping());
      if (!anyProvider) {
        throw new AppError(
          'no-provider-configured',
          "no token provider is configured: every token route answers 503; set at least one provider's credentials",
          {
            extensions: { store: store.kind, providers },
          },
        );
      }
      res.json({ status: 'ready', store: store.kind, providers });
    })
    .all(onlyMethods('GET', 'HEAD'));
  router
    .route('/metrics')
    .get(async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.render());
    })
    .all(onlyMethods('GET', 'HEAD'));
};
