import { z } from 'zod';

import type { PubSubPlugin } from '../../component.js';
import { mdEnum, metadataSchema } from '../../metadata.js';
import { cleanSessionField, mqttTlsFields } from '../../clients/mqtt-metadata.js';

export const mqttPubSubMetadata = metadataSchema({
  ...mqttTlsFields,
  ...cleanSessionField,
  url: z.string({ error: 'missing url' }),
  consumerID: z.string().optional(),
  qos: mdEnum(['0', '1', '2'], '1'),
});
export type MqttPubSubMetadata = z.output<typeof mqttPubSubMetadata>;

export const MQTT_PUBSUB_PLUGIN: PubSubPlugin<MqttPubSubMetadata> = {
  block: 'pubsub',
  metadata: mqttPubSubMetadata,
  create: async (md, ctx) =>
    new (await import('./pubsub.js')).MqttPubSub({ ...md, consumerID: md.consumerID ?? ctx.appId, qos: Number(md.qos) as 0 | 1 | 2 }, ctx.log),
};
