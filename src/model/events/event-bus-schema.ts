/**
 * Zod schema of an `events.openfunction.io/v1alpha1` EventBus or ClusterEventBus (same spec).
 * Unknown keys are reported (as warnings) and dropped: the CRD preserves none.
 */
import { z } from 'zod';
import { objectMetaSchema } from '../shared-schemas.js';
import { bool, int32, obj, str } from '../schema-primitives.js';
import type { EventKind } from './constants.js';
import { genericScaleOptionFields, requiredOneOf, requiredString } from './schema-pieces.js';

export function eventBusSchema(kind: Extract<EventKind, 'EventBus' | 'ClusterEventBus'>) {
  return obj({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: objectMetaSchema,
    spec: obj({
      topic: str().optional(),
      natsStreaming: obj({
        natsURL: requiredString(kind, 'the NATS server URL, e.g. "nats://nats:4222"'),
        natsStreamingClusterID: requiredString(kind, 'the NATS Streaming cluster id, e.g. "stan"'),
        subscriptionType: requiredOneOf(kind, ['topic', 'queue'], 'write subscriptionType: queue (or topic)'),
        durableSubscriptionName: requiredString(kind, 'the durable subscription name, e.g. "ImDurable"'),
        ackWaitTime: str().optional(),
        maxInFlight: int32().optional(),
        deliverNew: bool().optional(),
        startAtSequence: int32().optional(),
        startWithLastReceived: bool().optional(),
        deliverAll: bool().optional(),
        startAtTimeDelta: str().optional(),
        startAtTime: str().optional(),
        startAtTimeFormat: str().optional(),
        consumerID: str().optional(),
        scaleOption: obj({
          ...genericScaleOptionFields(kind),
          natsServerMonitoringEndpoint: requiredString(kind, 'the NATS monitoring endpoint KEDA reads, e.g. "nats.default.svc.cluster.local:8222"'),
          queueGroup: str().optional(),
          durableName: str().optional(),
          subject: str().optional(),
          lagThreshold: requiredString(kind, 'the pending messages per replica KEDA scales on, e.g. "10"'),
        }).optional(),
      }).optional(),
    }).optional(),
    status: z.unknown().optional(),
  });
}

export type EventBusDocument = z.output<ReturnType<typeof eventBusSchema>>;
