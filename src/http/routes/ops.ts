import { Router } from 'express';
import { onlyMethods } from '../middleware/methods.js';

/** Liveness: answers while the process runs. */
export function opsRoutes(): Router {
  const router = Router();
  router
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(onlyMethods('GET', 'HEAD'));
  return router;
}
