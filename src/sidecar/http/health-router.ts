/**
 * GET /v1.0/healthz: 204 once start-up is complete (app reachable, subscriptions and input
 * bindings started), 500 ERR_HEALTH_NOT_READY before; `?appid=` must match. GET
 * /v1.0/healthz/outbound: 204 once components are loaded and the API is up. Neither needs
 * the API token. POST /v1.0/shutdown asks the sidecar to stop.
 */
import { Router } from 'express';

import { apiError } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { queryParam, sendEmpty } from './respond.js';

export function createHealthRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1.0/healthz', (req, res) => {
    const appid = queryParam(req, 'appid');
    if (appid !== undefined && appid !== '' && appid !== ctx.flags.appId) throw apiError(500, 'ERR_HEALTH_APPID_NOT_MATCH', 'dapr app-id does not match');
    if (!ctx.ready()) throw apiError(500, 'ERR_HEALTH_NOT_READY', 'dapr is not ready: start-up has not finished (waiting for the app or its subscriptions)');
    sendEmpty(res);
  });
  router.get('/v1.0/healthz/outbound', (_req, res) => {
    if (!ctx.outboundReady()) throw apiError(500, 'ERR_OUTBOUND_HEALTH_NOT_READY', 'dapr outbound is not ready');
    sendEmpty(res);
  });
  router.post('/v1.0/shutdown', (_req, res) => {
    sendEmpty(res);
    setImmediate(() => ctx.shutdown());
  });
  return router;
}
