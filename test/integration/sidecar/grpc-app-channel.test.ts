/**
 * The app channel over gRPC (`--app-protocol grpc`), with a plain recording AppCallback server (no
 * SDK): subscriptions and input bindings listed by the app, topic events routed by the app's rules
 * and settled by SUCCESS/RETRY/DROP, input binding events, and an app whose port opens before it
 * serves, asked again until it answers.
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import {
  BindingEventRequestSchema,
  BindingEventResponseSchema,
  HealthCheckResponseSchema,
  ListInputBindingsResponseSchema,
  ListTopicSubscriptionsResponseSchema,
  TopicEventRequestSchema,
  TopicEventResponseSchema,
  TopicEventResponse_TopicEventResponseStatus as TopicStatus,
  type BindingEventRequest,
  type TopicEventRequest,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb.js';
import { afterAll, describe, expect, it } from 'vitest';

import { api, cleanup, component, freePort, startSidecar, waitUntil } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

afterAll(cleanup);

interface Callbacks {
  /** HealthCheck answers healthy once this is true. */
  healthy?: () => boolean;
  subscriptions?: MessageInitShape<typeof ListTopicSubscriptionsResponseSchema>['subscriptions'];
  bindings?: string[];
  onTopic?: (req: TopicEventRequest) => TopicStatus;
}

function unary<I extends DescMessage, O extends DescMessage>(method: string, input: I, output: O, service = 'AppCallback') {
  return {
    path: `/dapr.proto.runtime.v1.${service}/${method}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: (m: MessageShape<O>) => Buffer.from(toBinary(output, m)),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
  };
}

const SERVICE = {
  ListTopicSubscriptions: unary('ListTopicSubscriptions', EmptySchema, ListTopicSubscriptionsResponseSchema),
  ListInputBindings: unary('ListInputBindings', EmptySchema, ListInputBindingsResponseSchema),
  OnTopicEvent: unary('OnTopicEvent', TopicEventRequestSchema, TopicEventResponseSchema),
  OnBindingEvent: unary('OnBindingEvent', BindingEventRequestSchema, BindingEventResponseSchema),
  HealthCheck: unary('HealthCheck', EmptySchema, HealthCheckResponseSchema, 'AppCallbackHealthCheck'),
};

/** A gRPC app serving AppCallback on `port` that records every event it gets. */
async function startGrpcApp(cb: Callbacks, port?: number): Promise<{ port: number; topics: TopicEventRequest[]; bindings: BindingEventRequest[]; close: () => void }> {
  const topics: TopicEventRequest[] = [];
  const bindings: BindingEventRequest[] = [];
  const server = new grpc.Server();
  type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, done: grpc.sendUnaryData<Res>) => void;
  const impl: Record<keyof typeof SERVICE, Handler<never, unknown>> = {
    ListTopicSubscriptions: (_call, done) => done(null, create(ListTopicSubscriptionsResponseSchema, { subscriptions: cb.subscriptions ?? [] })),
    ListInputBindings: (_call, done) => done(null, create(ListInputBindingsResponseSchema, { bindings: cb.bindings ?? [] })),
    OnTopicEvent: ((call: grpc.ServerUnaryCall<TopicEventRequest, unknown>, done: grpc.sendUnaryData<unknown>) => {
      topics.push(call.request);
      done(null, create(TopicEventResponseSchema, { status: cb.onTopic?.(call.request) ?? TopicStatus.SUCCESS }));
    }) as Handler<never, unknown>,
    HealthCheck: ((_call: grpc.ServerUnaryCall<unknown, unknown>, done: grpc.sendUnaryData<unknown>) => {
      if (cb.healthy && !cb.healthy()) done({ code: grpc.status.UNAVAILABLE, details: 'not yet' } as grpc.ServiceError, null);
      else done(null, create(HealthCheckResponseSchema, {}));
    }) as Handler<never, unknown>,
    OnBindingEvent: ((call: grpc.ServerUnaryCall<BindingEventRequest, unknown>, done: grpc.sendUnaryData<unknown>) => {
      bindings.push(call.request);
      done(null, create(BindingEventResponseSchema, {}));
    }) as Handler<never, unknown>,
  };
  server.addService(SERVICE as unknown as grpc.ServiceDefinition, impl as unknown as grpc.UntypedServiceImplementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port: bound, topics, bindings, close: () => server.forceShutdown() };
}

const data = (r: TopicEventRequest) => JSON.parse(Buffer.from(r.data).toString('utf8')) as unknown;

describeSidecars((kind) => {
  describe('the gRPC app channel', () => {
    it('routes topic events by the rules the app lists, and sends DROP to the dead-letter topic', async () => {
      const app = await startGrpcApp({
        subscriptions: [
          { pubsubName: 'bus', topic: 'orders', routes: { rules: [{ match: 'event.type == "big"', path: 'big-orders' }], default: 'all-orders' }, deadLetterTopic: 'dead' },
          { pubsubName: 'bus', topic: 'dead', routes: { default: 'dead-letters' } },
        ],
        onTopic: (r) => ((data(r) as { drop?: boolean }).drop ? TopicStatus.DROP : TopicStatus.SUCCESS),
      });
      const sidecar = await startSidecar({ kind, appId: 'grpc-app', appPort: app.port, args: ['--app-protocol', 'grpc'], resources: { 'c.yaml': component('bus', 'pubsub.in-memory') } });
      try {
        await sidecar.ready;
        expect((await api(sidecar, 'POST', '/v1.0/publish/bus/orders', { id: 1 })).status).toBe(204);
        expect((await api(sidecar, 'POST', '/v1.0/publish/bus/orders', { specversion: '1.0', id: 'b', source: 's', type: 'big', datacontenttype: 'application/json', data: { id: 2 } }, { 'content-type': 'application/cloudevents+json' })).status).toBe(204);
        expect((await api(sidecar, 'POST', '/v1.0/publish/bus/orders', { id: 3, drop: true })).status).toBe(204);
        await waitUntil(() => app.topics.length === 4, 5000, 'three events and one dead letter', () => `received: ${app.topics.map((t) => `${t.topic} ${t.path} ${Buffer.from(t.data).toString()}`).join('; ')}\n${sidecar.logText()}`);
        const [first, big, dropped, dead] = app.topics;
        expect(first).toMatchObject({ topic: 'orders', pubsubName: 'bus', path: 'all-orders', type: 'com.dapr.event.sent', source: 'grpc-app', dataContentType: 'application/json' });
        expect(data(first!)).toEqual({ id: 1 });
        expect(big).toMatchObject({ path: 'big-orders', type: 'big', id: 'b' });
        expect(data(big!)).toEqual({ id: 2 });
        expect(data(dropped!)).toEqual({ id: 3, drop: true });
        expect(dead).toMatchObject({ topic: 'dead', path: 'dead-letters' });
        expect(data(dead!)).toEqual({ id: 3, drop: true });
        // Extensions travel as such (the topic and pubsub name have fields of their own).
        expect(first!.extensions).toMatchObject({ traceid: expect.any(String) });
      } finally {
        app.close();
      }
    });

    it('starts only the input bindings the app lists, and delivers their events', async () => {
      const app = await startGrpcApp({ bindings: ['ticks'] });
      const sidecar = await startSidecar({ kind,
        appId: 'grpc-bindings',
        appPort: app.port,
        args: ['--app-protocol', 'grpc'],
        resources: { 'ticks.yaml': component('ticks', 'bindings.cron', { schedule: '@every 1s' }), 'other.yaml': component('other', 'bindings.cron', { schedule: '@every 1s' }) },
      });
      try {
        await sidecar.ready;
        await waitUntil(() => app.bindings.length >= 2, 10_000, 'two ticks', sidecar.logText);
        expect(new Set(app.bindings.map((b) => b.name))).toEqual(new Set(['ticks']));
      } finally {
        app.close();
      }
    });

    it('probes app health over gRPC (--enable-app-health-check) and starts the bindings once the app is healthy', async () => {
      let healthy = false;
      const app = await startGrpcApp({ bindings: ['ticks'], healthy: () => healthy });
      const sidecar = await startSidecar({ kind,
        appId: 'grpc-health',
        appPort: app.port,
        args: ['--app-protocol', 'grpc', '--enable-app-health-check', '--app-health-probe-interval', '1', '--app-health-threshold', '1'],
        resources: { 'ticks.yaml': component('ticks', 'bindings.cron', { schedule: '@every 1s' }) },
      });
      try {
        await new Promise((r) => setTimeout(r, 1500));
        expect(app.bindings).toEqual([]);
        healthy = true;
        await sidecar.ready;
        await waitUntil(() => app.bindings.length >= 1, 10_000, 'a tick once the app is healthy', sidecar.logText);
      } finally {
        app.close();
      }
    });

    // daprd asks once (the race `--dapr daprd` avoids by starting it after the app answers): ours only.
    it.skipIf(kind === 'daprd')('asks an app whose port opened before it serves again until it answers', async () => {
      // A port that accepts and hangs up, as a listener opened before the gRPC server serves.
      const port = await freePort();
      const early = net.createServer((socket) => socket.destroy());
      await new Promise<void>((r) => early.listen(port, '127.0.0.1', r));
      const sidecar = await startSidecar({ kind, appId: 'late-app', appPort: port, args: ['--app-protocol', 'grpc'], resources: { 'ticks.yaml': component('ticks', 'bindings.cron', { schedule: '@every 1s' }) } });
      let app: Awaited<ReturnType<typeof startGrpcApp>> | undefined;
      try {
        await waitUntil(() => sidecar.logText().includes('has not answered ListTopicSubscriptions yet'), 10_000, 'the sidecar asking again', sidecar.logText);
        await new Promise<void>((r) => early.close(() => r()));
        app = await startGrpcApp({ bindings: ['ticks'] }, port);
        await sidecar.ready;
        await waitUntil(() => app!.bindings.length >= 1, 10_000, 'a tick once the app serves', sidecar.logText);
      } finally {
        early.close();
        app?.close();
      }
    });
  });
});
