/**
 * The events model: EventSources, EventBuses, ClusterEventBuses and Triggers as loaded, validated
 * and defaulted (`events.openfunction.io/v1alpha1`, OpenFunction 1.2). Plain data: no methods, so
 * it can be cloned and sent over the control API; lookups are functions in lookup.ts.
 */
import type { JsonObject, Origin } from '../origin.js';
import type { SourceKind } from './constants.js';

/** What every loaded event resource carries. */
interface EventResourceBase {
  name: string;
  /** The manifest's namespace (`default` when not set); `''` for a ClusterEventBus. */
  namespace: string;
  origin: Origin;
}

/** `sink.ref`: an addressable object. */
export interface SinkRef {
  kind: string;
  apiVersion: string;
  name: string;
  /** Defaults to the namespace of the resource the sink belongs to. */
  namespace: string;
}

/** Where events are POSTed: `uri` wins over `ref` (as upstream). At least one is set. */
export interface Sink {
  uri?: string;
  ref?: SinkRef;
}

/** KEDA settings of a Kafka event source (`scaleOption`). */
export interface KafkaScaleOption {
  pollingInterval?: number;
  cooldownPeriod?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  /** KEDA `advanced` (horizontalPodAutoscalerConfig, restoreToOriginalReplicaCount), as written. */
  advanced?: JsonObject;
  metadata?: Record<string, string>;
  authRef?: { name: string; kind?: string };
  consumerGroup?: string;
  topic?: string;
  /** Required by the CRD but not forwarded by OpenFunction 1.2 (put it in `metadata` too). */
  lagThreshold: string;
}

export interface KafkaEventSpec {
  /** Comma-separated broker addresses, e.g. `kafka:9092`. */
  brokers: string;
  /** The topic consumed (and the Dapr binding's publish topic). */
  topic: string;
  authRequired: boolean;
  saslUsername?: string;
  saslPassword?: string;
  maxMessageBytes?: number;
  scaleOption?: KafkaScaleOption;
}

export interface CronEventSpec {
  /** Dapr cron syntax: `@every <Go duration>`, `@daily` etc., or 5 or 6 cron fields. */
  schedule: string;
}

export interface RedisEventSpec {
  redisHost: string;
  /** Required by the CRD; `""` when Redis has no password. */
  redisPassword: string;
  enableTLS?: boolean;
  failover?: boolean;
  sentinelMasterName?: string;
  redeliverInterval?: string;
  processingTimeout?: string;
  redisType?: string;
  redisDB?: number;
  redisMaxRetries?: number;
  redisMinRetryInterval?: string;
  redisMaxRetryInterval?: string;
  dialTimeout?: string;
  readTimeout?: string;
  writeTimeout?: string;
  poolSize?: number;
  poolTimeout?: string;
  maxConnAge?: string;
  minIdleConns?: number;
  idleCheckFrequency?: string;
  idleTimeout?: string;
}

export interface MqttEventSpec {
  /** Broker URL with a scheme, e.g. `tcp://emqx:1883`. */
  url: string;
  topic: string;
  consumerID?: string;
  /** 0, 1 or 2. */
  qos?: number;
  retain?: boolean;
  cleanSession?: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

/**
 * ofn-local's own event source, not part of upstream OpenFunction: a webhook served by the
 * ofn-local gateway; each request body becomes one event. `ofn-local export` removes it.
 */
export interface HttpEventSpec {
  /** The webhook's path on the gateway, starting with `/`; the gateway picks one when not set. */
  path?: string;
}

export interface EventSourceSpec {
  /** Name of the EventBus (this namespace) or ClusterEventBus the events are published on. */
  eventBus?: string;
  /** Where each event is POSTed directly. */
  sink?: Sink;
  /** Handler klog level; `"1"` when not set. */
  logLevel: string;
  /** Events by name, per source kind (an empty map when the kind is not used). */
  cron: Record<string, CronEventSpec>;
  kafka: Record<string, KafkaEventSpec>;
  redis: Record<string, RedisEventSpec>;
  mqtt: Record<string, MqttEventSpec>;
  /** ofn-local's own webhook source (see HttpEventSpec); not upstream. */
  http: Record<string, HttpEventSpec>;
}

export interface EventSource extends EventResourceBase {
  kind: 'EventSource';
  spec: EventSourceSpec;
}

export interface EventBusScaleOption {
  pollingInterval?: number;
  cooldownPeriod?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  advanced?: JsonObject;
  metadata?: Record<string, string>;
  authRef?: { name: string; kind?: string };
  natsServerMonitoringEndpoint: string;
  queueGroup?: string;
  durableName?: string;
  subject?: string;
  lagThreshold: string;
}

/** The NATS Streaming backend of an EventBus (the only one upstream has). */
export interface NatsStreamingSpec {
  natsURL: string;
  natsStreamingClusterID: string;
  subscriptionType: 'topic' | 'queue';
  durableSubscriptionName: string;
  ackWaitTime?: string;
  maxInFlight?: number;
  deliverNew?: boolean;
  startAtSequence?: number;
  startWithLastReceived?: boolean;
  deliverAll?: boolean;
  startAtTimeDelta?: string;
  startAtTime?: string;
  startAtTimeFormat?: string;
  consumerID?: string;
  scaleOption?: EventBusScaleOption;
}

export interface EventBusSpec {
  /** Documented as defaulting to `default`; unused by the OpenFunction 1.2 controller. */
  topic?: string;
  /** Absent: ofn-local carries the bus itself (embedded). */
  natsStreaming?: NatsStreamingSpec;
}

/** An EventBus (namespaced) or a ClusterEventBus (namespace `''`): the same spec. */
export interface EventBus extends EventResourceBase {
  kind: 'EventBus' | 'ClusterEventBus';
  spec: EventBusSpec;
}

export interface TriggerInput {
  /** The input's name: the CEL variable that is true once its event arrived. */
  name: string;
  /** Namespace of the EventSource; defaults to the Trigger's. */
  namespace: string;
  eventSource: string;
  event: string;
  /** The bus topic the input listens on: `busTopic(namespace, eventSource, event)`. */
  topic: string;
}

export interface Subscriber {
  /** CEL boolean expression over the input names (checked at load). */
  condition: string;
  sink?: Sink;
  deadLetterSink?: Sink;
  /** Republish the event on this bus topic. */
  topic?: string;
  deadLetterTopic?: string;
}

export interface TriggerSpec {
  eventBus: string;
  /** By input name, in the order written. */
  inputs: Record<string, TriggerInput>;
  subscribers: Subscriber[];
  logLevel: string;
}

export interface Trigger extends EventResourceBase {
  kind: 'Trigger';
  spec: TriggerSpec;
}

/** One event an EventSource defines. */
export interface SourceEvent {
  sourceKind: SourceKind;
  event: string;
}

/** Every valid event resource of a project, each kind in manifest order. */
export interface EventsModel {
  eventSources: EventSource[];
  /** Namespaced EventBuses. */
  eventBuses: EventBus[];
  clusterEventBuses: EventBus[];
  triggers: Trigger[];
}
