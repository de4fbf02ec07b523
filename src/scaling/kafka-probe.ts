import { setTimeout as sleep } from 'node:timers/promises';

import { Kafka, logLevel, type Admin } from 'kafkajs';

import { errorMessage } from '../errors.js';
import { ScalingError } from './errors.js';
import type { BacklogProbe, BacklogReading } from './probe.js';

/**
 * Consumer-group lag on a Kafka topic, computed as KEDA's `kafka` scaler does
 * (kedacore/keda pkg/scalers/kafka_scaler.go: getTopicPartitions, getLagForPartition, getTotalLag):
 *
 * - per partition, lag = latest offset (high watermark) − the group's committed offset;
 * - a partition where the group has no committed offset counts as 1 with offsetResetPolicy `latest`
 *   (KEDA's default: a consumer would start at the end, but KEDA still wants one replica to come up
 *   and commit), as the whole latest offset with `earliest` (KEDA counts from offset 0, not from the
 *   low watermark, so messages already deleted by retention still count: kept as KEDA does), and as 0
 *   with scaleToZeroOnInvalidOffset;
 * - the metric is the sum, capped unless allowIdleConsumers at partitions × lagThreshold (KEDA's
 *   integer check `lag / threshold > partitions`), or at partitions-with-lag × lagThreshold with
 *   limitToPartitionsWithLag; ensureEvenDistributionOfPartitions rounds it up to a factor of the
 *   partition count; excludePersistentLag drops the lag of partitions whose committed offset did not
 *   move since the previous read (from the metric, not from activity);
 * - activity (compared with activationLagThreshold) is the uncapped sum, persistent lag included.
 *
 * Not done: SASL/TLS/OAuth settings (a local broker has none) and the `*FromEnv` keys.
 */
export interface KafkaLagOptions {
  bootstrapServers: string[];
  /** Empty: every topic the group has committed offsets for, as KEDA does without `topic`. */
  topic?: string;
  consumerGroup: string;
  /** KEDA's default 10; used for the partition cap. */
  lagThreshold?: number;
  offsetResetPolicy?: 'latest' | 'earliest';
  allowIdleConsumers?: boolean;
  scaleToZeroOnInvalidOffset?: boolean;
  limitToPartitionsWithLag?: boolean;
  ensureEvenDistributionOfPartitions?: boolean;
  excludePersistentLag?: boolean;
  /** Only these partition ids count (KEDA's partitionLimitation). */
  partitionLimitation?: number[];
}

/** One partition's offsets: `committed` is -1 when the group has none. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  latest: number;
  committed: number;
}

export interface KafkaLag extends BacklogReading {
  /** Sum of per-partition lags before any cap (persistent lag excluded when asked). */
  totalLag: number;
  partitions: number;
  partitionsWithLag: number;
}

/**
 * KEDA's lag arithmetic over offsets already fetched (no I/O). `previous` holds the committed offsets
 * seen by the last call, for excludePersistentLag; it is updated in place.
 */
export function kafkaLag(offsets: PartitionOffsets[], o: Omit<KafkaLagOptions, 'bootstrapServers' | 'consumerGroup' | 'topic'>, previous = new Map<string, number>()): KafkaLag {
  const threshold = o.lagThreshold ?? 10;
  let totalLag = 0;
  let activity = 0;
  let partitionsWithLag = 0;
  for (const p of offsets) {
    let lag: number;
    let withPersistent: number;
    if (p.committed < 0) {
      if (o.scaleToZeroOnInvalidOffset) lag = 0;
      else lag = (o.offsetResetPolicy ?? 'latest') === 'latest' ? 1 : p.latest;
      withPersistent = lag;
    } else {
      lag = withPersistent = p.latest - p.committed;
      if (o.excludePersistentLag) {
        const key = `${p.topic}/${p.partition}`;
        if (previous.get(key) === p.committed) lag = 0;
        else previous.set(key, p.committed);
      }
    }
    totalLag += lag;
    activity += withPersistent;
    if (lag > 0) partitionsWithLag++;
  }
  let value = totalLag;
  if (!o.allowIdleConsumers || o.limitToPartitionsWithLag || o.ensureEvenDistributionOfPartitions) {
    const partitions = offsets.length;
    if (o.ensureEvenDistributionOfPartitions) value = (factors(partitions).find((f) => f * threshold >= value) ?? partitions) * threshold;
    const upperBound = o.limitToPartitionsWithLag ? partitionsWithLag : partitions;
    if (Math.floor(value / threshold) > upperBound) value = upperBound * threshold;
  }
  return { value, activity, totalLag, partitions: offsets.length, partitionsWithLag };
}

function factors(n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
}

export class KafkaLagProbe implements BacklogProbe {
  readonly describe: string;
  #admin: Admin | undefined;
  readonly #previous = new Map<string, number>();

  constructor(readonly options: KafkaLagOptions) {
    if (options.bootstrapServers.length === 0) throw new ScalingError('ERR_SCALER_METADATA', 'kafka probe: no bootstrap servers');
    this.describe = `kafka lag of group ${options.consumerGroup} on ${options.topic ? `topic ${options.topic}` : 'its topics'} at ${options.bootstrapServers.join(',')}`;
  }

  async backlog(): Promise<number> {
    return (await this.read()).value;
  }

  async read(): Promise<KafkaLag> {
    return kafkaLag(await this.offsets(), this.options, this.#previous);
  }

  /**
   * Latest and committed offsets of every counted partition. Errors the broker calls retriable (a
   * group coordinator still loading on a fresh broker, a leader moving) get a few quick retries on a
   * new connection; any other error, or the last, is an ERR_PROBE.
   */
  async offsets(): Promise<PartitionOffsets[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#offsets(await this.#connect());
      } catch (err) {
        await this.close();
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (retriable && attempt < 5) {
          await sleep(200 * attempt);
          continue;
        }
        throw new ScalingError('ERR_PROBE', `${this.describe}: ${errorMessage(err)}`, {}, undefined, { cause: err });
      }
    }
  }

  async #offsets(admin: Admin): Promise<PartitionOffsets[]> {
    const { consumerGroup: groupId, partitionLimitation } = this.options;
    const topics = this.options.topic ? [this.options.topic] : await this.#groupTopics(admin);
    const out: PartitionOffsets[] = [];
    for (const topic of topics) {
      const latest = (await admin.fetchTopicOffsets(topic)).filter((p) => !partitionLimitation || partitionLimitation.includes(p.partition));
      if (latest.length === 0) throw new Error(`expected at least one active partition within the topic '${topic}'`);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const p of latest) out.push({ topic, partition: p.partition, latest: Number(p.high), committed: byPartition.get(p.partition) ?? -1 });
    }
    return out;
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  async #connect(): Promise<Admin> {
    if (this.#admin) return this.#admin;
    const kafka = new Kafka({
      clientId: 'ofn-local-scaler',
      brokers: this.options.bootstrapServers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    const admin = kafka.admin();
    await admin.connect();
    this.#admin = admin;
    return admin;
  }

  /** Topics the group has committed offsets for (KEDA's ListConsumerGroupOffsets(group, nil)). */
  async #groupTopics(admin: Admin): Promise<string[]> {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    if (topics.length === 0) return [];
    const offsets = await admin.fetchOffsets({ groupId: this.options.consumerGroup, topics });
    return offsets.filter((t) => t.partitions.some((p) => Number(p.offset) >= 0)).map((t) => t.topic);
  }
}
