/** Secrets: GET /v1.0/secrets/{store}/{key} and /v1.0/secrets/{store}/bulk. An unknown store is 401, as in daprd. */
import { Router } from 'express';

import { getBulkSecrets, getSecret } from '../api/secrets.js';
import type { ApiContext } from './api-context.js';
import { param, requestMetadata, sendJson } from './respond.js';

export function createSecretsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1.0/secrets/:storeName/bulk', async (req, res) => {
    sendJson(res, 200, await getBulkSecrets(ctx, param(req, 'storeName'), requestMetadata(req)));
  });
  router.get('/v1.0/secrets/:storeName/:key', async (req, res) => {
    const secret = await getSecret(ctx, param(req, 'storeName'), param(req, 'key'), requestMetadata(req));
    if (!secret || Object.keys(secret).length === 0) {
      res.status(204).end();
      return;
    }
    sendJson(res, 200, secret);
  });
  return router;
}
