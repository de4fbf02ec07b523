import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

/** Where output bindings deliver: records every request it gets. */
async function sinkServer(): Promise<{ port: number; received: { path: string; body: unknown }[]; close: () => Promise<void> }> {
  const received: { path: string; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // text body
      }
      received.push({ path: req.url ?? '', body: parsed });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  // All interfaces: containers reach it through the bridge as host.docker.internal.
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { port: (server.address() as AddressInfo).port, received, close: () => new Promise((r) => server.close(() => r())) };
}

describe.each(runtimes)('functions with a Dapr sidecar (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: Awaited<ReturnType<typeof sinkServer>>;
  const entries: JournalEntry[] = [];

  beforeAll(async () => {
    sink = await sinkServer();
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/dapr'));
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const manifest = path.join(dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`));
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
  });

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
    await sink?.close();
  });

  it('runs an async function on its cron input, and its ctx.send reaches the output binding', async () => {
    expect(daemon.status().functions.find((f) => f.name === 'ticker')).toMatchObject({ runtime: 'async', replicas: 1 });
    await waitFor(() => sink.received.filter((r) => r.path === '/from-ticker').length >= 2, 30_000, 'two cron ticks forwarded');
    expect(sink.received.find((r) => r.path === '/from-ticker')!.body).toEqual({ from: 'ticker', tick: true });
  });

  it('does not route async functions through the gateway (as on a cluster)', async () => {
    expect((await request(`http://127.0.0.1:${daemon.gatewayPort}/default/ticker`)).status).toBe(404);
  });

  it('lets a sync function send to its output and still answer', async () => {
    const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"order":42}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ forwarded: { order: 42 }, outputs: 1 });
    await waitFor(() => sink.received.some((r) => r.path === '/from-forwarder'), 10_000, 'the forwarded order');
    expect(sink.received.find((r) => r.path === '/from-forwarder')!.body).toEqual({ order: 42 });
  });

  it('keeps the same sidecar across a code reload', async () => {
    const sidecarId = () => entries.filter((e) => e.type === 'instance.log' && e.fn === 'default/forwarder' && e.instance.endsWith('/daprd')).at(-1);
    const before = daemon.pool('default', 'forwarder')!.instances[0]!.instance.id;
    const docker = runtime === 'docker' ? new Docker() : undefined;
    const sidecarStartedAt = docker ? (await docker.getContainer(`${before}-daprd`).inspect()).State.StartedAt : undefined;
    const from = entries.length;
    const file = path.join(dir, 'src', 'index.js');
    await writeFile(file, (await readFile(file, 'utf8')).replace('forwarded: data', 'forwardedAgain: data'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 30_000, 'reload');
    expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')?.type).toBe('reload.finished');
    const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":43}' });
    expect(JSON.parse(res.body)).toEqual({ forwardedAgain: { order: 43 }, outputs: 1 });
    expect(daemon.pool('default', 'forwarder')!.instances[0]!.instance.id).toBe(before);
    if (docker) expect((await docker.getContainer(`${before}-daprd`).inspect()).State.StartedAt).toBe(sidecarStartedAt);
    const last = sidecarId();
    expect(last?.type === 'instance.log' && last.instance).toBe(`${before}/daprd`);
  });

  it('restarts a function when a standalone Component it uses changes', async () => {
    // The ticker's sink moves to a standalone Component (same name), then that Component's URL changes.
    const file = path.join(dir, 'functions.yaml');
    const text = await readFile(file, 'utf8');
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const component = (suffix: string) => `---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: shared-sink }
spec:
  type: bindings.http
  version: v1
  metadata:
    - { name: url, value: "http://${host}:${sink.port}/${suffix}" }
`;
    const usesShared = text.replace('- dapr: { name: sink, type: bindings.http, operation: post }\n    bindings:\n      cron:', '- dapr: { name: shared-sink, type: bindings.http, operation: post }\n    bindings:\n      cron:');
    await writeFile(file, usesShared + component('shared-one'));
    await waitFor(() => sink.received.some((r) => r.path === '/shared-one'), 60_000, 'ticks through the standalone Component');
    await writeFile(file, usesShared + component('shared-two'));
    await waitFor(() => sink.received.some((r) => r.path === '/shared-two'), 60_000, 'ticks through the changed Component');
  });

  it("invokes another app id of the project through a sidecar's API (Dapr service invocation), waking it", async () => {
    await daemon.pool('default', 'forwarder')!.scaleToZero();
    const ticker = daemon.pool('default', 'ticker')!.instances[0]!.instance;
    const { host, port, controlToken } = ticker.dapr!;
    // As the ticker's code would call http://127.0.0.1:3500/v1.0/invoke/forwarder-default/method/...
    const res = await fetch(`http://${host}:${port}/v1.0/invoke/forwarder-default/method/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ofn-local-control-token': controlToken },
      body: '{"order":44}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outputs: 1 });
    const unknown = await fetch(`http://${host}:${port}/v1.0/invoke/nobody-default/method/x`, { headers: { 'ofn-local-control-token': controlToken } });
    expect(unknown.status).toBe(500);
    expect(((await unknown.json()) as { errorCode: string }).errorCode).toBe('ERR_DIRECT_INVOKE');
  });

  it('publishes to a topic through the sidecar that has the pubsub, and the subscriber gets the data', async () => {
    const out = await daemon.publish('default', 'orders', 'new-orders', Buffer.from('{"id":7}'), 'application/json');
    expect(out.status).toBe(204);
    await waitFor(() => sink.received.some((r) => r.path === '/from-subscriber'), 20_000, 'the relayed order');
    expect(sink.received.find((r) => r.path === '/from-subscriber')!.body).toEqual({ relayed: { id: 7 } });
    await expect(daemon.publish('default', 'nope', 't', Buffer.from('{}'), 'application/json')).rejects.toThrow(/no function in namespace default has a pubsub component named nope/);
  });
});

describe('hot reload of an async function', () => {
  it('keeps deliveries flowing through reloads: none fails, and the new code takes over', async () => {
    const sink = await sinkServer();
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const manifest = path.join(dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://127.0.0.1:${sink.port}`));
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    const code = path.join(dir, 'src', 'index.js');
    const original = await readFile(code, 'utf8');
    try {
      await waitFor(() => sink.received.some((r) => r.path === '/from-ticker'), 20_000, 'the first tick');
      for (let i = 1; i <= 3; i++) {
        const from = entries.length;
        await writeFile(code, original.replace('tick: true', `tick: ${i}`));
        await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 30_000, `reload ${i}`);
        await waitFor(() => sink.received.some((r) => (r.body as { tick?: unknown }).tick === i), 20_000, `a tick from version ${i}`);
      }
      // The sidecar never saw the app refuse or fail a delivery while it swapped code.
      const sidecarTrouble = entries.filter((e) => e.type === 'instance.log' && e.fn === 'default/ticker' && e.instance.endsWith('/daprd') && /level=(error|warning)/.test(e.line));
      expect(sidecarTrouble.map((e) => (e.type === 'instance.log' ? e.line : ''))).toEqual([]);
    } finally {
      await daemon.stop();
      await cleanup();
      await sink.close();
    }
  });
});

describe('an async function that fails to start', () => {
  it('is started again once a good save fixes it (minReplicas holds)', async () => {
    const sink = await sinkServer();
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const manifest = path.join(dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://127.0.0.1:${sink.port}`));
    const code = path.join(dir, 'src', 'index.js');
    const good = await readFile(code, 'utf8');
    await writeFile(code, good.replace('exports.tick =', 'exports.notTick ='));
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 20_000, runtime: 'process', zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    try {
      await waitFor(() => entries.some((e) => e.type === 'instance.failed' && e.fn === 'default/ticker'), 30_000, 'the failed start');
      await writeFile(code, good);
      await waitFor(() => sink.received.some((r) => r.path === '/from-ticker'), 40_000, 'ticks after the fix');
    } finally {
      await daemon.stop();
      await cleanup();
      await sink.close();
    }
  });
});
