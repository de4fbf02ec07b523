import { z } from 'zod';

import type { StatePlugin } from '../../component.js';
import { mdInt, metadataSchema } from '../../metadata.js';
import { redisConnectionFields } from '../../clients/redis-metadata.js';

export const redisStateMetadata = metadataSchema({
  ...redisConnectionFields,
  ttlInSeconds: mdInt(undefined),
  queryIndexes: z.string().optional(),
  actorStateStore: z.string().optional(),
  keyPrefix: z.string().optional(),
});
export type RedisStateMetadata = z.output<typeof redisStateMetadata>;

export const REDIS_STATE_PLUGIN: StatePlugin<RedisStateMetadata> = {
  block: 'state',
  metadata: redisStateMetadata,
  create: async (md, ctx) => {
    if (md.queryIndexes) ctx.log.warn(`state store ${ctx.name}: queryIndexes is ignored: ofn-local's redis state store has no query API`);
    const { RedisStateStore } = await import('./store.js');
    return new RedisStateStore(md, ctx.name, ctx.log);
  },
};
