/**
 * Zod schema of an `events.openfunction.io/v1alpha1` EventSource (the CRD's structural schema,
 * by hand), plus ofn-local's own `http` webhook source. Unknown keys are reported (as warnings)
 * and dropped: the CRD preserves none.
 */
import { z } from 'zod';
import { objectMetaSchema } from '../shared-schemas.js';
import { bool, int32, obj, str } from '../schema-primitives.js';
import {
  genericScaleOptionFields,
  namedMap,
  neededString,
  requiredBool,
  requiredString,
  sinkSchema,
} from './schema-pieces.js';

const K = 'EventSource';

const kafkaEventSchema = obj({
  brokers: requiredString(K, 'the Kafka broker addresses, comma-separated, e.g. "kafka:9092"'),
  authRequired: requiredBool(K, 'write authRequired: false, or true with saslUsername and saslPassword'),
  topic: neededString(
    'expected the Kafka topic to consume (the CRD leaves it optional, but without one the source receives nothing)',
  ),
  saslUsername: str().optional(),
  saslPassword: str().optional(),
  maxMessageBytes: int32().optional(),
  scaleOption: obj({
    ...genericScaleOptionFields(K),
    consumerGroup: str().optional(),
    topic: str().optional(),
    lagThreshold: requiredString(K, 'the Kafka lag per replica KEDA scales on, e.g. "10" (OpenFunction 1.2 reads it from scaleOption.metadata.lagThreshold: write it there too)'),
  }).optional(),
});

const cronEventSchema = obj({
  schedule: requiredString(K, 'when the event fires, e.g. "@every 10s" or "0 */5 * * * *"'),
});

const redisEventSchema = obj({
  redisHost: requiredString(K, 'the Redis address, e.g. "redis:6379"'),
  redisPassword: requiredString(K, 'write redisPassword: "" when Redis has no password'),
  enableTLS: bool().optional(),
  failover: bool().optional(),
  sentinelMasterName: str().optional(),
  redeliverInterval: str().optional(),
  processingTimeout: str().optional(),
  redisType: str().optional(),
  redisDB: int32().optional(),
  redisMaxRetries: int32().optional(),
  redisMinRetryInterval: str().optional(),
  redisMaxRetryInterval: str().optional(),
  dialTimeout: str().optional(),
  readTimeout: str().optional(),
  writeTimeout: str().optional(),
  poolSize: int32().optional(),
  poolTimeout: str().optional(),
  maxConnAge: str().optional(),
  minIdleConns: int32().optional(),
  idleCheckFrequency: str().optional(),
  idleTimeout: str().optional(),
});

const mqttEventSchema = obj({
  url: requiredString(K, 'the MQTT broker URL, e.g. "tcp://emqx:1883"'),
  topic: requiredString(K, 'the MQTT topic to subscribe to'),
  consumerID: str().optional(),
  qos: int32().optional(),
  retain: bool().optional(),
  cleanSession: bool().optional(),
  caCert: str().optional(),
  clientCert: str().optional(),
  clientKey: str().optional(),
});

/** ofn-local's own webhook source (not upstream). */
const httpEventSchema = obj({ path: str().optional() });

export const eventSourceSchema = obj({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: obj({
    eventBus: str().optional(),
    sink: sinkSchema(K).optional(),
    logLevel: str().optional(),
    kafka: namedMap(kafkaEventSchema, 'event names to Kafka settings').optional(),
    cron: namedMap(cronEventSchema, 'event names to {schedule}').optional(),
    redis: namedMap(redisEventSchema, 'event names to Redis settings').optional(),
    mqtt: namedMap(mqttEventSchema, 'event names to MQTT settings').optional(),
    http: namedMap(httpEventSchema, 'event names to {path}').optional(),
    // v1beta1 BuildImpl: in the CRD, unused by the controller; accepted and ignored.
    build: z.unknown().optional(),
  }).optional(),
  status: z.unknown().optional(),
});

export type EventSourceDocument = z.output<typeof eventSourceSchema>;
export type EventSourceSpecDocument = NonNullable<EventSourceDocument['spec']>;
