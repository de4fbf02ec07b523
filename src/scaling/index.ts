/**
 * The KEDA-like scaler's pieces: backlog probes per source (what KEDA's scalers read), the factory
 * from a Function's `scaleOptions.keda.triggers[]`, and the replica decision KEDA and the HPA make.
 */
export { decideReplicas, type ScaleDecision, type ScaleInput, type ScaleReason } from './decide.js';
export { ScalingError, type ScalingErrorCode } from './errors.js';
export { KafkaLagProbe, kafkaLag, type KafkaLag, type KafkaLagOptions, type PartitionOffsets } from './kafka-probe.js';
export { NatsJetStreamProbe, type NatsJetStreamOptions } from './nats-jetstream-probe.js';
export { splitHostPort, type BacklogProbe, type BacklogReading, type ResolveHost } from './probe.js';
export { NATS_CLIENT_PORT, probeFor, SUPPORTED_TRIGGER_TYPES, type KedaTrigger, type SupportedTriggerType, type TriggerProbe } from './probe-for.js';
export { parseXinfoGroups, RedisStreamsProbe, type RedisStreamsMode, type RedisStreamsOptions, type StreamGroupInfo } from './redis-streams-probe.js';
