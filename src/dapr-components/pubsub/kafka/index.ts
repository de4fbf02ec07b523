import type { z } from 'zod';

import type { PubSubPlugin } from '../../component.js';
import { mdBool, metadataSchema } from '../../metadata.js';
import { effectiveAuthType, kafkaFields } from '../../clients/kafka-metadata.js';

export const kafkaPubSubMetadata = metadataSchema({
  ...kafkaFields,
  consumeRetryEnabled: mdBool(true),
}).superRefine((md, ctx) => {
  try {
    effectiveAuthType(md);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, path: ['authType'] });
  }
});
export type KafkaPubSubMetadata = z.output<typeof kafkaPubSubMetadata>;

export const KAFKA_PUBSUB_PLUGIN: PubSubPlugin<KafkaPubSubMetadata> = {
  block: 'pubsub',
  metadata: kafkaPubSubMetadata,
  create: async (md, ctx) => {
    const { KafkaPubSub } = await import('./pubsub.js');
    return new KafkaPubSub({ ...md, groupId: md.consumerGroup ?? md.consumerID ?? ctx.appId }, ctx.log);
  },
};
