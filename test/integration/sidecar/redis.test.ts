/**
 * state.redis, pubsub.redis and bindings.redis against a real redis-server: the shared
 * contracts, daprd's wire layout, redelivery of failed messages, and a broker that is
 * down when the sidecar starts.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { brokerAvailable, freePort, startBroker, type StartedBroker } from '../../helpers/brokers.js';
import { RedisPubSub } from '../../../src/dapr-components/pubsub/redis/pubsub.js';
import { redisPubSubMetadata } from '../../../src/dapr-components/pubsub/redis/index.js';
import { redisStateMetadata } from '../../../src/dapr-components/state/redis/index.js';
import { RedisStateStore } from '../../../src/dapr-components/state/redis/store.js';
import { silentLogger } from '../../../src/sidecar/logger.js';
import { describePubSub } from '../../unit/sidecar/contracts/pubsub-contract.js';
import { describeStateStore } from '../../unit/sidecar/contracts/state-store-contract.js';
import { api, cleanup, component, startApp, startSidecar, waitUntil } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

const available = brokerAvailable('redis');

describe.skipIf(!available)('redis', () => {
  let redis: StartedBroker;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startBroker('redis');
    raw = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await raw.connect();
  });
  afterAll(async () => {
    raw?.disconnect();
    await cleanup();
    await redis?.stop();
  });

  describeStateStore(
    'state.redis',
    async () => {
      const store = new RedisStateStore(redisStateMetadata.parse({ redisHost: redis.url }), 'contract', silentLogger);
      await store.init();
      return { store, dispose: () => store.close() };
    },
    { etagOnMissingKey: 'ignored', etagFormat: 'integer' },
  );

  describePubSub('pubsub.redis', async () => {
    const md = redisPubSubMetadata.parse({ redisHost: redis.url, consumerID: `contract-${Date.now()}` });
    const pubsub = new RedisPubSub({ ...md, consumerID: md.consumerID!, redeliverIntervalMs: 0, processingTimeoutMs: 0, queueDepth: 10, concurrency: 1, streamTTLMs: undefined }, 'contract', silentLogger);
    await pubsub.init();
    return { pubsub, dispose: () => pubsub.close() };
  });

  describeSidecars((kind) => {
    // What one sidecar's tests started ends before the other's start: they share the broker.
    afterAll(cleanup);
    // Each sidecar starts from an empty Redis: the same keys, streams and groups are used by both.
    beforeAll(async () => {
      await raw.flushall();
    });

    it('stores state in daprd\'s layout: hash <appId>||<key> with data and version', async () => {
      const sidecar = await startSidecar({ kind, appId: 'layout', resources: { 's.yaml': component('store', 'state.redis', { redisHost: redis.url }) } });
      await api(sidecar, 'POST', '/v1.0/state/store', [{ key: 'order', value: { total: 3 } }]);
      expect(await raw.hgetall('layout||order')).toEqual({ data: '{"total":3}', version: '1' });
      // A value written by daprd (same layout) reads back with its ETag.
      await raw.hset('layout||from-daprd', { data: '"hi"', version: '7' });
      const got = await api(sidecar, 'GET', '/v1.0/state/store/from-daprd');
      expect([got.text, got.headers.get('etag')]).toEqual(['"hi"', '7']);
      const md = (await api(sidecar, 'GET', '/v1.0/metadata')).json() as { components: { name: string; capabilities: string[] }[] };
      expect(md.components[0]?.capabilities).toEqual(expect.arrayContaining(['ETAG', 'TRANSACTIONAL', 'TTL', 'ACTOR']));
    });

    it('ignores an ETag for a missing key and a first-write on a fresh key (js-sdk behaviour)', async () => {
      const sidecar = await startSidecar({ kind, appId: 'fw', resources: { 's.yaml': component('store', 'state.redis', { redisHost: redis.url }) } });
      const res = await api(sidecar, 'POST', '/v1.0/state/store', [{ key: 'fresh', value: 1, etag: '1234', options: { concurrency: 'first-write' } }]);
      expect(res.status).toBe(204);
      const bad = await api(sidecar, 'POST', '/v1.0/state/store', [{ key: 'fresh', value: 1, etag: 'abc' }]);
      expect(bad.status).toBe(400);
    });

    it('publishes as XADD <topic> data/metadata and delivers through a consumer group named after the app id', async () => {
      const app = await startApp((req) => (req.path === '/dapr/subscribe' ? { body: JSON.stringify([{ pubsubname: 'bus', topic: 'stream-orders', route: '/orders' }]) } : {}));
      const sidecar = await startSidecar({ kind, appId: 'streams-app', appPort: app.port, resources: { 'p.yaml': component('bus', 'pubsub.redis', { redisHost: redis.url }) } });
      await sidecar.ready;
      expect((await api(sidecar, 'POST', '/v1.0/publish/bus/stream-orders', { n: 1 })).status).toBe(204);
      await waitUntil(() => app.received('/orders').length === 1, 5000, 'delivery', sidecar.logText);
      const body = JSON.parse(app.received('/orders')[0]!.body) as { data: unknown; source: string };
      expect(body).toMatchObject({ data: { n: 1 }, source: 'streams-app', topic: 'stream-orders', pubsubname: 'bus' });
      const entries = (await raw.xrange('stream-orders', '-', '+')) as [string, string[]][];
      // The fields of the entry (daprd writes them from a Go map, in no fixed order).
      expect([entries[0]?.[1][0], entries[0]?.[1][2]].sort()).toEqual(['data', 'metadata']);
      const groups = (await raw.call('XINFO', 'GROUPS', 'stream-orders')) as unknown[][];
      expect(JSON.stringify(groups)).toContain('streams-app');
      await waitUntil(async () => Number(((await raw.call('XPENDING', 'stream-orders', 'streams-app')) as unknown[])[0]) === 0, 3000, 'ack');
    });

    // Durations as plain milliseconds: daprd 1.14 ignores a redeliverInterval written as "200ms".
    it('redelivers a failed message after processingTimeout (component-level retry, no Resiliency)', async () => {
      let calls = 0;
      const app = await startApp((req) => {
        if (req.path === '/dapr/subscribe') return { body: JSON.stringify([{ pubsubname: 'bus', topic: 'flaky', route: '/flaky' }]) };
        if (req.path === '/flaky') return ++calls === 1 ? { status: 500, body: 'not yet' } : { body: '{"status":"SUCCESS"}' };
        return { status: 404 };
      });
      const sidecar = await startSidecar({ kind,
        appId: 'redeliver-app',
        appPort: app.port,
        resources: { 'p.yaml': component('bus', 'pubsub.redis', { redisHost: redis.url, processingTimeout: '300', redeliverInterval: '200' }) },
      });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/flaky', { n: 1 });
      await waitUntil(() => calls >= 2, 8000, 'redelivery', sidecar.logText);
      await waitUntil(async () => Number(((await raw.call('XPENDING', 'flaky', 'redeliver-app')) as unknown[])[0]) === 0, 3000, 'ack after redelivery');
      expect(calls).toBe(2);
    });

    it('runs bindings.redis operations', async () => {
      const sidecar = await startSidecar({ kind, appId: 'kv', resources: { 'b.yaml': component('cache', 'bindings.redis', { redisHost: redis.url }) } });
      expect((await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'create', data: { a: 1 }, metadata: { key: 'b-key', ttlInSeconds: '100' } })).status).toBe(204);
      expect(await raw.get('b-key')).toBe('{"a":1}');
      expect(await raw.ttl('b-key')).toBeGreaterThan(90);
      expect((await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'get', metadata: { key: 'b-key' } })).text).toBe('{"a":1}');
      await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'increment', metadata: { key: 'counter' } });
      expect(await raw.get('counter')).toBe('1');
      expect((await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'delete', metadata: { key: 'b-key' } })).status).toBe(204);
      const absent = await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'get', metadata: { key: 'b-key' } });
      expect([absent.status, absent.text]).toEqual([200, '']);
      const noKey = await api(sidecar, 'POST', '/v1.0/bindings/cache', { operation: 'get' });
      expect(noKey.status).toBe(500);
    });

    // daprd exits at start-up when a component cannot connect (a pod restart retries); ours keeps
    // running and connects when the broker comes: ours only (docs/daprd.md, known differences).
    it.skipIf(kind === 'daprd')('starts a subscription on a pubsub whose broker comes up after the app', async () => {
      const port = await freePort();
      const app = await startApp((req) => (req.path === '/dapr/subscribe' ? { body: JSON.stringify([{ pubsubname: 'late-bus', topic: 'late', route: '/late' }]) } : {}));
      const sidecar = await startSidecar({ kind, appId: 'late-bus-app', appPort: app.port, resources: { 'p.yaml': component('late-bus', 'pubsub.redis', { redisHost: `127.0.0.1:${port}`, dialTimeout: '200ms' }) } });
      await sidecar.ready;
      expect(sidecar.subscriptions()).toEqual([]);
      const { spawn } = await import('node:child_process');
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], { stdio: 'ignore' });
      try {
        await waitUntil(() => sidecar.subscriptions().length === 1, 10_000, 'the subscription to start', sidecar.logText);
        await api(sidecar, 'POST', '/v1.0/publish/late-bus/late', { n: 1 });
        await waitUntil(() => app.received('/late').length === 1, 5000, 'the delivery', sidecar.logText);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it.skipIf(kind === 'daprd')('starts with the broker down, says so clearly, keeps retrying and joins when it is up', async () => {
      const port = await freePort();
      const sidecar = await startSidecar({ kind,
        appId: 'patient',
        resources: { 's.yaml': component('later', 'state.redis', { redisHost: `127.0.0.1:${port}`, dialTimeout: '200ms' }), 'm.yaml': component('now', 'state.in-memory') },
      });
      const status = () => sidecar.components().find((c) => c.name === 'later');
      expect(status()?.state).toBe('retrying');
      expect(status()?.error).toMatch(new RegExp(`error connecting to redis at 127.0.0.1:${port}`));
      expect(sidecar.logText()).toMatch(/later \(state\.redis\/v1\).*failed to initialise/);
      const notReady = await api(sidecar, 'GET', '/v1.0/state/later/x');
      expect(notReady.status).toBe(500);
      expect(notReady.text).toContain('not ready');
      expect((await api(sidecar, 'GET', '/v1.0/state/now/x')).status).toBe(204);
      const { spawn } = await import('node:child_process');
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], { stdio: 'ignore' });
      try {
        await waitUntil(() => status()?.state === 'ready', 10_000, 'the component to connect', sidecar.logText);
        expect((await api(sidecar, 'POST', '/v1.0/state/later', [{ key: 'x', value: 1 }])).status).toBe(204);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
});
