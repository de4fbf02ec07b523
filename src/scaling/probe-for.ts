import type { Where } from '../errors.js';
import { ScalingError } from './errors.js';
import { KafkaLagProbe, type KafkaLagOptions } from './kafka-probe.js';
import { NatsJetStreamProbe } from './nats-jetstream-probe.js';
import type { BacklogProbe, ResolveHost } from './probe.js';
import { splitHostPort } from './probe.js';
import { RedisStreamsProbe, type RedisStreamsMode } from './redis-streams-probe.js';

/** A KEDA trigger as a Function's `scaleOptions.keda.triggers[]` gives it. */
export interface KedaTrigger {
  type: string;
  metadata: Record<string, string>;
  name?: string;
}

export const SUPPORTED_TRIGGER_TYPES = ['kafka', 'redis-streams', 'nats-jetstream'] as const;
export type SupportedTriggerType = (typeof SUPPORTED_TRIGGER_TYPES)[number];

export interface TriggerProbe {
  type: SupportedTriggerType;
  probe: BacklogProbe;
  /** The HPA target per replica: kafka/nats `lagThreshold`, redis `pendingEntriesCount`, `lagCount` or `streamLength`. */
  threshold: number;
  /** KEDA's activation threshold (default 0): active while the reading's activity is above it. */
  activationThreshold: number;
  /** Metadata keys KEDA knows that ofn-local does not act on (TLS, SASL, …), for a notice. */
  ignored: string[];
}

/** The NATS client port the probe uses on the monitoring endpoint's host (KEDA reads :8222/jsz). */
export const NATS_CLIENT_PORT = 4222;

/**
 * The probe for a KEDA trigger and its thresholds, with KEDA's metadata keys and defaults:
 *
 * - `kafka`: bootstrapServers (comma list), consumerGroup, topic (optional), lagThreshold (10),
 *   activationLagThreshold (0), offsetResetPolicy (latest), allowIdleConsumers,
 *   scaleToZeroOnInvalidOffset, limitToPartitionsWithLag, ensureEvenDistributionOfPartitions,
 *   excludePersistentLag, partitionLimitation;
 * - `redis-streams`: address, or host and port; stream; consumerGroup; pendingEntriesCount (5),
 *   lagCount, streamLength (5), activationLagCount (0), databaseIndex, username, password;
 * - `nats-jetstream`: natsServerMonitoringEndpoint, account or accountID, stream, consumer,
 *   lagThreshold (10), activationLagThreshold (0).
 *
 * Every `host:port` goes through `resolveHost` (manifest names to local addresses); for NATS that is
 * the monitoring endpoint's host with the client port 4222. Nothing connects until the probe is read.
 * `where` (a manifest location, path of the trigger) makes errors name the field.
 */
export function probeFor(trigger: KedaTrigger, resolveHost: ResolveHost = (h) => h, where: Where = {}): TriggerProbe {
  const m = new Meta(trigger, where);
  switch (trigger.type) {
    case 'kafka':
      return kafkaProbe(m, resolveHost);
    case 'redis-streams':
      return redisStreamsProbe(m, resolveHost);
    case 'nats-jetstream':
      return natsJetStreamProbe(m, resolveHost);
    default:
      throw new ScalingError(
        'ERR_SCALER_UNSUPPORTED',
        `KEDA trigger type "${trigger.type}" is not supported by ofn-local's scaler (supported: ${SUPPORTED_TRIGGER_TYPES.join(', ')})`,
        { ...where, path: join(where.path, 'type') },
        `use one of ${SUPPORTED_TRIGGER_TYPES.join(', ')}, or drop scaleOptions.keda.triggers to run the function at a fixed replica count`,
      );
  }
}

function kafkaProbe(m: Meta, resolveHost: ResolveHost): TriggerProbe {
  const bootstrapServers = m
    .required('bootstrapServers')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => resolveHost(s));
  const threshold = m.int('lagThreshold', 10, 1);
  const offsetResetPolicy = m.enumOf('offsetResetPolicy', ['latest', 'earliest'] as const, 'latest');
  const options: KafkaLagOptions = {
    bootstrapServers,
    consumerGroup: m.required('consumerGroup'),
    ...(m.optional('topic') ? { topic: m.optional('topic') } : {}),
    lagThreshold: threshold,
    offsetResetPolicy,
    allowIdleConsumers: m.bool('allowIdleConsumers'),
    scaleToZeroOnInvalidOffset: m.bool('scaleToZeroOnInvalidOffset'),
    limitToPartitionsWithLag: m.bool('limitToPartitionsWithLag'),
    ensureEvenDistributionOfPartitions: m.bool('ensureEvenDistributionOfPartitions'),
    excludePersistentLag: m.bool('excludePersistentLag'),
  };
  const limitation = m.optional('partitionLimitation');
  if (limitation) options.partitionLimitation = m.partitionList('partitionLimitation', limitation);
  // KEDA's own validation (kafkaMetadata.Validate).
  if (options.allowIdleConsumers && options.limitToPartitionsWithLag) m.fail('limitToPartitionsWithLag', 'allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously');
  if (!options.topic && options.limitToPartitionsWithLag) m.fail('limitToPartitionsWithLag', 'topic must be specified when using limitToPartitionsWithLag');
  if (options.limitToPartitionsWithLag && options.ensureEvenDistributionOfPartitions) m.fail('ensureEvenDistributionOfPartitions', 'limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously');
  return {
    type: 'kafka',
    probe: new KafkaLagProbe(options),
    threshold,
    activationThreshold: m.int('activationLagThreshold', 0, 0),
    ignored: m.ignored(['sasl', 'tls', 'version', 'unsafeSsl', 'username', 'password', 'ca', 'cert', 'key', 'keyPassword', 'saslTokenProvider', 'oauthTokenEndpointUri', 'scopes', 'oauthExtensions', 'kerberosConfig', 'realm', 'keytab', 'kerberosServiceName', 'kerberosDisableFAST', 'fullMetadata']),
  };
}

function redisStreamsProbe(m: Meta, resolveHost: ResolveHost): TriggerProbe {
  let address = m.optional('address') ?? m.optional('addresses')?.split(',')[0]?.trim();
  if (!address) {
    const host = m.optional('host') ?? m.optional('hosts')?.split(',')[0]?.trim();
    const port = m.optional('port') ?? m.optional('ports')?.split(',')[0]?.trim();
    if (!host || !port) m.fail('address', 'no address given: set address (host:port), or host and port');
    address = `${host}:${port}`;
  }
  const consumerGroup = m.optional('consumerGroup');
  const lagCount = m.optional('lagCount') !== undefined ? m.int('lagCount', 0, 0) : 0;
  let mode: RedisStreamsMode;
  let threshold: number;
  // KEDA's redisStreamsMetadata.Validate: a group means pending entries, or lag when lagCount is set.
  if (consumerGroup) {
    if (lagCount !== 0) {
      mode = 'lag';
      threshold = lagCount;
    } else {
      mode = 'pending';
      threshold = m.int('pendingEntriesCount', 5, 1);
    }
  } else {
    mode = 'length';
    threshold = m.int('streamLength', 5, 1);
  }
  const databaseIndex = m.optional('databaseIndex') !== undefined ? m.int('databaseIndex', 0, 0) : undefined;
  return {
    type: 'redis-streams',
    probe: new RedisStreamsProbe({
      address: resolveHost(address),
      stream: m.required('stream'),
      mode,
      ...(consumerGroup ? { consumerGroup } : {}),
      ...(m.optional('username') ? { username: m.optional('username') } : {}),
      ...(m.optional('password') ? { password: m.optional('password') } : {}),
      ...(databaseIndex !== undefined ? { databaseIndex } : {}),
    }),
    threshold,
    activationThreshold: m.int('activationLagCount', 0, 0),
    ignored: m.ignored(['enableTLS', 'unsafeSsl', 'sentinelUsername', 'sentinelPassword', 'sentinelMaster']),
  };
}

function natsJetStreamProbe(m: Meta, resolveHost: ResolveHost): TriggerProbe {
  const endpoint = m.required('natsServerMonitoringEndpoint');
  const account = m.optional('account') ?? m.optional('accountID');
  if (!account) m.fail('account', 'no account name or id given (KEDA requires account or accountID; a server without accounts uses $G)');
  const { host } = splitHostPort(endpoint, 8222);
  return {
    type: 'nats-jetstream',
    probe: new NatsJetStreamProbe({ server: resolveHost(`${host}:${NATS_CLIENT_PORT}`), stream: m.required('stream'), consumer: m.required('consumer'), account }),
    threshold: m.int('lagThreshold', 10, 1),
    activationThreshold: m.int('activationLagThreshold', 0, 0),
    ignored: m.ignored(['useHttps']),
  };
}

const join = (base: string | undefined, leaf: string) => (base ? `${base}.${leaf}` : leaf);

/** Reads one trigger's metadata, with errors that name the key. */
class Meta {
  constructor(
    readonly trigger: KedaTrigger,
    readonly where: Where,
  ) {}

  fail(key: string, message: string): never {
    throw new ScalingError('ERR_SCALER_METADATA', `${this.trigger.type} trigger${this.trigger.name ? ` ${this.trigger.name}` : ''}: ${message}`, {
      ...this.where,
      path: join(this.where.path, `metadata.${key}`),
    });
  }

  optional(key: string): string | undefined {
    const value = this.trigger.metadata?.[key];
    return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
  }

  required(key: string): string {
    const value = this.optional(key);
    if (value !== undefined) return value;
    const fromEnv = this.optional(`${key}FromEnv`);
    if (fromEnv) this.fail(`${key}FromEnv`, `${key}FromEnv is not supported by ofn-local (it reads the workload's environment): give ${key}`);
    return this.fail(key, `no ${key} given`);
  }

  /** An integer (KEDA parses these with strconv.ParseInt) of at least `min`. */
  int(key: string, fallback: number, min: number): number {
    const text = this.optional(key);
    if (text === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(text)) this.fail(key, `${key} must be an integer, got "${text}"`);
    const n = Number(text);
    if (n < min) this.fail(key, `${key} must be ${min === 0 ? 'a non-negative number' : 'a positive number'}, got ${n}`);
    return n;
  }

  /** Go's strconv.ParseBool. */
  bool(key: string): boolean {
    const text = this.optional(key);
    if (text === undefined) return false;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
    return this.fail(key, `${key} must be true or false, got "${text}"`);
  }

  enumOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const text = this.optional(key);
    if (text === undefined) return fallback;
    if (!(values as readonly string[]).includes(text)) this.fail(key, `${key} must be one of ${values.join(', ')}, got "${text}"`);
    return text as T;
  }

  /** KEDA's partitionLimitation: `1,2,10-12`. */
  partitionList(key: string, text: string): number[] {
    const out: number[] = [];
    for (const part of text.split(',').map((p) => p.trim())) {
      const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
      if (range) for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(i);
      else if (/^\d+$/.test(part)) out.push(Number(part));
      else this.fail(key, `invalid partition limitation: ${part}`);
    }
    return out;
  }

  /** The keys present among `known` (KEDA reads them; ofn-local does not). */
  ignored(known: string[]): string[] {
    return known.filter((k) => this.optional(k) !== undefined);
  }
}
