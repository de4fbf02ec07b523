/**
 * Connection settings shared by state.redis, pubsub.redis and bindings.redis, and the
 * ioredis client built from them. `redisHost` is `host:port` (a comma list for sentinels
 * or cluster nodes).
 */
import { Redis, Cluster } from 'ioredis';
import type { RedisSettings } from './redis-metadata.js';

export type { RedisSettings } from './redis-metadata.js';

export type RedisClient = Redis | Cluster;

function hostPort(text: string): { host: string; port: number } {
  const trimmed = text.trim().replace(/^redis(s)?:\/\//, '');
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(trimmed);
  return { host: m?.[1] || 'localhost', port: m?.[2] ? Number(m[2]) : 6379 };
}

/**
 * A client that does not connect until `connectRedis`. Commands fail fast while the
 * server is away (no offline queue), so a caller gets an error instead of a hang.
 */
export function createRedisClient(settings: RedisSettings, connectionName: string, blocking = false): RedisClient {
  const retryStrategy = (times: number): number =>
    Math.min(settings.redisMaxRetryInterval, Math.max(settings.redisMinRetryInterval, 2 ** times * settings.redisMinRetryInterval));
  const tls = settings.enableTLS ? { rejectUnauthorized: !settings.insecureSkipTLSVerify } : undefined;
  const common = {
    lazyConnect: true,
    connectionName,
    username: settings.redisUsername,
    password: settings.redisPassword,
    connectTimeout: settings.dialTimeout,
    // A blocking reader waits through reconnects; request/response clients fail fast.
    maxRetriesPerRequest: blocking ? null : Math.max(0, settings.redisMaxRetries),
    enableOfflineQueue: blocking,
    tls,
    retryStrategy,
  };
  const nodes = settings.redisHost.split(',').filter(Boolean).map(hostPort);
  if (settings.redisType === 'cluster') {
    return new Cluster(nodes, { lazyConnect: true, enableOfflineQueue: blocking, redisOptions: common, clusterRetryStrategy: retryStrategy });
  }
  if (settings.failover) {
    return new Redis({
      ...common,
      db: settings.redisDB,
      sentinels: nodes,
      name: settings.sentinelMasterName ?? 'mymaster',
      sentinelUsername: settings.sentinelUsername,
      sentinelPassword: settings.sentinelPassword,
    });
  }
  const first = nodes[0] ?? { host: 'localhost', port: 6379 };
  return new Redis({ ...common, host: first.host, port: first.port, db: settings.redisDB });
}

/**
 * A connected client (PING answered). On failure the client is closed and the error names
 * the address, so the caller can simply try again later.
 */
export async function openRedis(settings: RedisSettings, connectionName: string, what: string, blocking = false, signal?: AbortSignal): Promise<RedisClient> {
  const client = createRedisClient(settings, connectionName, blocking);
  // ioredis reports connection errors as events too; the rejected promise below carries them.
  client.on('error', () => {});
  const onAbort = (): void => client.disconnect();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    await client.ping();
    if (signal?.aborted) throw new Error('gave up (init timed out)');
    return client;
  } catch (err) {
    client.disconnect();
    throw new Error(`${what}: error connecting to redis at ${settings.redisHost}: ${(err as Error).message}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Closes without waiting for replies to commands in flight. */
export function closeRedis(client: RedisClient | undefined): void {
  try {
    client?.disconnect();
  } catch {
    // already closed
  }
}
