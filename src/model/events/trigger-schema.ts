/**
 * Zod schema of an `events.openfunction.io/v1alpha1` Trigger. Unknown keys are reported (as
 * warnings) and dropped: the CRD preserves none.
 */
import { z } from 'zod';
import { objectMetaSchema } from '../shared-schemas.js';
import { obj, str } from '../schema-primitives.js';
import { requiredList, requiredMap, requiredString, sinkSchema } from './schema-pieces.js';

const K = 'Trigger';

const inputSchema = obj({
  eventSource: requiredString(K, 'the name of the EventSource whose event this input waits for'),
  event: requiredString(K, 'the name of the event, as the EventSource defines it'),
  namespace: str().optional(),
});

const subscriberSchema = obj({
  condition: requiredString(K, 'a CEL expression over the input names, e.g. "orders && tick"'),
  sink: sinkSchema(K).optional(),
  deadLetterSink: sinkSchema(K).optional(),
  topic: str().optional(),
  deadLetterTopic: str().optional(),
});

export const triggerSchema = obj({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: obj({
    eventBus: requiredString(K, 'the bus the inputs\' events travel on; write eventBus: default for ofn-local\'s embedded bus'),
    inputs: requiredMap(K, inputSchema, 'input names to {eventSource, event}', 'the events this Trigger waits for, by input name, e.g. orders: {eventSource: shop, event: orders}'),
    subscribers: requiredList(K, subscriberSchema, 'where events go, e.g. [{condition: orders, sink: {uri: "http://fn.default.svc.cluster.local/"}}]'),
    logLevel: str().optional(),
  }),
  status: z.unknown().optional(),
});

export type TriggerDocument = z.output<typeof triggerSchema>;
