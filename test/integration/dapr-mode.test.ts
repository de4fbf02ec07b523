/**
 * `--dapr daprd`: the real daprd beside functions instead of ofn-local's sidecar, with the same flags,
 * Component files and pod wiring, on both runtimes. daprd comes from docker/daprd/build-daprd.sh (the
 * Go module proxy); without it these tests skip with a message (fail with OFN_LOCAL_REQUIRE_DAPRD=1).
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommunicationProtocolEnum, DaprClient, HttpMethod, LogLevel } from '@dapr/dapr';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { DAPRD, describeSidecars } from '../helpers/daprd.js';
import { hasDocker, hasGo } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { fieldOf, sinkServer, type Sink } from '../helpers/sink.js';
import { callerManifest } from '../helpers/caller-function.js';
import { tempProject } from '../helpers/temp-project.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

// A sync function with a sidecar (callerManifest) that calls another app id through its daprd's HTTP
// API, as a function's own code would (http://127.0.0.1:3500/v1.0/invoke/<app id>/method/<method>).
const CALLER_CODE = `
exports.call = async (ctx, data) => {
  const port = process.env.DAPR_HTTP_PORT || '3500';
  const res = await fetch('http://127.0.0.1:' + port + '/v1.0/invoke/' + data.target + '/method/' + data.method, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data.body) });
  const text = await res.text();
  ctx.res.json({ status: res.status, body: text ? JSON.parse(text) : null });
};
`;

describeSidecars(() => {
  describe.each(runtimes)('functions beside the real daprd (%s runtime)', (runtime) => {
    let daemon: Daemon;
    let dir: string;
    let cleanup: () => Promise<void>;
    let sink: Sink;
    const entries: JournalEntry[] = [];

    beforeAll(async () => {
      sink = await sinkServer();
      ({ dir, cleanup } = await tempProject('test/fixtures/projects/dapr'));
      const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
      const manifest = path.join(dir, 'functions.yaml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`) + `\n---\n${callerManifest('./src')}`);
      await appendFile(path.join(dir, 'src', 'index.js'), CALLER_CODE);
      // The process runtime finds the daprd the tests use through $DAPRD, as a user's would be.
      const saved = process.env.DAPRD;
      process.env.DAPRD = DAPRD;
      try {
        daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: true, dapr: 'daprd', onEvent: (e) => entries.push(e) });
      } finally {
        if (saved === undefined) delete process.env.DAPRD;
        else process.env.DAPRD = saved;
      }
      expect(daemon.failures()).toEqual([]);
    }, 300_000);

    afterAll(async () => {
      await daemon?.stop();
      await cleanup?.();
      await sink?.close();
    });

    const daprdLines = (fn: string) => entries.filter((e): e is Extract<JournalEntry, { type: 'instance.log' }> => e.type === 'instance.log' && e.fn === fn && e.instance.endsWith('/daprd')).map((e) => e.line);

    it('runs daprd itself (its own log lines) with the function', async () => {
      expect(daemon.status().dapr).toBe('daprd');
      await waitFor(() => daprdLines('default/ticker').some((l) => l.includes('Starting Dapr Runtime -- version 1.14.0')), 30_000, "daprd's start-up line");
    });

    it('delivers cron ticks to an async function, whose ctx.send reaches the output binding', async () => {
      await waitFor(() => sink.received.filter((r) => r.path === '/from-ticker').length >= 2, 60_000, 'two cron ticks forwarded through daprd');
      expect(sink.received.find((r) => r.path === '/from-ticker')!.body).toEqual({ from: 'ticker', tick: true });
      // daprd was started after the app answered: it found the app on its first look.
      expect(daprdLines('default/ticker').some((l) => l.includes('application discovered on port'))).toBe(true);
    });

    it('lets a sync function send to its output and answer through the gateway', async () => {
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":42}' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ forwarded: { order: 42 }, outputs: 1 });
      await waitFor(() => sink.received.some((r) => r.path === '/from-forwarder'), 20_000, 'the forwarded order');
    });

    it("calls another app id through its daprd: the daprds find each other (Dapr's sqlite name resolver)", async () => {
      // Only a running app id has a daprd to find (as in a cluster, where a function at zero has no pod).
      expect((await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":49}' })).status).toBe(200);
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'forwarder-default', method: 'orders', body: { order: 50 } }) });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 200, body: { forwarded: { order: 50 }, outputs: 1 } });
      await waitFor(() => sink.received.some((r) => r.path === '/from-forwarder' && (r.body as { order?: number }).order === 50), 20_000, 'the order the invoked function forwarded');
      // daprd, not ofn-local, resolved the app id: a name it does not know fails as daprd fails it.
      const unknown = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'nobody-default', method: 'x', body: {} }) });
      const answer = JSON.parse(unknown.body) as { status: number; body: { errorCode?: string; message?: string } };
      expect(answer.status).toBe(500);
      expect(answer.body.errorCode).toBe('ERR_DIRECT_INVOKE');
      expect(answer.body.message).toMatch(/nobody-default/);
      if (runtime === 'process') {
        // The gRPC API's InvokeService reaches the other app id the same way (the Go SDK's path).
        const ticker = daemon.pool('default', 'ticker')!.instances[0]!.instance.dapr!;
        const client = new DaprClient({ daprHost: '127.0.0.1', daprPort: String(ticker.grpcApiPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: { level: LogLevel.Error } });
        try {
          expect(await client.invoker.invoke('forwarder-default', 'orders', HttpMethod.POST, { order: 51 })).toEqual({ forwarded: { order: 51 }, outputs: 1 });
        } finally {
          await client.stop();
        }
      }
    });

    it('keeps the same daprd across a code reload', async () => {
      const before = daemon.pool('default', 'forwarder')!.instances[0]!.instance.id;
      const docker = runtime === 'docker' ? new Docker() : undefined;
      const startedAt = docker ? (await docker.getContainer(`${before}-daprd`).inspect()).State.StartedAt : undefined;
      const from = entries.length;
      const file = path.join(dir, 'src', 'index.js');
      await writeFile(file, (await readFile(file, 'utf8')).replace('forwarded: data', 'forwardedAgain: data'));
      await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 30_000, 'reload');
      expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')?.type).toBe('reload.finished');
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":43}' });
      expect(JSON.parse(res.body)).toEqual({ forwardedAgain: { order: 43 }, outputs: 1 });
      expect(daemon.pool('default', 'forwarder')!.instances[0]!.instance.id).toBe(before);
      if (docker) expect((await docker.getContainer(`${before}-daprd`).inspect()).State.StartedAt).toBe(startedAt);
      expect(await daemon.pool('default', 'forwarder')!.instances[0]!.instance.state).toBe('running');
    });

    it('publishes through daprd (process runtime), or says why it cannot (docker: the API is on the pod loopback)', async () => {
      if (runtime === 'docker') {
        await expect(daemon.publish('default', 'orders', 'new-orders', Buffer.from('{"id":7}'), 'application/json')).rejects.toThrow(/cannot reach daprd's API on the docker runtime/);
        return;
      }
      const out = await daemon.publish('default', 'orders', 'new-orders', Buffer.from('{"id":7}'), 'application/json');
      expect(out.status).toBe(204);
      await waitFor(() => sink.received.some((r) => r.path === '/from-subscriber'), 30_000, 'the relayed order');
      expect(sink.received.find((r) => r.path === '/from-subscriber')!.body).toEqual({ relayed: { id: 7 } });
    });

    it('answers health on the public port only: the API stays on the pod loopback', async () => {
      const { host, port } = daemon.pool('default', 'ticker')!.instances[0]!.instance.dapr!;
      expect((await fetch(`http://${host}:${port}/v1.0/healthz`)).status).toBe(204);
      expect((await fetch(`http://${host}:${port}/v1.0/state/x/y`)).status).toBe(404);
    });
  });

  // A gRPC app (the Go framework's async mode): daprd asks it for its input bindings once, so it is
  // started only once the app answers ListInputBindings; a save restarts the binary beside it.
  describe.skipIf(!hasGo).each(runtimes)('an async Go function beside the real daprd (%s runtime)', (runtime) => {
    let daemon: Daemon;
    let dir: string;
    let cleanup: () => Promise<void>;
    let sink: Sink;
    const entries: JournalEntry[] = [];
    const ticks = () => fieldOf<number>(sink, 'tick');

    beforeAll(async () => {
      sink = await sinkServer();
      ({ dir, cleanup } = await tempProject('test/fixtures/projects/go-async'));
      const manifest = path.join(dir, 'functions.yaml');
      const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`));
      const saved = process.env.DAPRD;
      process.env.DAPRD = DAPRD;
      try {
        daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 90_000, runtime, zeroMode: 'stop', watch: true, dapr: 'daprd', onEvent: (e) => entries.push(e) });
      } finally {
        if (saved === undefined) delete process.env.DAPRD;
        else process.env.DAPRD = saved;
      }
      expect(daemon.failures()).toEqual([]);
    }, 600_000);

    afterAll(async () => {
      await daemon?.stop();
      await cleanup?.();
      await sink?.close();
    });

    /** The instance's and its daprd's last lines, for a failure message. */
    const recentLines = () =>
      entries
        .filter((e): e is Extract<JournalEntry, { type: 'instance.log' }> => e.type === 'instance.log' && e.fn === 'default/go-ticker')
        .slice(-40)
        .map((e) => `${e.instance}: ${e.line}`)
        .join('\n');

    it('gets its cron ticks over gRPC from daprd, and its ctx.Send goes out through daprd', async () => {
      await waitFor(() => ticks().length >= 3, 75_000, 'three ticks at the sink').catch((err: Error) => {
        throw new Error(`${err.message}\n${recentLines()}`);
      });
      expect(ticks().slice(0, 3)).toEqual([1, 2, 3]);
      // daprd found the app's port open before the app served, so it was started again once it did.
      const lines = entries.filter((e): e is Extract<JournalEntry, { type: 'instance.log' }> => e.type === 'instance.log' && e.instance.endsWith('/daprd')).map((e) => e.line);
      const again = lines.some((l) => l.includes('starting daprd again'));
      expect(lines.filter((l) => l.includes('Starting Dapr Runtime'))).toHaveLength(again ? 2 : 1);
    }, 90_000);

    it('rebuilds on save and restarts the binary beside the same daprd, which keeps delivering', async () => {
      const file = path.join(dir, 'ticker', 'ticker.go');
      const from = entries.length;
      const instance = daemon.pool('default', 'go-ticker')!.instances[0]!.instance.id;
      const daprdStarts = () => entries.filter((e) => e.type === 'instance.log' && e.instance === `${instance}/daprd` && e.line.includes('Starting Dapr Runtime')).length;
      const startsBefore = daprdStarts();
      await writeFile(file, (await readFile(file, 'utf8')).replace('n := atomic.AddInt64(&ticks, 1)', 'n := atomic.AddInt64(&ticks, 1) + 1000'));
      await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 120_000, 'the rebuild');
      expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')?.type).toBe('reload.finished');
      await waitFor(() => ticks().some((t) => t > 1000), 60_000, 'a tick from the new code').catch((err: Error) => {
        throw new Error(`${err.message}\n${recentLines()}`);
      });
      expect(daemon.pool('default', 'go-ticker')!.instances.map((i) => i.instance.id)).toEqual([instance]);
      // daprd was not started again by the reload.
      expect(daprdStarts()).toBe(startsBefore);
    }, 200_000);
  });
}, ['daprd']);

describe('--dapr daprd without a daprd', () => {
  it('on the process runtime names what is missing and the command that builds one', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const empty = await mkdtemp(path.join(os.tmpdir(), 'ofn-no-daprd-'));
    const saved = { PATH: process.env.PATH, DAPRD: process.env.DAPRD, HOME: process.env.HOME, OFN_LOCAL_CACHE: process.env.OFN_LOCAL_CACHE };
    try {
      // No daprd anywhere, an empty cache, and no Go on PATH (nor in /usr/local/go, which is looked at too: moved aside by PATH only).
      process.env.DAPRD = '';
      process.env.HOME = dir;
      process.env.OFN_LOCAL_CACHE = empty;
      process.env.PATH = '/usr/bin:/bin';
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 60_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop', dapr: 'daprd', daprdVersion: '0.0.1' });
      try {
        const failures = daemon.failures();
        expect(failures.length).toBeGreaterThan(0);
        // Go may be found in /usr/local/go: then the build is tried and fails on a version the proxy lacks.
        expect(failures[0]).toMatch(/--dapr daprd needs daprd 0\.0\.1: there is no daprd here|building daprd 0\.0\.1 from source failed/);
        expect(failures[0]).toContain('docker/daprd/build-daprd.sh 0.0.1');
        expect(failures[0]).toContain('--dapr embedded');
      } finally {
        await daemon.stop();
      }
    } finally {
      Object.assign(process.env, saved);
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      await rm(empty, { recursive: true, force: true });
      await cleanup();
    }
  }, 120_000);

  it('refuses a --daprd-version that is not a version, naming the flag', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    try {
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 60_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop', dapr: 'daprd', daprdVersion: 'latest' });
      try {
        expect(daemon.failures()[0]).toContain('--daprd-version latest is not a Dapr version');
      } finally {
        await daemon.stop();
      }
    } finally {
      await cleanup();
    }
  });
});
