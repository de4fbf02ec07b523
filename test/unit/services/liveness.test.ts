import { describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { ServiceLiveness } from '../../../src/services/liveness.js';

/** A service whose life the test sets; restart fails while `broken` is set. */
function service(port: number) {
  const s = {
    up: true,
    broken: false,
    restarts: 0,
    alive: async () => s.up,
    restart: async () => {
      if (s.broken) throw new Error('port 6379 is in use');
      s.restarts++;
      s.up = true;
      return { host: '10.0.0.9', port };
    },
  };
  return s;
}

describe('backing service liveness', () => {
  it('leaves live services alone, restarts a dead one, journals it and reports the new address', async () => {
    const events: OfnEvent[] = [];
    const addresses: string[] = [];
    const live = new ServiceLiveness({ emit: (e) => events.push(e), onAddress: (name, a) => addresses.push(`${name}=${a.host}:${a.port}`) });
    const redis = service(6379);
    const mqtt = service(1883);
    live.add('redis', 'redis', redis, { host: '10.0.0.2', port: 6379 });
    live.add('emqx', 'mqtt', mqtt, { host: '10.0.0.3', port: 1883 });
    await live.check();
    expect(events).toEqual([]);
    redis.up = false;
    await live.check();
    expect(redis.restarts).toBe(1);
    expect(mqtt.restarts).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['instance.failed', 'service.started']);
    expect(events[0]).toMatchObject({ fn: 'service/redis', instance: 'redis' });
    expect(addresses).toEqual(['redis=10.0.0.9:6379']);
    expect(live.statuses()).toEqual([
      { name: 'redis', type: 'redis', address: '10.0.0.9:6379', state: 'running', restarts: 1 },
      { name: 'emqx', type: 'mqtt', address: '10.0.0.3:1883', state: 'running', restarts: 0 },
    ]);
  });

  it('keeps trying a service that does not start again, saying so once', async () => {
    const events: OfnEvent[] = [];
    const live = new ServiceLiveness({ emit: (e) => events.push(e) });
    const redis = service(6379);
    live.add('redis', 'redis', redis, { host: '127.0.0.1', port: 6379 });
    redis.up = false;
    redis.broken = true;
    await live.check();
    await live.check();
    expect(live.statuses()[0]!.state).toBe('failed');
    expect(events.filter((e) => e.type === 'instance.failed').map((e) => (e.type === 'instance.failed' ? e.message : ''))).toEqual([
      'backing service redis (redis) is gone; starting it again',
      'backing service redis did not start again: port 6379 is in use (trying again)',
    ]);
    redis.broken = false;
    await live.check();
    expect(live.statuses()[0]).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('forgets its services once stopped', async () => {
    const live = new ServiceLiveness({ emit: () => undefined });
    const redis = service(6379);
    live.add('redis', 'redis', redis, { host: '127.0.0.1', port: 6379 });
    await live.stop();
    redis.up = false;
    await live.check();
    expect(redis.restarts).toBe(0);
    expect(live.statuses()).toEqual([]);
  });
});
