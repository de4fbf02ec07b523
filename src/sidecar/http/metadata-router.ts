/** GET /v1.0/metadata (never empty: the SDKs poll it to decide the sidecar is up) and PUT /v1.0/metadata/{key}. */
import { Router } from 'express';

import { DAPR_COMPAT_VERSION, SIDECAR_VERSION } from '../version.js';
import type { ApiContext } from './api-context.js';
import { bodyOf, param, sendEmpty, sendJson } from './respond.js';

export function metadataDocument(ctx: ApiContext): Record<string, unknown> {
  const extended: Record<string, string> = { daprRuntimeVersion: DAPR_COMPAT_VERSION, ofnLocalSidecar: SIDECAR_VERSION };
  for (const [k, v] of ctx.extended) extended[k] = v;
  const components = ctx.registry
    .statuses()
    .filter((s) => s.state === 'ready')
    .map((s) => ({ name: s.name, type: s.type, version: s.version, capabilities: s.capabilities }));
  const subscriptions = ctx.subscriptions().map((s) => ({
    pubsubname: s.pubsubname,
    topic: s.topic,
    // daprd leaves out empty metadata, rules, and a rule's empty match or path (omitempty).
    metadata: Object.keys(s.metadata ?? {}).length ? s.metadata : undefined,
    rules: s.rules.length ? s.rules.map((r) => ({ match: r.match || undefined, path: r.path || undefined })) : undefined,
    deadLetterTopic: s.deadLetterTopic ?? '',
    type: s.type,
  }));
  const { flags } = ctx;
  const appConnectionProperties: Record<string, unknown> = {
    protocol: flags.appProtocol,
    channelAddress: flags.appChannelAddress,
    maxConcurrency: flags.appMaxConcurrency > 0 ? flags.appMaxConcurrency : 0,
  };
  if (flags.appPort !== undefined) appConnectionProperties.port = flags.appPort;
  if (flags.appHealth.enabled) {
    appConnectionProperties.health = {
      healthCheckPath: flags.appHealth.path,
      healthProbeInterval: `${flags.appHealth.intervalMs / 1000}s`,
      healthProbeTimeout: `${flags.appHealth.timeoutMs}ms`,
      healthThreshold: flags.appHealth.threshold,
    };
  }
  return {
    id: flags.appId,
    runtimeVersion: SIDECAR_VERSION,
    enabledFeatures: [],
    actors: [],
    actorRuntime: { runtimeStatus: 'DISABLED', activeActors: [], hostReady: false, placement: '' },
    components,
    extended,
    subscriptions,
    httpEndpoints: [],
    appConnectionProperties,
  };
}

export function createMetadataRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1.0/metadata', (_req, res) => sendJson(res, 200, metadataDocument(ctx)));
  router.put('/v1.0/metadata/:key', (req, res) => {
    ctx.extended.set(param(req, 'key'), bodyOf(req).toString('utf8'));
    sendEmpty(res);
  });
  return router;
}
