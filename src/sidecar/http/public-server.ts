/**
 * daprd's public endpoint (`--dapr-public-port`): health only, no API token, reachable from outside
 * the pod (the kubelet probes it) while the API itself listens on the pod's loopback.
 *
 * ofn-local extension: when the sidecar's environment has OFN_LOCAL_CONTROL_TOKEN, a request that
 * carries that token in `ofn-local-control-token` reaches the whole API. Only the daemon knows the
 * token (it is made per run and given to sidecars alone), so `ofn-local publish` reaches an
 * in-memory pubsub while no other function's container can.
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';

import type { ApiContext } from './api-context.js';
import { createHealthRouter } from './health-router.js';
import { sendError } from './respond.js';
import { apiError } from '../errors.js';

export const CONTROL_TOKEN_ENV = 'OFN_LOCAL_CONTROL_TOKEN';
export const CONTROL_TOKEN_HEADER = 'ofn-local-control-token';

export function createPublicApp(ctx: ApiContext, api: express.Express, opts: { controlToken?: string; apiToken?: string }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const control = opts.controlToken ? Buffer.from(opts.controlToken) : undefined;
  app.use((req, res, next) => {
    const given = req.get(CONTROL_TOKEN_HEADER);
    if (given === undefined || !control) {
      next();
      return;
    }
    const buf = Buffer.from(given);
    if (buf.length !== control.length || !timingSafeEqual(buf, control)) {
      res.status(401).type('text/plain').send('invalid control token');
      return;
    }
    delete req.headers[CONTROL_TOKEN_HEADER];
    // The daemon speaks for the app here: it passes the API token check as the app would.
    if (opts.apiToken) req.headers['dapr-api-token'] = opts.apiToken;
    api(req, res, next);
  });
  const health = createHealthRouter(ctx);
  app.get(['/v1.0/healthz', '/v1.0/healthz/outbound'], health);
  app.use((req, res) => {
    sendError(res, apiError(404, 'ERR_PUBLIC_ENDPOINT', `${req.method} ${req.path} is not served on the public port: only /v1.0/healthz is (the API listens on the pod's loopback)`));
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(res, err));
  return app;
}
