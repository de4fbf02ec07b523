import { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, metadataSchema } from '../../metadata.js';
import { backOffFields, backOffPolicy } from '../../clients/backoff.js';
import { cleanSessionField, mqttTlsFields } from '../../clients/mqtt-metadata.js';

export const mqttBindingMetadata = metadataSchema({
  ...bindingCommon,
  ...mqttTlsFields,
  ...cleanSessionField,
  ...backOffFields,
  url: z.string({ error: 'missing url' }),
  topic: z.string({ error: 'missing topic' }),
  consumerID: z.string({ error: 'missing consumerID' }),
  /** Deprecated upstream and ignored: QoS is always 1. */
  qos: z.string().optional(),
});
export type MqttBindingMetadata = z.output<typeof mqttBindingMetadata>;

export const MQTT_BINDING_PLUGIN: BindingPlugin<MqttBindingMetadata> = {
  block: 'bindings',
  input: true,
  output: true,
  metadata: mqttBindingMetadata,
  create: async (md, ctx) => {
    if (md.qos !== undefined) ctx.log.warn(`binding ${ctx.name}: metadata property 'qos' is deprecated and ignored; qos is 1`);
    const { MqttBinding } = await import('./binding.js');
    return new MqttBinding({ ...md, backOff: backOffPolicy(md) }, ctx.log);
  },
};
