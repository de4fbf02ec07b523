/**
 * Conformance with the official @dapr/dapr 3.x SDK: DaprClient against our sidecar, and
 * DaprServer as the app receiving our sidecar's deliveries, over HTTP and over gRPC (the
 * sidecar's gRPC API and its gRPC app channel, `--app-protocol grpc`: OnTopicEvent,
 * OnBulkTopicEventAlpha1, OnBindingEvent, OnInvoke).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer, HttpMethod, LogLevel } from '@dapr/dapr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cleanup, freePort, startSidecar, waitUntil, type TestSidecar } from './harness.js';
import { conformanceResources } from './world.js';
import { describeSidecars } from '../../helpers/daprd.js';

const quiet = { level: LogLevel.Error };

describeSidecars((kind) => {
  describe.each(['HTTP', 'GRPC'] as const)('@dapr/dapr 3.x over %s', (protocol) => {
    let sidecar: TestSidecar;
    let server: DaprServer;
    let client: DaprClient;
    let filesRoot: string;
    const grpc = protocol === 'GRPC';

    const received = {
      orders: [] as { data: unknown; headers: Record<string, unknown> }[],
      retryOnce: 0,
      dropped: 0,
      poison: [] as unknown[],
      raw: [] as unknown[],
      cron: 0,
      bulk: [] as unknown[],
    };

    beforeAll(async () => {
      filesRoot = await mkdtemp(path.join(os.tmpdir(), 'ofn-sdk3-files-'));
      const appPort = await freePort();
      const grpcPort = await freePort();
      sidecar = await startSidecar({ kind, appId: 'sdk3-app', appPort, resources: conformanceResources(filesRoot), args: ['--dapr-grpc-port', String(grpcPort), ...(grpc ? ['--app-protocol', 'grpc'] : [])] });
      const communicationProtocol = grpc ? CommunicationProtocolEnum.GRPC : CommunicationProtocolEnum.HTTP;
      const clientOptions = { daprHost: '127.0.0.1', daprPort: String(grpc ? grpcPort : sidecar.httpPort), communicationProtocol, logger: quiet };
      server = new DaprServer({ serverHost: '127.0.0.1', serverPort: String(appPort), communicationProtocol, clientOptions, logger: quiet });
      await server.pubsub.subscribe('pubsub', 'orders', async (data: unknown, headers?: object) => {
        received.orders.push({ data, headers: (headers ?? {}) as Record<string, unknown> });
      });
      await server.pubsub.subscribe('pubsub', 'retry-once', async () => {
        received.retryOnce++;
        return received.retryOnce === 1 ? DaprPubSubStatusEnum.RETRY : DaprPubSubStatusEnum.SUCCESS;
      });
      await server.pubsub.subscribeWithOptions('pubsub', 'drop-me', {
        deadLetterTopic: 'poison',
        callback: async () => {
          received.dropped++;
          return DaprPubSubStatusEnum.DROP;
        },
      });
      await server.pubsub.subscribe('pubsub', 'poison', async (data: unknown) => {
        received.poison.push(data);
      });
      await server.pubsub.subscribe('pubsub', 'raw', async (data: unknown) => {
        received.raw.push(data);
      }, '', { rawPayload: true } as never);
      await server.pubsub.subscribeBulk('pubsub', 'bulk-topic', async (data: unknown) => {
        received.bulk.push(data);
      }, { maxMessagesCount: 3, maxAwaitDurationMs: 300 });
      await server.binding.receive('cron', async () => {
        received.cron++;
      });
      await server.invoker.listen('hello', async ({ body, query }) => ({ echoed: JSON.parse(String(body)) as unknown, query }), { method: HttpMethod.POST });
      await server.start();
      client = new DaprClient(clientOptions);
      await sidecar.ready;
    }, 60_000);

    afterAll(async () => {
      // The sidecar first, as a pod ends: a gRPC app server waits for its clients (the sidecar) to go.
      await cleanup();
      await server?.stop().catch(() => {});
      await rm(filesRoot, { recursive: true, force: true });
    });

    describe('DaprClient against the sidecar', () => {
      it('reads metadata (components, capabilities, the programmatic subscriptions) and health', async () => {
        const md = await client.metadata.get();
        expect(md.id).toBe('sdk3-app');
        expect(md.components.find((c) => c.name === 'statestore')?.capabilities).toEqual(expect.arrayContaining(['ETAG', 'TRANSACTIONAL', 'ACTOR']));
        // The SDK's gRPC client maps id, actors, extended and components only.
        if (!grpc) expect((md as unknown as { subscriptions: { topic: string }[] }).subscriptions.map((s) => s.topic)).toEqual(expect.arrayContaining(['orders', 'retry-once', 'drop-me', 'poison', 'raw']));
        expect(await client.metadata.set('owner', 'tests')).toBe(true);
        expect((await client.metadata.get()).extended.owner).toBe('tests');
        expect(await client.health.isHealthy()).toBe(true);
      });

      it('saves, gets and deletes state; a missing key reads as ""', async () => {
        expect(await client.state.save('statestore', [{ key: 'order-1', value: { id: 1, items: ['a'] } }, { key: 'greeting', value: 'hello' }])).toEqual({});
        expect(await client.state.get('statestore', 'order-1')).toEqual({ id: 1, items: ['a'] });
        expect(await client.state.get('statestore', 'greeting')).toBe('hello');
        expect(await client.state.delete('statestore', 'greeting')).toEqual({});
        expect(await client.state.get('statestore', 'greeting')).toBe('');
      });

      it('reports an ETag conflict as an error', async () => {
        await client.state.save('statestore', [{ key: 'etagged', value: 1 }]);
        const bulk = await client.state.getBulk('statestore', ['etagged']);
        const etag = (bulk[0] as { etag: string }).etag;
        expect((await client.state.save('statestore', [{ key: 'etagged', value: 2, etag }])).error).toBeUndefined();
        // HTTP: the SDK answers {error} with the 409; gRPC: it throws daprd's ABORTED.
        if (grpc) {
          await expect(client.state.save('statestore', [{ key: 'etagged', value: 3, etag }])).rejects.toThrow(/aborted.*etag not match/i);
          await expect(client.state.delete('statestore', 'etagged', { etag })).rejects.toThrow(/aborted.*etag not match/i);
        } else {
          const stale = await client.state.save('statestore', [{ key: 'etagged', value: 3, etag }]);
          expect(String(stale.error)).toContain('409');
          expect((await client.state.delete('statestore', 'etagged', { etag })).error).toBeDefined();
        }
        expect(await client.state.get('statestore', 'etagged')).toBe(2);
      });

      it('bulk-gets and runs transactions', async () => {
        await client.state.save('statestore', [{ key: 'b1', value: 'one' }, { key: 'b2', value: { two: 2 } }]);
        const items = await client.state.getBulk('statestore', ['b1', 'b2', 'b3']);
        // A missing key: no data over HTTP, the proto's empty default over gRPC.
        expect(items.map((i) => [i.key, (i as { data?: unknown }).data])).toEqual([['b1', 'one'], ['b2', { two: 2 }], ['b3', grpc ? '' : undefined]]);
        await client.state.transaction('statestore', [
          { operation: 'upsert', request: { key: 't1', value: 'x' } },
          { operation: 'delete', request: { key: 'b1' } },
        ]);
        expect(await client.state.get('statestore', 't1')).toBe('x');
        expect(await client.state.get('statestore', 'b1')).toBe('');
      });

      it('sends to an output binding and gets its answer', async () => {
        // Over gRPC the SDK hands back the InvokeBindingResponse itself (its data as bytes).
        const answer = (r: unknown) => (grpc ? (JSON.parse(Buffer.from((r as { data: Uint8Array }).data).toString('utf8')) as unknown) : r);
        const created = await client.binding.send('files', 'create', { hello: 'sdk3' }, { fileName: 'sdk3.json' });
        expect(answer(created)).toEqual({ fileName: 'sdk3.json' });
        expect(answer(await client.binding.send('files', 'get', undefined, { fileName: 'sdk3.json' }))).toEqual({ hello: 'sdk3' });
      });
    });

    describe('DaprServer receiving from the sidecar', () => {
      it('gets a published object as data, with the pubsubname header', async () => {
        const res = await client.pubsub.publish('pubsub', 'orders', { orderId: 42 });
        expect(res.error).toBeUndefined();
        await waitUntil(() => received.orders.length > 0, 5000, 'delivery of orders', sidecar.logText);
        expect(received.orders[0]?.data).toEqual({ orderId: 42 });
        if (!grpc) {
          expect(received.orders[0]?.headers.pubsubname).toBe('pubsub');
          expect(String(received.orders[0]?.headers['content-type'])).toBe('application/cloudevents+json');
        }
      });

      it('delivers a message once more after RETRY (Resiliency policy), then acknowledges it', async () => {
        await client.pubsub.publish('pubsub', 'retry-once', { n: 1 });
        await waitUntil(() => received.retryOnce >= 2, 5000, 'redelivery after RETRY', sidecar.logText);
        await new Promise((r) => setTimeout(r, 400));
        expect(received.retryOnce).toBe(2);
        expect(received.poison).toEqual([]);
      });

      it('sends a dropped message to the dead-letter topic', async () => {
        await client.pubsub.publish('pubsub', 'drop-me', { bad: true });
        await waitUntil(() => received.poison.length > 0, 5000, 'dead-lettered message', sidecar.logText);
        expect(received.dropped).toBe(1);
        expect(received.poison[0]).toEqual({ bad: true });
      });

      it('delivers raw payloads to a rawPayload subscription', async () => {
        await client.pubsub.publish('pubsub', 'raw', { plain: 'json' }, { metadata: { rawPayload: 'true' } } as never);
        await waitUntil(() => received.raw.length > 0, 5000, 'raw payload delivery', sidecar.logText);
        expect(received.raw[0]).toEqual({ plain: 'json' });
      });

      it('bulk-publishes and delivers to a bulk subscription in one call', async () => {
        const res = await client.pubsub.publishBulk('pubsub', 'bulk-topic', [{ n: 1 }, { n: 2 }, { n: 3 }] as never);
        expect(res.failedMessages).toEqual([]);
        await waitUntil(() => received.bulk.length === 3, 5000, 'bulk delivery', sidecar.logText);
        expect(received.bulk).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
      });

      // daprd hands a gRPC app the method as given ("hello?lang=en"), where the SDK's server finds no
      // handler; ours splits the query string off (docs/daprd.md, known differences).
      it.skipIf(kind === 'daprd' && grpc)('invokes its own app through the sidecar (service invocation)', async () => {
        const answer = await client.invoker.invoke('sdk3-app', 'hello?lang=en', HttpMethod.POST, { name: 'dapr' });
        // The SDK's HTTP server hands the handler the URL, its gRPC server the query string (OnInvoke's http_extension).
        expect(answer).toEqual({ echoed: { name: 'dapr' }, query: grpc ? 'lang=en' : '/hello?lang=en' });
      });

      it('calls the cron input binding on schedule', async () => {
        await waitUntil(() => received.cron >= 1, 4000, 'a cron event', sidecar.logText);
      });
    });
  });
});
