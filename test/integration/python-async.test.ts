import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { OfnProject } from '../../src/testing/index.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { waitFor } from '../helpers/http.js';
import { hasPython } from '../helpers/python.js';
import { fieldOf, sinkServer, type Sink } from '../helpers/sink.js';
import { tempProject } from '../helpers/temp-project.js';

// An async Python function on OpenFunction's Python framework (test/fixtures/projects/python-async):
// the sidecar calls its AppCallback service over gRPC (the cron input binding), and the function's
// ctx.send and state calls reach the sidecar's gRPC API (the output binding, an in-memory state
// store), through the Dapr Python SDK 1.11.

const runtimes = [...(hasPython ? ['process'] : []), ...(hasDocker ? ['docker'] : [])] as ('process' | 'docker')[];

describe.skipIf(runtimes.length === 0).each(runtimes)('async Python functions with Dapr over gRPC (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: Sink;
  const ticks = () => fieldOf<number>(sink, 'tick');
  const entries: JournalEntry[] = [];

  beforeAll(async () => {
    sink = await sinkServer();
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/python-async'));
    const manifest = path.join(dir, 'functions.yaml');
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`));
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 90_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
  }, 600_000);

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
    await sink?.close();
  });

  it('receives cron events from its input binding over gRPC, counts them in its state store and writes each to its output binding', async () => {
    await waitFor(() => ticks().length >= 3, 60_000, 'three ticks at the sink');
    expect(ticks().slice(0, 3)).toEqual([1, 2, 3]);
    expect(sink.received[0]!.path).toBe('/from-python');
    const sidecarLines = entries.filter((e) => e.type === 'instance.log' && e.instance.endsWith('/daprd')).map((e) => (e.type === 'instance.log' ? e.line : ''));
    expect(sidecarLines.some((l) => l.includes('input binding cron started'))).toBe(true);
  });

  it('takes an event through its input binding from ofn-local invoke (OnBindingEvent), data included', async () => {
    const answer = await daemon.invokeInput('default', 'py-ticker', undefined, Buffer.from('{"by":"invoke"}'), 'application/json');
    expect(answer).toMatchObject({ status: 200, input: 'cron' });
    await waitFor(() => fieldOf<string>(sink, 'input').includes('{"by":"invoke"}'), 20_000, 'the invoked event passed on');
  });

  it('receives messages of its topic subscription over gRPC (OnTopicEvent) and writes each to its output binding', async () => {
    const answer = await daemon.publish('default', 'messages', 'greetings', Buffer.from(JSON.stringify({ hello: 'python' })), 'application/json');
    expect(answer.status).toBeLessThan(300);
    await waitFor(() => sink.received.some((r) => r.path === '/from-subscriber'), 30_000, 'the message passed on');
    const got = sink.received.find((r) => r.path === '/from-subscriber')!.body as { message: unknown };
    expect(typeof got.message === 'string' ? JSON.parse(got.message) : got.message).toEqual({ hello: 'python' });
  });

  it('restarts the interpreter on save beside the same sidecar, and the new code sends', async () => {
    const file = path.join(dir, 'ticker', 'main.py');
    const from = entries.length;
    const instance = daemon.pool('default', 'py-ticker')!.instances[0]!.instance.id;
    await writeFile(file, (await readFile(file, 'utf8')).replace('body = {"tick": n,', 'body = {"tick": n + 1000,'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 60_000, 'the reload');
    expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')).toMatchObject({ type: 'reload.finished', path: 'fast' });
    await waitFor(() => ticks().some((t) => t > 1000), 60_000, 'a tick from the new code');
    // The old code's last tick (a tick of the new code may already have come with the reload's end).
    const before = Math.max(...ticks().filter((t) => t < 1000));
    // The count lives in the sidecar's state store: the new interpreter goes on from it.
    expect(ticks().find((t) => t > 1000)! - 1000).toBeGreaterThan(before);
    expect(daemon.pool('default', 'py-ticker')!.instances.map((i) => i.instance.id)).toEqual([instance]);
    const later = entries.slice(from);
    expect(later.filter((e) => e.type === 'instance.starting' || (e.type === 'instance.failed' && e.part === 'sidecar'))).toEqual([]);
  });
});

describe.skipIf(!hasPython)('async Python functions through the test API', () => {
  it('invokes one through its input binding and publishes to the other, and waits for what each sends', async () => {
    const sink = await sinkServer();
    const { dir, cleanup } = await tempProject('test/fixtures/projects/python-async');
    try {
      const manifest = path.join(dir, 'functions.yaml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://127.0.0.1:${sink.port}`));
      const project = await OfnProject.start(dir, { runtime: 'process' });
      try {
        expect((await project.invoke('py-ticker', { by: 'the test API' })).status).toBe(200);
        const sent = await project.waitFor({ fn: 'py-ticker', binding: 'sink', where: (o) => o.json<{ input: string }>().input.includes('the test API') }, { timeoutMs: 30_000 });
        expect(sent.json<{ tick: number }>().tick).toBeGreaterThan(0);
        await project.publish('messages', 'greetings', { hello: 'test API' });
        const message = await project.waitFor({ fn: 'py-subscriber', binding: 'sink' }, { timeoutMs: 30_000 });
        expect(JSON.parse(message.json<{ message: string }>().message)).toEqual({ hello: 'test API' });
      } finally {
        await project.stop();
      }
    } finally {
      await cleanup();
      await sink.close();
    }
  }, 300_000);
});
