/**
 * The Dapr HTTP API as one express app: path cleaning, the API token, the body limit,
 * one router per building block, daprd's answers for blocks not implemented here, the
 * invocation fall-through, and one error handler that turns every failure into
 * `{errorCode, message}`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';

import { apiError } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { createBindingsRouter } from './bindings-router.js';
import { createHealthRouter } from './health-router.js';
import { createFallthrough, createInvokeRouter } from './invoke-router.js';
import { createMetadataRouter } from './metadata-router.js';
import { createPublishRouter } from './publish-router.js';
import { sendError } from './respond.js';
import { createSecretsRouter } from './secrets-router.js';
import { createStateRouter } from './state-router.js';

const TOKEN_FREE = new Set(['/v1.0/healthz', '/v1.0/healthz/outbound']);

export function createApiApp(ctx: ApiContext, opts: { apiToken?: string } = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Collapse double slashes; express already ignores a trailing slash.
  app.use((req, _res, next) => {
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    if (path.includes('//')) req.url = path.replace(/\/{2,}/g, '/') + (q === -1 ? '' : req.url.slice(q));
    next();
  });

  if (ctx.flags.enableApiLogging) {
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        ctx.log.info(`HTTP API called: method=${req.method} path=${req.path} code=${res.statusCode} duration=${ms.toFixed(2)}ms useragent=${JSON.stringify(req.get('user-agent') ?? '')}`);
      });
      next();
    });
  }

  if (opts.apiToken) {
    const token = opts.apiToken;
    app.use((req, res, next) => {
      if (req.method === 'GET' && TOKEN_FREE.has(req.path.replace(/\/$/, ''))) {
        next();
        return;
      }
      if (req.get('dapr-api-token') !== token) {
        res.status(401).type('text/plain').send('invalid api token');
        return;
      }
      delete req.headers['dapr-api-token'];
      next();
    });
  }

  app.use(express.raw({ type: () => true, limit: ctx.flags.maxBodySize }));

  app.use(createHealthRouter(ctx));
  app.use(createMetadataRouter(ctx));
  app.use(createStateRouter(ctx));
  app.use(createPublishRouter(ctx));
  app.use(createBindingsRouter(ctx));
  app.use(createSecretsRouter(ctx));
  app.use(createInvokeRouter(ctx));

  app.all(['/v1.0-alpha1/lock/:store', '/v1.0-alpha1/unlock/:store'], () => {
    throw apiError(500, 'ERR_LOCK_STORE_NOT_CONFIGURED', 'lock store is not configured (ofn-local\'s sidecar has no lock stores)');
  });
  app.all(['/v1.0/actors', '/v1.0/actors/*rest'], () => {
    throw apiError(500, 'ERR_ACTOR_RUNTIME_NOT_FOUND', 'actor runtime is not configured (ofn-local\'s sidecar has no actors)');
  });
  app.all(['/v1.0-alpha1/configuration/*rest', '/v1.0/configuration/*rest'], () => {
    throw apiError(500, 'ERR_CONFIGURATION_STORE_NOT_CONFIGURED', 'configuration store is not configured');
  });
  app.all(
    [
      '/v1.0-alpha1/workflows/*rest',
      '/v1.0-beta1/workflows/*rest',
      '/v1.0/workflows/*rest',
      '/v1.0-alpha1/crypto/*rest',
      '/v1.0-alpha1/subtlecrypto/*rest',
      '/v1.0-alpha1/jobs/*rest',
      '/v1.0-alpha1/conversation/*rest',
      '/v1.0-alpha2/conversation/*rest',
    ],
    (req) => {
      throw apiError(501, 'ERR_API_UNIMPLEMENTED', `${req.path} is not implemented by ofn-local's sidecar; use the real daprd`);
    },
  );

  app.use(createFallthrough(ctx));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e && e.type === 'entity.too.large') {
      sendError(res, apiError(413, 'ERR_MALFORMED_REQUEST', `request body too large: the limit is ${ctx.flags.maxBodySize} bytes (--max-body-size)`));
      return;
    }
    if (e && typeof e.type === 'string' && e.status && e.status < 500) {
      sendError(res, apiError(e.status, 'ERR_MALFORMED_REQUEST', e.message ?? 'bad request'));
      return;
    }
    sendError(res, err);
  });
  return app;
}
