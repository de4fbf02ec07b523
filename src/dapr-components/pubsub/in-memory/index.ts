import type { PubSubPlugin } from '../../component.js';
import { metadataSchema } from '../../metadata.js';
import { InMemoryPubSub } from './pubsub.js';

/** No metadata. */
export const inMemoryPubSubMetadata = metadataSchema({});

export const IN_MEMORY_PUBSUB_PLUGIN: PubSubPlugin<unknown> = {
  block: 'pubsub',
  metadata: inMemoryPubSubMetadata,
  create: (_md, ctx) => new InMemoryPubSub(ctx.log),
};
