/** Secrets: GET /v1.0/secrets/{store}/{key} and /v1.0/secrets/{store}/bulk. An unknown store is 401, as in daprd. */
import { Router, type Request } from 'express';

import type { SecretStore } from '../components/component.js';
import { apiError } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { param, requestMetadata, sendJson } from './respond.js';

function store(ctx: ApiContext, req: Request): { name: string; store: SecretStore } {
  const name = param(req, 'storeName');
  if (!ctx.registry.has('secretstores')) throw apiError(500, 'ERR_SECRET_STORES_NOT_CONFIGURED', 'secret store is not configured');
  const found = ctx.registry.lookup<SecretStore>('secretstores', name);
  if (found.kind === 'missing') throw apiError(401, 'ERR_SECRET_STORE_NOT_FOUND', `failed finding secret store with key ${name}`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_SECRET_GET', `secret store ${name} is not ready: ${found.reason}`);
  return { name, store: found.instance };
}

export function createSecretsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1.0/secrets/:storeName/bulk', async (req, res) => {
    const s = store(ctx, req);
    try {
      sendJson(res, 200, await s.store.bulkGet(requestMetadata(req)));
    } catch (err) {
      throw apiError(500, 'ERR_SECRET_GET', `failed getting secrets from secret store ${s.name}: ${(err as Error).message}`);
    }
  });
  router.get('/v1.0/secrets/:storeName/:key', async (req, res) => {
    const s = store(ctx, req);
    const key = param(req, 'key');
    let secret;
    try {
      secret = await s.store.get(key, requestMetadata(req));
    } catch (err) {
      throw apiError(500, 'ERR_SECRET_GET', `failed getting secret with key ${key} from secret store ${s.name}: ${(err as Error).message}`);
    }
    if (!secret || Object.keys(secret).length === 0) {
      res.status(204).end();
      return;
    }
    sendJson(res, 200, secret);
  });
  return router;
}
