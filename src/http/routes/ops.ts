import type { Router } from 'express';
import type { Logger } from '../../logger.js';
import type { MeetingStore } from '../../meetings/store.js';
import type { Metrics } from '../../metrics.js';
import { onlyMethods } from '../middleware/methods.js';
import { fromStore } from '../store-guard.js';

/** Liveness (the process runs), readiness (the meeting store answers) and Prometheus metrics. */
export function opsRoutes(router: Router, store: MeetingStore, metrics: Metrics, logger: Logger): void {
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
      res.json({ status: 'ready', store: store.kind });
    })
    .all(onlyMethods('GET', 'HEAD'));
  router
    .route('/metrics')
    .get(async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.render());
    })
    .all(onlyMethods('GET', 'HEAD'));
}
