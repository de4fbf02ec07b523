/**
 * The sidecar's Dapr gRPC API (--dapr-grpc-port) against the official @dapr/dapr 3.x client in
 * gRPC mode, and a plain Connect gRPC client (from the same SDK's dependencies) for what the
 * SDK does not expose (status codes, details, headers, raw methods). The sidecar runs in-process
 * with in-memory state and pubsub, an HTTP output binding to a real HTTP server, env and file
 * secret stores, and a recording app behind its app channel.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { CommunicationProtocolEnum, DaprClient, HttpMethod, LogLevel, StateConcurrencyEnum } from '@dapr/dapr';
import { HTTPExtension_Verb, InvokeRequestSchema, StateItemSchema } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb.js';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitForPort } from '../../helpers/brokers.js';
import type { CapturedOutput } from '../../../src/sidecar/capture.js';
import { SidecarError } from '../../../src/sidecar/errors.js';
import { runSidecar, type RunningSidecar } from '../../../src/sidecar/main.js';
import { api, cleanup, component, freePort, resourcesDir, startApp, startSidecar, waitUntil, type TestApp, type TestSidecar } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

const quiet = { level: LogLevel.Error };

let sidecar: TestSidecar;
let grpcPort: number;
const captured: CapturedOutput[] = [];
let app: TestApp;
let target: TestApp;
let client: DaprClient;
let raw: Client<typeof Dapr>;
let secretsDir: string;

function connectClient(port: number, headers: Record<string, string> = {}): Client<typeof Dapr> {
  return createClient(
    Dapr,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      interceptors: [
        (next) => async (req) => {
          for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
          return next(req);
        },
      ],
    }),
  );
}

/** The ConnectError a call fails with (fails the test when it succeeds). */
async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error('expected the call to fail');
}

/** Text of the ErrorInfo details a status carries (reason, domain and metadata bytes). */
function detailsText(err: ConnectError): string {
  return err.details.map((d) => ('type' in d ? `${d.type}:${Buffer.from(d.value).toString('latin1')}` : '')).join('|');
}

describeSidecars((kind) => {
  beforeAll(async () => {
    secretsDir = await mkdtemp(path.join(os.tmpdir(), 'ofn-grpc-secrets-'));
    await writeFile(path.join(secretsDir, 'secrets.json'), JSON.stringify({ db: { password: 'pw' }, plain: 'value' }));
    target = await startApp((req) => ({ status: 200, body: JSON.stringify({ received: req.body, path: req.path }) }));
    app = await startApp((req) => {
      if (req.path === '/dapr/subscribe') return { body: JSON.stringify([{ pubsubname: 'pubsub', topic: 'orders', route: '/orders' }]) };
      if (req.path.startsWith('/hello')) return { body: JSON.stringify({ got: req.body ? (JSON.parse(req.body) as unknown) : null, method: req.method, url: req.path }) };
      if (req.path.startsWith('/teapot')) return { status: 404, body: 'no such teapot here' };
      return { body: '' };
    });
    grpcPort = await freePort();
    const resources = {
      'components.yaml': [
        component('statestore', 'state.in-memory'),
        component('pubsub', 'pubsub.in-memory'),
        component('http-out', 'bindings.http', { url: `http://127.0.0.1:${target.port}` }),
        component('envsecrets', 'secretstores.local.env'),
        component('filesecrets', 'secretstores.local.file', { secretsFile: path.join(secretsDir, 'secrets.json') }),
      ].join('---\n'),
    };
    sidecar = await startSidecar({
      kind,
      appId: 'grpc-app',
      appPort: app.port,
      args: ['--dapr-grpc-port', String(grpcPort), '--dapr-listen-addresses', '127.0.0.1'],
      resources,
      env: { ...process.env, GRPC_TEST_SECRET: 's3cret' },
      capture: (o) => captured.push(o),
    });
    await sidecar.ready;
    client = new DaprClient({ daprHost: '127.0.0.1', daprPort: String(grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
    raw = connectClient(grpcPort);
  }, 60_000);

  afterAll(async () => {
    await client?.stop().catch(() => {});
    await sidecar?.stop().catch(() => {});
    await cleanup();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  describe('the gRPC API with @dapr/dapr in gRPC mode', () => {
    it('answers metadata and keeps values set through SetMetadata (seen over HTTP too)', async () => {
      const md = await client.metadata.get();
      expect(md.id).toBe('grpc-app');
      expect(md.components.find((c) => c.name === 'statestore')?.capabilities).toEqual(expect.arrayContaining(['ETAG', 'TRANSACTIONAL', 'ACTOR']));
      expect(md.components.map((c) => c.name).sort()).toEqual(['envsecrets', 'filesecrets', 'http-out', 'pubsub', 'statestore']);
      expect(await client.metadata.set('color', 'blue')).toBe(true);
      expect((await client.metadata.get()).extended.color).toBe('blue');
      expect(((await api(sidecar, 'GET', '/v1.0/metadata')).json() as { extended: Record<string, string> }).extended.color).toBe('blue');
      const full = await raw.getMetadata({});
      expect(full.subscriptions.map((s) => `${s.pubsubName}/${s.topic}`)).toEqual(['pubsub/orders']);
      expect(full.appConnectionProperties).toMatchObject({ port: app.port, protocol: 'http', channelAddress: '127.0.0.1' });
    });

    it('saves, reads, bulk-reads and deletes state with ETags; a wrong ETag is ABORTED', async () => {
      await client.state.save('statestore', [{ key: 'order', value: { n: 1 } }, { key: 'note', value: 'hi' }]);
      expect(await client.state.get('statestore', 'order')).toEqual({ n: 1 });
      // The same store and key prefix as the HTTP API.
      expect((await api(sidecar, 'GET', '/v1.0/state/statestore/order')).json()).toEqual({ n: 1 });

      const bulk = await client.state.getBulk('statestore', ['order', 'note', 'absent']);
      expect(bulk.map((b) => [b.key, b.data])).toEqual([['order', { n: 1 }], ['note', 'hi'], ['absent', '']]);
      const etag = bulk[0]!.etag as string;
      expect(etag).toBeTruthy();

      const wrongSave = await failure(client.state.save('statestore', [{ key: 'order', value: { n: 2 }, etag: 'not-the-etag' }]));
      expect(wrongSave.code).toBe(Code.Aborted);
      expect(wrongSave.rawMessage).toMatch(/failed saving state in state store statestore/);
      // ofn-local adds daprd's HTTP error code as ErrorInfo; daprd 1.14's gRPC API sends no details here.
      if (kind === 'embedded') expect(detailsText(wrongSave)).toContain('ERR_STATE_SAVE');

      const firstWrite = await failure(client.state.save('statestore', [{ key: 'order', value: { n: 2 }, options: { concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE } } as never]));
      expect(firstWrite.code).toBe(Code.Aborted);

      await client.state.save('statestore', [{ key: 'order', value: { n: 2 }, etag }]);
      expect(await client.state.get('statestore', 'order')).toEqual({ n: 2 });
      const newEtag = (await raw.getState({ storeName: 'statestore', key: 'order' })).etag;
      expect(newEtag).not.toBe(etag);

      const wrongDelete = await failure(client.state.delete('statestore', 'order', { etag }));
      expect(wrongDelete.code).toBe(Code.Aborted);
      expect(await client.state.get('statestore', 'order')).toEqual({ n: 2 });
      await client.state.delete('statestore', 'order', { etag: newEtag });
      expect(await client.state.get('statestore', 'order')).toBe('');
      expect((await raw.getState({ storeName: 'statestore', key: 'order' })).etag).toBe('');
    });

    it('stores a value declared JSON as the store re-encodes JSON, and other values as their bytes', async () => {
      await raw.saveState({
        storeName: 'statestore',
        states: [
          create(StateItemSchema, { key: 'declared', value: Buffer.from('{ "b": 2, "a": 1 }'), metadata: { contentType: 'application/json' } }),
          create(StateItemSchema, { key: 'bytes', value: Buffer.from('{ "b": 2, "a": 1 }') }),
        ],
      });
      expect(Buffer.from((await raw.getState({ storeName: 'statestore', key: 'declared' })).data).toString()).toBe('{"a":1,"b":2}');
      expect(Buffer.from((await raw.getState({ storeName: 'statestore', key: 'bytes' })).data).toString()).toBe('{ "b": 2, "a": 1 }');
      const empty = await failure(raw.saveState({ storeName: 'statestore', states: [create(StateItemSchema, { key: '', value: Buffer.from('1') })] }));
      expect(empty.code).toBe(Code.InvalidArgument);
    });

    it('deletes in bulk, stopping at an ETag conflict (ABORTED)', async () => {
      await client.state.save('statestore', [{ key: 'b1', value: 1 }, { key: 'b2', value: 2 }, { key: 'b3', value: 3 }]);
      await raw.deleteBulkState({ storeName: 'statestore', states: [create(StateItemSchema, { key: 'b1' }), create(StateItemSchema, { key: 'b2' })] });
      expect((await client.state.getBulk('statestore', ['b1', 'b2', 'b3'])).map((b) => b.data)).toEqual(['', '', 3]);
      const conflict = await failure(raw.deleteBulkState({ storeName: 'statestore', states: [create(StateItemSchema, { key: 'b3', etag: { value: 'stale' } })] }));
      expect(conflict.code).toBe(Code.Aborted);
      expect(conflict.rawMessage).toMatch(/failed deleting state in state store statestore/);
      expect(await client.state.get('statestore', 'b3')).toBe(3);
    });

    it('runs transactions all or nothing; an unknown operation is UNIMPLEMENTED, a conflict INTERNAL', async () => {
      await client.state.save('statestore', [{ key: 'tx-old', value: 'old' }]);
      await client.state.transaction('statestore', [
        { operation: 'upsert', request: { key: 'tx-new', value: 'new' } },
        { operation: 'delete', request: { key: 'tx-old' } },
      ]);
      expect(await client.state.get('statestore', 'tx-new')).toBe('new');
      expect(await client.state.get('statestore', 'tx-old')).toBe('');

      const merge = await failure(client.state.transaction('statestore', [{ operation: 'merge' as never, request: { key: 'x', value: '1' } }]));
      expect(merge.code).toBe(Code.Unimplemented);
      expect(merge.rawMessage).toBe('operation type merge not supported');

      const conflict = await failure(
        client.state.transaction('statestore', [
          { operation: 'upsert', request: { key: 'tx-a', value: 'a' } },
          { operation: 'upsert', request: { key: 'tx-new', value: 'b', etag: { value: 'stale' } } },
        ]),
      );
      expect(conflict.code).toBe(Code.Internal);
      expect(conflict.rawMessage).toMatch(/^error while executing state transaction/);
      expect(await client.state.get('statestore', 'tx-a')).toBe('');
    });

    it('answers daprd\'s codes for a store or pubsub that does not exist', async () => {
      const store = await failure(client.state.get('no-such-store', 'k'));
      expect(store.code).toBe(Code.InvalidArgument);
      expect(store.rawMessage).toBe('state store no-such-store is not found');
      expect(detailsText(store)).toContain('google.rpc.ErrorInfo');
      expect(detailsText(store)).toContain('DAPR_STATE_NOT_FOUND');
      expect(detailsText(store)).toContain('dapr.io');
      expect((await failure(client.state.save('no-such-store', [{ key: 'k', value: 1 }]))).code).toBe(Code.InvalidArgument);
      expect((await failure(raw.executeStateTransaction({ storeName: 'no-such-store', operations: [] }))).code).toBe(Code.InvalidArgument);

      const pub = await failure(raw.publishEvent({ pubsubName: 'no-such-pubsub', topic: 't', data: Buffer.from('x') }));
      expect(pub.code).toBe(Code.InvalidArgument);
      expect(detailsText(pub)).toContain('DAPR_PUBSUB_NOT_FOUND');
      expect((await failure(raw.publishEvent({ pubsubName: 'pubsub', topic: '' }))).code).toBe(Code.InvalidArgument);

      const secret = await failure(client.secret.get('no-such-secrets', 'x'));
      expect(secret.code).toBe(Code.InvalidArgument);
      expect(secret.rawMessage).toBe('failed finding secret store with key no-such-secrets');

      const binding = await failure(client.binding.send('no-such-binding', 'create', { a: 1 }));
      expect(binding.code).toBe(Code.Internal);
      expect(binding.rawMessage).toMatch(/^error invoking output binding no-such-binding/);
    });

    it('publishes in a CloudEvent the app receives, and captures it as the HTTP API does', async () => {
      const before = app.received('/orders').length;
      captured.length = 0;
      await client.pubsub.publish('pubsub', 'orders', { id: 7 });
      await waitUntil(() => app.received('/orders').length > before, 10_000, 'the delivery', sidecar.logText);
      const ce = JSON.parse(app.received('/orders').at(-1)!.body) as Record<string, unknown>;
      expect(ce).toMatchObject({ data: { id: 7 }, source: 'grpc-app', topic: 'orders', pubsubname: 'pubsub', datacontenttype: 'application/json', specversion: '1.0' });
      // What the app sends is recorded by ofn-local's sidecar only (the test API's output.sent).
      if (kind === 'embedded') expect(captured).toEqual([expect.objectContaining({ kind: 'topic', component: 'pubsub', target: 'orders', data: '{"id":7}', contentType: 'application/json' })]);
    });

    it('publishes in bulk; a repeated entry id fails the whole call before anything is sent', async () => {
      const before = app.received('/orders').length;
      const res = await client.pubsub.publishBulk('pubsub', 'orders', [{ bulk: 1 }, { bulk: 2 }]);
      expect(res.failedMessages).toEqual([]);
      await waitUntil(() => app.received('/orders').length >= before + 2, 10_000, 'two bulk deliveries', sidecar.logText);
      const datas = app
        .received('/orders')
        .slice(before)
        .map((r) => (JSON.parse(r.body) as { data: unknown }).data);
      expect(datas).toEqual(expect.arrayContaining([{ bulk: 1 }, { bulk: 2 }]));

      const dup = await failure(
        raw.bulkPublishEventAlpha1({
          pubsubName: 'pubsub',
          topic: 'orders',
          entries: [
            { entryId: '1', event: Buffer.from('"a"'), contentType: 'application/json', metadata: {} },
            { entryId: '1', event: Buffer.from('"b"'), contentType: 'application/json', metadata: {} },
          ],
        }),
      );
      expect(dup.code).toBe(Code.InvalidArgument);
      expect(detailsText(dup)).toContain('DAPR_PUBSUB_MARSHAL_EVENTS');
    });

    it('invokes an output binding (a real HTTP server), returns its answer and response metadata, and captures the call', async () => {
      captured.length = 0;
      const res = (await client.binding.send('http-out', 'post', { hello: 'world' }, { path: '/hook' })) as { data: Uint8Array; metadata: Record<string, string> };
      expect(target.received('/hook')).toHaveLength(1);
      expect(JSON.parse(target.received('/hook')[0]!.body)).toEqual({ hello: 'world' });
      expect(JSON.parse(Buffer.from(res.data).toString())).toEqual({ received: '{"hello":"world"}', path: '/hook' });
      expect(res.metadata.statusCode).toBe('200');
      if (kind === 'embedded') expect(captured).toEqual([
        expect.objectContaining({ kind: 'binding', component: 'http-out', target: 'post', data: '{"hello":"world"}', contentType: 'application/json', metadata: { path: '/hook' } }),
      ]);
      let headers: Headers | undefined;
      await raw.invokeBinding({ name: 'http-out', operation: 'get', metadata: { path: '/again' } }, { onHeader: (h) => (headers = h) });
      expect(headers?.get('metadata.statuscode')).toBe('200');

      const badOp = await failure(client.binding.send('http-out', 'explode', {}));
      expect(badOp.code).toBe(Code.Internal);
      expect(badOp.rawMessage).toMatch(/does not support operation explode/);
    });

    it('reads secrets from the env and file stores, one and in bulk', async () => {
      expect(await client.secret.get('envsecrets', 'GRPC_TEST_SECRET')).toEqual({ GRPC_TEST_SECRET: 's3cret' });
      expect(await client.secret.get('filesecrets', 'db:password')).toEqual({ 'db:password': 'pw' });
      const bulk = await client.secret.getBulk('filesecrets');
      expect(bulk).toEqual({ 'db:password': { 'db:password': 'pw' }, plain: { plain: 'value' } });
      const envBulk = (await client.secret.getBulk('envsecrets')) as Record<string, Record<string, string>>;
      expect(envBulk.GRPC_TEST_SECRET).toEqual({ GRPC_TEST_SECRET: 's3cret' });
    });

    it('invokes the app over its HTTP channel (verb, path, query string, headers), and maps an HTTP error status as daprd', async () => {
      const answer = (await client.invoker.invoke('grpc-app', 'hello', HttpMethod.POST, { x: 1 })) as { got: unknown; method: string };
      expect(answer).toMatchObject({ got: { x: 1 }, method: 'POST' });
      const req = app.received('/hello').at(-1)!;
      // daprd 1.14 sets these only when the call comes from another sidecar (not for its own app id).
      if (kind === 'embedded') expect(req.headers['dapr-caller-app-id']).toBe('grpc-app');
      if (kind === 'embedded') expect(req.headers['dapr-callee-app-id']).toBe('grpc-app');
      expect(req.headers['content-type']).toBe('application/json');

      let headers: Headers | undefined;
      const res = await raw.invokeService(
        { id: 'grpc-app', message: create(InvokeRequestSchema, { method: 'hello/there', httpExtension: { verb: HTTPExtension_Verb.GET, querystring: 'a=1&b=2' } }) },
        { onHeader: (h) => (headers = h) },
      );
      expect(JSON.parse(Buffer.from(res.data!.value).toString())).toMatchObject({ method: 'GET', url: '/hello/there?a=1&b=2' });
      expect(res.contentType).toBe('application/json');
      expect(headers?.get('dapr-http-status')).toBe('200');

      const notFound = await failure(raw.invokeService({ id: 'grpc-app', message: create(InvokeRequestSchema, { method: 'teapot', httpExtension: { verb: HTTPExtension_Verb.GET } }) }));
      expect(notFound.code).toBe(Code.NotFound);
      expect(notFound.rawMessage).toBe('Not Found');
      expect(detailsText(notFound)).toContain('no such teapot here');

      const unknown = await failure(raw.invokeService({ id: 'someone-else', message: create(InvokeRequestSchema, { method: 'x' }) }));
      expect(unknown.code).toBe(Code.Internal);
      expect(unknown.rawMessage).toMatch(/failed to invoke, id: someone-else/);
    });

    // daprd serves these (locks, actors, configuration): what ofn-local's sidecar does not serve is ours only.
    it.skipIf(kind === 'daprd')('answers UNIMPLEMENTED naming any method it does not serve', async () => {
      const lock = await failure(raw.tryLockAlpha1({ storeName: 'lock', resourceId: 'r', lockOwner: 'o', expiryInSeconds: 5 }));
      expect(lock.code).toBe(Code.Unimplemented);
      expect(lock.rawMessage).toMatch(/TryLockAlpha1/);
      const actor = await failure(raw.getActorState({ actorType: 't', actorId: 'i', key: 'k' }));
      expect(actor.code).toBe(Code.Unimplemented);
      expect(actor.rawMessage).toMatch(/GetActorState/);
      const stream = raw.subscribeConfiguration({ storeName: 'c', keys: [] });
      const streamErr = await failure((async () => {
        for await (const _ of stream) {
          // nothing arrives
        }
      })());
      expect(streamErr.code).toBe(Code.Unimplemented);
      expect(streamErr.rawMessage).toMatch(/SubscribeConfiguration/);
    });
  });

  describe('the gRPC API with DAPR_API_TOKEN', () => {
    let guarded: TestSidecar;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      guarded = await startSidecar({ kind, appId: 'guarded', args: ['--dapr-grpc-port', String(port)], resources: { 'c.yaml': component('statestore', 'state.in-memory') }, env: { ...process.env, DAPR_API_TOKEN: 'sekret' } });
    });
    afterAll(async () => {
      await guarded?.stop().catch(() => {});
    });

    it('refuses a call without the token or with a wrong one (UNAUTHENTICATED), and serves one with it', async () => {
      const missing = await failure(connectClient(port).getMetadata({}));
      expect(missing.code).toBe(Code.Unauthenticated);
      expect(detailsText(missing)).toContain('missing api token in request metadata');
      const wrong = await failure(connectClient(port, { 'dapr-api-token': 'nope' }).getState({ storeName: 'statestore', key: 'k' }));
      expect(wrong.code).toBe(Code.Unauthenticated);
      expect(detailsText(wrong)).toContain('api token mismatch');
      // Also for methods it does not implement: the token is checked first.
      expect((await failure(connectClient(port).tryLockAlpha1({}))).code).toBe(Code.Unauthenticated);

      const sdk = new DaprClient({ daprHost: '127.0.0.1', daprPort: String(port), communicationProtocol: CommunicationProtocolEnum.GRPC, daprApiToken: 'sekret', logger: quiet });
      try {
        await sdk.state.save('statestore', [{ key: 'k', value: 'v' }]);
        expect(await sdk.state.get('statestore', 'k')).toBe('v');
        expect((await sdk.metadata.get()).id).toBe('guarded');
      } finally {
        await sdk.stop();
      }
    });

    it('shuts the sidecar down on Shutdown', async () => {
      await connectClient(port, { 'dapr-api-token': 'sekret' }).shutdown({});
      await guarded.closed;
      const after = await failure(connectClient(port, { 'dapr-api-token': 'sekret' }).getMetadata({}));
      expect(after.code).toBe(Code.Unavailable);
    });
  });
});

describe('starting the gRPC API', () => {
  it('fails start-up naming --dapr-grpc-port when the port is taken, as for the HTTP port', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const err = await runSidecar(['--app-id', 'x', '--dapr-http-port', '0', '--dapr-grpc-port', String(port), '--dapr-listen-addresses', '127.0.0.1'], { log: () => {} }).then(
        (s) => s.stop().then(() => undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SidecarError);
      expect((err as SidecarError).message).toBe(`port ${port} (--dapr-grpc-port) is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('is served by the bundled sidecar (dist/sidecar/ofn-sidecar.cjs) from a folder without node_modules', async () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    await promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'bundle-sidecar.mjs')], { cwd: root });
    const isolated = await mkdtemp(path.join(os.tmpdir(), 'ofn-grpc-bundle-'));
    try {
      await copyFile(path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs'), path.join(isolated, 'ofn-sidecar.cjs'));
      const resources = await resourcesDir({ 'c.yaml': component('statestore', 'state.in-memory') });
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(isolated, 'ofn-sidecar.cjs'), '--app-id', 'bundled', '--dapr-http-port', '0', '--dapr-grpc-port', String(port), '--dapr-listen-addresses', '127.0.0.1', '--resources-path', resources], {
        cwd: isolated,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await waitForPort(port, 15_000);
        const sdk = new DaprClient({ daprHost: '127.0.0.1', daprPort: String(port), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
        await sdk.state.save('statestore', [{ key: 'k', value: { from: 'bundle' } }]);
        expect(await sdk.state.get('statestore', 'k')).toEqual({ from: 'bundle' });
        expect((await sdk.metadata.get()).id).toBe('bundled');
        expect((await failure(sdk.state.get('nope', 'k'))).code).toBe(Code.InvalidArgument);
        expect(out).toContain(`gRPC API listening on port ${port}`);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    } finally {
      await rm(isolated, { recursive: true, force: true });
    }
  }, 120_000);
});
