import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker, hasGo } from '../helpers/engine.js';
import { waitFor } from '../helpers/http.js';
import { killSidecar } from '../helpers/kill.js';
import { tempProject } from '../helpers/temp-project.js';
import { fieldOf, sinkServer, type Sink } from '../helpers/sink.js';

// An async Go function on functions-framework-go v0.5.0 (test/fixtures/projects/go-async): the
// sidecar calls its AppCallback service over gRPC (the cron input binding) and the function calls
// the sidecar's gRPC API (its output binding), as OpenFunction's Go async samples do.

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.skipIf(!hasGo).each(runtimes)('async Go functions with Dapr over gRPC (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: Sink;
  const ticks = () => fieldOf<number>(sink, 'tick');
  const entries: JournalEntry[] = [];

  beforeAll(async () => {
    sink = await sinkServer();
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/go-async'));
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

  it('delivers cron ticks to the function over gRPC, and its ctx.Send reaches the output binding', async () => {
    await waitFor(() => ticks().length >= 3, 60_000, 'three ticks at the sink');
    expect(ticks().slice(0, 3)).toEqual([1, 2, 3]);
    // The sidecar talks gRPC to the app, and the function found its inputs through ListInputBindings.
    const sidecarLines = entries.filter((e) => e.type === 'instance.log' && e.instance.endsWith('/daprd')).map((e) => (e.type === 'instance.log' ? e.line : ''));
    expect(sidecarLines.some((l) => l.includes('input binding cron started'))).toBe(true);
  });

  it('takes an event through its input binding from ofn-local invoke (OnBindingEvent)', async () => {
    const before = ticks().length;
    const answer = await daemon.invokeInput('default', 'go-ticker', undefined, Buffer.from('{"by":"invoke"}'), 'application/json');
    expect(answer).toMatchObject({ status: 200, input: 'cron' });
    await waitFor(() => ticks().length > before, 20_000, 'the invoked event passed on');
  });

  it('keeps ticking after its sidecar is killed', async () => {
    const before = ticks().length;
    const from = entries.length;
    await killSidecar(runtime, dir, 'go-ticker');
    await waitFor(() => entries.slice(from).some((e) => e.type === 'instance.failed' && e.part === 'sidecar'), 30_000, 'the dead sidecar noticed');
    await waitFor(() => ticks().length >= before + 3, 60_000, 'ticks after the restart');
  });

  it('rebuilds on save and restarts the binary beside the same sidecar, and the new code sends', async () => {
    const file = path.join(dir, 'ticker', 'ticker.go');
    const from = entries.length;
    const instance = daemon.pool('default', 'go-ticker')!.instances[0]!.instance.id;
    await writeFile(file, (await readFile(file, 'utf8')).replace('n := atomic.AddInt64(&ticks, 1)', 'n := atomic.AddInt64(&ticks, 1) + 1000'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 120_000, 'the rebuild');
    expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')).toMatchObject({ type: 'reload.finished', path: 'fast' });
    await waitFor(() => ticks().some((t) => t > 1000), 60_000, 'a tick from the new code');
    // The same instance, and its sidecar neither restarted nor started again (its bindings start once per run).
    expect(daemon.pool('default', 'go-ticker')!.instances.map((i) => i.instance.id)).toEqual([instance]);
    const later = entries.slice(from);
    expect(later.filter((e) => e.type === 'instance.starting' || (e.type === 'instance.failed' && e.part === 'sidecar'))).toEqual([]);
    expect(later.some((e) => e.type === 'instance.log' && e.instance.endsWith('/daprd') && e.line.includes('input binding cron started'))).toBe(false);
  });
});
