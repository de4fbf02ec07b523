/**
 * bindings.redis (output only): `create` (SET key data, optional `ttlInSeconds`), `get`
 * (GET, or GETDEL with request metadata `delete: "true"`; an absent key answers an empty
 * 200), `delete` (DEL), `increment` (INCR). Request metadata `key` is required.
 */
import { parseGoDuration } from '../../../shared/go-compat/duration.js';
import type { Logger } from '../../../shared/logger.js';
import type { Binding, BindingRequest, BindingResponse, Metadata } from '../../component.js';
import { closeRedis, openRedis, type RedisClient, type RedisSettings } from '../../clients/redis.js';

/** `ttlInSeconds` of a binding or publish request: integer seconds or a Go duration; in seconds. */
export function requestTtlSeconds(metadata: Metadata): number | undefined {
  const text = metadata.ttlInSeconds;
  if (text === undefined || text === '') return undefined;
  if (/^-?\d+$/.test(text.trim())) return Number(text);
  const ms = parseGoDuration(text.trim(), 'ms');
  if (ms === undefined) throw new Error(`ttlInSeconds is not a number or a duration: "${text}"`);
  return Math.floor(ms / 1000);
}

export class RedisBinding implements Binding {
  readonly operations = ['create', 'delete', 'get', 'increment'] as const;
  private client: RedisClient | undefined;

  constructor(
    private readonly settings: RedisSettings,
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  async init(signal?: AbortSignal): Promise<void> {
    closeRedis(this.client);
    this.client = await openRedis(this.settings, `dapr-binding-${this.name}`, 'redis binding', false, signal);
    this.client.on('error', (err: Error) => this.log.debug(`redis binding ${this.name}: ${err.message}`));
  }

  async close(): Promise<void> {
    closeRedis(this.client);
    this.client = undefined;
  }

  async invoke(req: BindingRequest): Promise<BindingResponse | undefined> {
    const client = this.client;
    if (!client) throw new Error('redis binding is not connected');
    const key = req.metadata.key;
    if (!key) throw new Error('redis binding: missing key in request metadata');
    const expire = async (): Promise<void> => {
      const ttl = requestTtlSeconds(req.metadata);
      if (ttl !== undefined) await client.expire(key, ttl);
    };
    switch (req.operation) {
      case 'delete':
        await client.del(key);
        return undefined;
      case 'get': {
        const value = req.metadata.delete === 'true' ? await client.getdelBuffer(key) : await client.getBuffer(key);
        return { data: value ?? Buffer.alloc(0) };
      }
      case 'create':
        await client.set(key, req.data);
        await expire();
        return undefined;
      case 'increment':
        await client.incr(key);
        await expire();
        return undefined;
      default:
        throw new Error(`invalid operation type: ${req.operation}`);
    }
  }
}
