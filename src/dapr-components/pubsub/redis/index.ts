import { z } from 'zod';

import type { PubSubPlugin } from '../../component.js';
import { mdDuration, mdInt, metadataSchema } from '../../metadata.js';
import { redisConnectionFields } from '../../clients/redis-metadata.js';

export const redisPubSubMetadata = metadataSchema({
  ...redisConnectionFields,
  consumerID: z.string().optional(),
  // As daprd: redeliver every 15 s what has been pending 60 s; a bare number is milliseconds (legacy).
  redeliverInterval: mdDuration(15_000, 1),
  processingTimeout: mdDuration(60_000, 1),
  queueDepth: mdInt(100),
  concurrency: mdInt(10),
  maxLenApprox: mdInt(undefined),
  streamTTL: mdDuration(undefined),
});
export type RedisPubSubMetadata = z.output<typeof redisPubSubMetadata>;

export const REDIS_PUBSUB_PLUGIN: PubSubPlugin<RedisPubSubMetadata> = {
  block: 'pubsub',
  metadata: redisPubSubMetadata,
  create: async (md, ctx) =>
    new (await import('./pubsub.js')).RedisPubSub(
      {
        ...md,
        consumerID: md.consumerID ?? ctx.appId,
        redeliverIntervalMs: md.redeliverInterval,
        processingTimeoutMs: md.processingTimeout,
        queueDepth: Math.max(1, md.queueDepth),
        concurrency: Math.max(1, md.concurrency),
        streamTTLMs: md.streamTTL,
      },
      ctx.name,
      ctx.log,
    ),
};
