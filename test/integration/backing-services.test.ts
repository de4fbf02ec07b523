import { readdirSync, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.each(runtimes)('backing services from ofn-local.yaml (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let cleanup: () => Promise<void>;
  let client: mqtt.MqttClient;
  const entries: JournalEntry[] = [];
  const messages: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/services');
    cleanup = p.cleanup;
    daemon = await Daemon.start({ inputs: [p.dir], cwd: p.dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
    const broker = entries.find((e) => e.type === 'service.started' && e.name === 'emqx');
    client = await mqtt.connectAsync(`mqtt://${broker?.type === 'service.started' ? broker.address : ''}`);
    client.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString() }));
    await client.subscribeAsync(['out', 'relayed']);
  }, 300_000);

  afterAll(async () => {
    await client?.endAsync();
    await daemon?.stop();
    await cleanup?.();
  });

  it('starts the declared brokers before the functions', () => {
    const started = entries.filter((e) => e.type === 'service.started').map((e) => (e.type === 'service.started' ? `${e.name}/${e.serviceType}` : ''));
    expect(started).toEqual(['redis/redis', 'emqx/mqtt']);
  });

  it('runs the MQTT in -> MQTT out sample against tcp://emqx:1883 unchanged', async () => {
    // The input binding may still be subscribing: publish until the function's answer comes back.
    await waitFor(async () => {
      await client.publishAsync('in', JSON.stringify({ hello: 'mqtt' }));
      return messages.some((m) => m.topic === 'out');
    }, 30_000, 'a message on topic out');
    expect(JSON.parse(messages.find((m) => m.topic === 'out')!.payload)).toEqual({ hello: 'mqtt' });
  });

  it('delivers a Redis pubsub message (published with ofn-local publish) through the function to MQTT', async () => {
    await waitFor(async () => {
      const out = await daemon.publish('default', 'orders', 'orders', Buffer.from('{"id":5}'), 'application/json');
      expect(out.status).toBe(204);
      await new Promise((r) => setTimeout(r, 300));
      return messages.some((m) => m.topic === 'relayed');
    }, 30_000, 'a message on topic relayed');
    expect(JSON.parse(messages.find((m) => m.topic === 'relayed')!.payload)).toEqual({ id: 5 });
  });

  it('starts a killed broker again on the same address, and the function works through it again', async () => {
    const from = entries.length;
    if (runtime === 'docker') {
      await new Docker().getContainer(`ofn-local-${daemon.projectId}-svc-emqx`.replace(/[^a-zA-Z0-9_.-]/g, '-')).kill();
    } else {
      process.kill(pidOf('mosquitto', daemon.stateDir), 'SIGKILL');
    }
    await waitFor(() => entries.slice(from).some((e) => e.type === 'instance.failed' && e.fn === 'service/emqx'), 20_000, 'the dead broker noticed');
    await waitFor(() => entries.slice(from).some((e) => e.type === 'service.started' && e.name === 'emqx'), 60_000, 'the broker started again');
    expect(daemon.status().services?.find((s) => s.name === 'emqx')).toMatchObject({ state: 'running', restarts: 1 });
    const before = messages.filter((m) => m.topic === 'out').length;
    // Both the test's client and the sidecar's binding reconnect on their own.
    await waitFor(async () => {
      if (client.connected) await client.publishAsync('in', JSON.stringify({ hello: 'again' }));
      await new Promise((r) => setTimeout(r, 200));
      return messages.filter((m) => m.topic === 'out').length > before;
    }, 60_000, 'a message on topic out after the restart');
  });
});

/** The pid of a process whose command line has `name` and a path under `dir` (a host service of this run). */
function pidOf(name: string, dir: string): number {
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(name) && cmd.includes(dir)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no ${name} process under ${dir}`);
}

describe('editing ofn-local.yaml while up runs', () => {
  it('starts an added service and restarts the functions that use services', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const p = await tempProject('test/fixtures/projects/services');
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [p.dir], cwd: p.dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    try {
      const from = entries.length;
      const config = path.join(p.dir, 'ofn-local.yaml');
      await writeFile(config, (await readFile(config, 'utf8')) + '  nats: { type: nats }\n');
      await waitFor(() => entries.slice(from).some((e) => e.type === 'service.started' && e.name === 'nats'), 30_000, 'the added service');
      await waitFor(() => entries.slice(from).filter((e) => e.type === 'reload.finished').length >= 2, 60_000, 'both functions restarted');
      expect(daemon.status().functions.every((f) => f.replicas === 1)).toBe(true);
    } finally {
      await daemon.stop();
      await p.cleanup();
    }
  });
});

describe.each(runtimes)('backing services by their in-cluster names (%s runtime)', (runtime) => {
  it('reaches tcp://emqx.default.svc.cluster.local:1883 as a cluster Service of that name would be reached', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const p = await tempProject('test/fixtures/projects/services');
    const manifest = path.join(p.dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('tcp://emqx:1883', 'tcp://emqx.default.svc.cluster.local:1883'));
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [p.dir], cwd: p.dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', onEvent: (e) => entries.push(e) });
    let client: mqtt.MqttClient | undefined;
    try {
      expect(daemon.failures()).toEqual([]);
      const broker = entries.find((e) => e.type === 'service.started' && e.name === 'emqx');
      client = await mqtt.connectAsync(`mqtt://${broker?.type === 'service.started' ? broker.address : ''}`);
      const got: string[] = [];
      client.on('message', (_topic, payload) => got.push(payload.toString()));
      await client.subscribeAsync('out');
      await waitFor(async () => {
        await client!.publishAsync('in', JSON.stringify({ by: 'cluster name' }));
        await new Promise((r) => setTimeout(r, 200));
        return got.length > 0;
      }, 30_000, 'a message on topic out');
      expect(JSON.parse(got[0]!)).toEqual({ by: 'cluster name' });
    } finally {
      await client?.endAsync();
      await daemon.stop();
      await p.cleanup();
    }
  });
});
