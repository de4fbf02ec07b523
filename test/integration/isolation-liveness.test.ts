import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';
import { killSidecar } from '../helpers/kill.js';
import { fieldOf, sinkServer } from '../helpers/sink.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3000);
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** An address of this machine that is not loopback: what a neighbour on the LAN would connect to. */
function outsideAddress(): string {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!found) throw new Error('this machine has no non-loopback IPv4 address to test from');
  return found.address;
}

/** Runs `node -e script` in a container and returns what it printed. */
async function nodeIn(docker: Docker, container: string, script: string, env: string[] = []): Promise<string> {
  const exec = await docker.getContainer(container).exec({ Cmd: ['node', '-e', script], AttachStdout: true, AttachStderr: true, Env: env });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  docker.modem.demuxStream(stream, out, out);
  await new Promise((r) => stream.on('end', r));
  return text.trim();
}

/** A script that fetches a URL and prints the status, or the error code when the connection fails. */
const fetchScript = (url: string, headers: Record<string, string> = {}) =>
  `fetch(${JSON.stringify(url)}, { headers: ${JSON.stringify(headers)} }).then((r) => console.log(r.status), (e) => console.log(e.cause?.code ?? e.message))`;

describe.each(runtimes)('isolation and liveness of sidecars (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: Awaited<ReturnType<typeof sinkServer>>;
  const entries: JournalEntry[] = [];
  const docker = runtime === 'docker' ? new Docker() : undefined;
  const forwarder = () => daemon.pool('default', 'forwarder')!.instances.find((s) => !s.retiring)!.instance;
  const post = (body: unknown) =>
    request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    sink = await sinkServer();
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/dapr'));
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const manifest = path.join(dir, 'functions.yaml');
    let text = (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`);
    // The forwarder's pod asks for limits, as a cluster's pod template would.
    text = text.replace(
      /(name: forwarder[\s\S]*?serving:\n)/,
      '$1    annotations:\n      dapr.io/sidecar-memory-limit: 200Mi\n    template:\n      containers:\n        - name: function\n          resources: { limits: { memory: 300Mi, cpu: 500m } }\n',
    );
    await writeFile(manifest, text);
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
    expect((await post({ warm: true })).status).toBe(200);
  });

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
    await sink?.close();
  });

  it('serves the sidecar API on its pod loopback only: other functions reach its health port and nothing else', async () => {
    const instance = forwarder();
    if (docker) {
      expect(await connects(instance.address.host, 3500)).toBe(false);
      // From another function's container, by the in-cluster name, as the attack was made.
      const ticker = daemon.pool('default', 'ticker')!.instances[0]!.instance.id;
      expect(await nodeIn(docker, ticker, fetchScript('http://forwarder.default:3500/v1.0/metadata'))).toBe('ECONNREFUSED');
      expect(await nodeIn(docker, ticker, fetchScript('http://forwarder.default:3501/v1.0/metadata'))).toBe('404');
      expect(await nodeIn(docker, ticker, fetchScript('http://forwarder.default:3501/v1.0/healthz'))).toBe('204');
      // Inside its own pod the function still finds it where daprd would be.
      expect(await nodeIn(docker, instance.id, fetchScript('http://127.0.0.1:3500/v1.0/healthz'))).toBe('204');
    } else {
      const outside = outsideAddress();
      const apiPort = Number(
        entries
          .filter((e) => e.type === 'instance.log' && e.instance === `${instance.id}/daprd`)
          .map((e) => (e.type === 'instance.log' ? /HTTP API listening on port (\d+)/.exec(e.line)?.[1] : undefined))
          .find(Boolean),
      );
      expect(apiPort).toBeGreaterThan(0);
      for (const port of [instance.address.port, apiPort, instance.dapr!.port]) {
        expect(await connects('127.0.0.1', port)).toBe(true);
        expect(await connects(outside, port)).toBe(false);
      }
    }
    // The daemon itself gets in with its control token (ofn-local publish), nobody else does.
    const dapr = instance.dapr!;
    expect((await fetch(`http://${dapr.host}:${dapr.port}/v1.0/metadata`)).status).toBe(404);
    expect((await fetch(`http://${dapr.host}:${dapr.port}/v1.0/metadata`, { headers: { 'ofn-local-control-token': 'guess' } })).status).toBe(401);
    expect((await fetch(`http://${dapr.host}:${dapr.port}/v1.0/metadata`, { headers: { 'ofn-local-control-token': dapr.controlToken } })).status).toBe(200);
  });

  // Docker only: the process runtime has no limits (docs/dapr.md says so), so no test of it is skipped there.
  if (runtime === 'docker') it("runs function and sidecar as a non-root user, with the pod template's limits and a process limit", async () => {
    const instance = forwarder();
    const fn = await docker!.getContainer(instance.id).inspect();
    const sidecar = await docker!.getContainer(`${instance.id}-daprd`).inspect();
    expect(fn.Config.User).toBe('1000:1000');
    expect(sidecar.Config.User).toBe('1000:1000');
    expect(await nodeIn(docker!, instance.id, 'console.log(process.getuid())')).toBe('1000');
    expect(fn.HostConfig).toMatchObject({ Memory: 300 * 2 ** 20, NanoCpus: 5e8, PidsLimit: 1024 });
    expect(sidecar.HostConfig).toMatchObject({ Memory: 200 * 2 ** 20, PidsLimit: 1024 });
  });

  it('restarts a killed sidecar, keeps the instance out of rotation meanwhile, and loses no output', async () => {
    const instance = forwarder();
    const from = entries.length;
    const answered: number[] = [];
    const failed: string[] = [];
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = next++;
        try {
          const res = await post({ id });
          if (res.status === 200) answered.push(id);
          else failed.push(`${id}: ${res.status} ${res.body}`);
        } catch (err) {
          failed.push(`${id}: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));
    try {
      await waitFor(() => answered.length >= 40, 60_000, '40 answers before the kill');
      await killSidecar(runtime, dir, 'forwarder');
      await waitFor(() => entries.slice(from).some((e) => e.type === 'instance.failed' && e.part === 'sidecar' && e.instance === instance.id), 30_000, 'the dead sidecar noticed');
      await waitFor(() => entries.slice(from).some((e) => e.type === 'instance.ready' && e.instance === instance.id), 60_000, 'the sidecar back');
      const after = answered.length;
      await waitFor(() => answered.length >= after + 40, 60_000, '40 answers after the restart');
    } finally {
      stop = true;
      await load;
    }
    expect(failed).toEqual([]);
    // Every request the function answered had its output delivered, including those sent while the sidecar was down.
    const missing = () => {
      const delivered = new Set<unknown>(fieldOf(sink, 'id'));
      return answered.filter((id) => !delivered.has(id));
    };
    await waitFor(() => missing().length === 0, 30_000, 'every answered output at the sink').catch(() => undefined);
    expect(missing()).toEqual([]);
    expect(daemon.status().functions.find((f) => f.name === 'forwarder')?.state).toBe('ready');
    // The same instance serves on: the function was not restarted.
    expect(forwarder().id).toBe(instance.id);
  });

  it('shows an output the sidecar refused in the logs', async () => {
    const manifest = path.join(dir, 'functions.yaml');
    const text = await readFile(manifest, 'utf8');
    // The forwarder's output loses its operation: the sidecar answers 500 to every send.
    const broken = text.replace(/(name: forwarder[\s\S]*?outputs:\n\s+- dapr: \{ name: sink, type: bindings\.http), operation: post \}/, '$1 }');
    expect(broken).not.toBe(text);
    const from = entries.length;
    await writeFile(manifest, broken);
    // The new version serves once the reload has finished: its instance is ready before the pool is swapped in.
    await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' && e.fn === 'default/forwarder'), 60_000, 'the forwarder reloaded');
    expect((await post({ id: 'no-operation' })).status).toBe(200);
    await waitFor(
      () => entries.slice(from).some((e) => e.type === 'instance.log' && e.fn === 'default/forwarder' && /output sink \(binding sink\) failed: .*500/.test(e.line)),
      30_000,
      'the failed output in the logs',
    );
  });
});

describe.each(runtimes)("Dapr's API token (%s runtime)", (runtime) => {
  it('is set from dapr.io/api-token-secret for the sidecar and the function, and the API refuses calls without it', async () => {
    const sink = await sinkServer();
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const manifest = path.join(dir, 'functions.yaml');
    let text = (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`);
    text = text.replace(/(name: forwarder[\s\S]*?serving:\n)/, '$1    annotations:\n      dapr.io/api-token-secret: dapr-api-token\n');
    text += '---\napiVersion: v1\nkind: Secret\nmetadata: { name: dapr-api-token }\nstringData: { token: s3cret-token }\n';
    await writeFile(manifest, text);
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', onEvent: (e) => entries.push(e) });
    try {
      expect(daemon.failures()).toEqual([]);
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"with-token"}' });
      expect(JSON.parse(res.body)).toEqual({ forwarded: { id: 'with-token' }, outputs: 1 });
      await waitFor(() => fieldOf<string>(sink, 'id').includes('with-token'), 20_000, 'the output sent with the token');
      const instance = daemon.pool('default', 'forwarder')!.instances[0]!.instance;
      if (runtime === 'docker') {
        const docker = new Docker();
        expect(await nodeIn(docker, instance.id, fetchScript('http://127.0.0.1:3500/v1.0/metadata'))).toBe('401');
        expect(await nodeIn(docker, instance.id, fetchScript('http://127.0.0.1:3500/v1.0/metadata', { 'dapr-api-token': 's3cret-token' }))).toBe('200');
      } else {
        const apiPort = entries
          .filter((e) => e.type === 'instance.log' && e.instance === `${instance.id}/daprd`)
          .map((e) => (e.type === 'instance.log' ? /HTTP API listening on port (\d+)/.exec(e.line)?.[1] : undefined))
          .find(Boolean);
        expect((await fetch(`http://127.0.0.1:${apiPort}/v1.0/metadata`)).status).toBe(401);
        expect((await fetch(`http://127.0.0.1:${apiPort}/v1.0/metadata`, { headers: { 'dapr-api-token': 's3cret-token' } })).status).toBe(200);
      }
    } finally {
      await daemon.stop();
      await cleanup();
      await sink.close();
    }
  });
});
