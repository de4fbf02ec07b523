/**
 * Conformance with @dapr/dapr 2.5.0 (installed as dapr-sdk-2-5), the version
 * OpenFunction's Node functions framework pins, used the way the framework uses it:
 * positional constructors, DaprServer for async functions, DaprClient for ctx.send/state.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { CommunicationProtocolEnum, DaprClient, DaprServer, LogLevel } from 'dapr-sdk-2-5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cleanup, freePort, startSidecar, waitUntil, type TestSidecar } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';
import { conformanceResources } from './world.js';

const quiet = { logger: { level: LogLevel.Error } };

describeSidecars((kind) => {
  let sidecar: TestSidecar;
  let server: DaprServer;
  let client: DaprClient;
  let filesRoot: string;

  const received = {
    orders: [] as { data: unknown; headers: unknown }[],
    failing: 0,
    poison: [] as unknown[],
    cron: [] as unknown[],
  };

  beforeAll(async () => {
    filesRoot = await mkdtemp(path.join(os.tmpdir(), 'ofn-sdk25-files-'));
    const appPort = await freePort();
    sidecar = await startSidecar({ kind, appId: 'sdk25-app', appPort, resources: conformanceResources(filesRoot) });
    const daprPort = String(sidecar.httpPort);
    server = new DaprServer('127.0.0.1', String(appPort), '127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
    await server.pubsub.subscribe('pubsub', 'orders', async (data: unknown, headers: unknown) => {
      received.orders.push({ data, headers });
    });
    // 2.5.0 answers DROP when the callback throws.
    await server.pubsub.subscribeWithOptions('pubsub', 'failing', {
      deadLetterTopic: 'poison',
      callback: async () => {
        received.failing++;
        throw new Error('cannot handle this');
      },
    } as never);
    await server.pubsub.subscribe('pubsub', 'poison', async (data: unknown) => {
      received.poison.push(data);
    });
    await server.binding.receive('cron', async (data: unknown) => {
      received.cron.push(data);
    });
    await server.start();
    client = new DaprClient('127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
    await sidecar.ready;
  }, 60_000);

  afterAll(async () => {
    await server?.stop().catch(() => {});
    await cleanup();
    await rm(filesRoot, { recursive: true, force: true });
  });

  describe('@dapr/dapr 2.5.0 DaprClient against the sidecar', () => {
    it('reads metadata and health', async () => {
      const md = (await client.metadata.get()) as { id: string; components: { name: string; capabilities: string[] }[] };
      expect(md.id).toBe('sdk25-app');
      expect(md.components.find((c) => c.name === 'statestore')?.capabilities).toEqual(expect.arrayContaining(['ETAG', 'TRANSACTIONAL', 'ACTOR']));
      expect(await client.health.isHealthy()).toBe(true);
    });

    it('saves, gets, deletes, bulk-gets and runs transactions (as ctx.state does)', async () => {
      await client.state.save('statestore', [{ key: 'k', value: { v: 1 } }, { key: 's', value: 'str' }]);
      expect(await client.state.get('statestore', 'k')).toEqual({ v: 1 });
      expect(await client.state.get('statestore', 's')).toBe('str');
      const bulk = (await client.state.getBulk('statestore', ['k', 'nope'])) as { key: string; data?: unknown }[];
      expect(bulk.map((b) => [b.key, b.data])).toEqual([['k', { v: 1 }], ['nope', undefined]]);
      await client.state.transaction('statestore', [{ operation: 'upsert', request: { key: 'tx', value: 2 } }, { operation: 'delete', request: { key: 's' } }]);
      expect(await client.state.get('statestore', 'tx')).toBe(2);
      await client.state.delete('statestore', 'k');
      expect(await client.state.get('statestore', 'k')).toBe('');
      expect(await client.state.get('statestore', 's')).toBe('');
    });

    it('throws on an ETag conflict', async () => {
      await client.state.save('statestore', [{ key: 'e', value: 1 }]);
      const [item] = (await client.state.getBulk('statestore', ['e'])) as { etag: string }[];
      await client.state.save('statestore', [{ key: 'e', value: 2, etag: item?.etag } as never]);
      await expect(client.state.save('statestore', [{ key: 'e', value: 3, etag: item?.etag } as never])).rejects.toThrow(/409/);
    });

    it('invokes an output binding the way ctx.send does (localstorage create)', async () => {
      const answer = await client.binding.send('files', 'create', { from: 'ctx.send' }, { fileName: 'out.json' });
      expect(answer).toEqual({ fileName: 'out.json' });
      expect(JSON.parse(await readFile(path.join(filesRoot, 'out.json'), 'utf8'))).toEqual({ from: 'ctx.send' });
    });

    it('rejects the empty operation the framework sends when FUNC_CONTEXT has none', async () => {
      await expect(client.binding.send('files', '', { x: 1 })).rejects.toThrow(/"status":500/);
    });
  });

  describe('@dapr/dapr 2.5.0 DaprServer receiving from the sidecar', () => {
    it('publishes (application/json, empty query string) and delivers body.data to the subscriber', async () => {
      expect(await client.pubsub.publish('pubsub', 'orders', { orderId: 7 })).toBe(true);
      await waitUntil(() => received.orders.length > 0, 5000, 'delivery', sidecar.logText);
      expect(received.orders[0]?.data).toEqual({ orderId: 7 });
    });

    it('dead-letters a message whose callback throws (2.5.0 answers DROP)', async () => {
      await client.pubsub.publish('pubsub', 'failing', { n: 1 });
      await waitUntil(() => received.poison.length > 0, 5000, 'dead-letter delivery', sidecar.logText);
      expect(received.failing).toBe(1);
      expect(received.poison[0]).toEqual({ n: 1 });
    });

    it('calls the cron input binding with an empty body (parsed to {})', async () => {
      await waitUntil(() => received.cron.length > 0, 4000, 'a cron event', sidecar.logText);
      expect(received.cron[0]).toEqual({});
    });
  });
});
