import { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, mdBool, mdList, metadataSchema } from '../../metadata.js';
import { effectiveAuthType, kafkaFields } from '../../clients/kafka-metadata.js';

export const kafkaBindingMetadata = metadataSchema({
  ...bindingCommon,
  ...kafkaFields,
  topics: mdList(),
  publishTopic: z.string().optional(),
  consumeRetryEnabled: mdBool(false),
}).superRefine((md, ctx) => {
  try {
    effectiveAuthType(md);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, path: ['authType'] });
  }
});
export type KafkaBindingMetadata = z.output<typeof kafkaBindingMetadata>;

export const KAFKA_BINDING_PLUGIN: BindingPlugin<KafkaBindingMetadata> = {
  block: 'bindings',
  input: true,
  output: true,
  metadata: kafkaBindingMetadata,
  create: async (md, ctx) => {
    const { KafkaBinding } = await import('./binding.js');
    return new KafkaBinding({ ...md, groupId: md.consumerGroup ?? md.consumerID }, ctx.log);
  },
};
