import type { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, metadataSchema } from '../../metadata.js';
import { redisConnectionFields } from '../../clients/redis-metadata.js';

export const redisBindingMetadata = metadataSchema({ ...bindingCommon, ...redisConnectionFields });
export type RedisBindingMetadata = z.output<typeof redisBindingMetadata>;

export const REDIS_BINDING_PLUGIN: BindingPlugin<RedisBindingMetadata> = {
  block: 'bindings',
  input: false,
  output: true,
  metadata: redisBindingMetadata,
  create: async (md, ctx) => new (await import('./binding.js')).RedisBinding(md, ctx.name, ctx.log),
};
