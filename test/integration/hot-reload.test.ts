import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';
import { plainLine } from '../../src/cli/plain-log.js';
import { applyEvents, initialState } from '../../src/protocol/project-state.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.each(runtimes)('hot reload (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let url: string;
  const entries: JournalEntry[] = [];
  const src = () => path.join(dir, 'index.js');
  const greeting = (word: string) => `exports.helloWorld = (req, res) => res.send('${word}, ' + (req.query.name || 'world'));\n`;

  /** Writes the file and resolves with the reload outcome journaled after the write. */
  async function save(file: string, content: string): Promise<JournalEntry> {
    const from = entries.length;
    await writeFile(file, content);
    let outcome: JournalEntry | undefined;
    await waitFor(() => (outcome = entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')) !== undefined, 30_000, `a reload after writing ${path.basename(file)}`);
    return outcome!;
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await tempProject('fixtures/hello-node'));
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 30_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    url = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
    expect((await request(url)).body).toBe('hello, world');
  });

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  it('serves the new code on the next request after a save, in the same instance (fast path)', async () => {
    const before = daemon.pool('default', 'hello-node')!.instances.map((s) => s.instance.id);
    const outcome = await save(src(), greeting('bonjour'));
    expect(outcome).toMatchObject({ type: 'reload.finished', path: 'fast' });
    expect((await request(url)).body).toBe('bonjour, world');
    expect(daemon.pool('default', 'hello-node')!.instances.map((s) => s.instance.id)).toEqual(before);
  });

  it('fails no request under constant load during ten reloads', async () => {
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          const r = await request(url);
          if (r.status === 200) ok++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);
    for (let i = 0; i < 10; i++) {
      const outcome = await save(src(), greeting(`v${i}`));
      expect(outcome.type).toBe('reload.finished');
      expect((await request(url)).body).toBe(`v${i}, world`);
    }
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
  });

  it('keeps the last good version on a syntax error, reports file and line, and recovers on the fix', async () => {
    await save(src(), greeting('good'));
    const failed = await save(src(), "exports.helloWorld = (req, res) => { res.send('x' \n");
    expect(failed).toMatchObject({ type: 'reload.failed', file: 'index.js', line: 1 });
    expect(failed.type === 'reload.failed' && failed.message).toMatch(/SyntaxError/);
    expect((await request(url)).body).toBe('good, world');
    const fixed = await save(src(), greeting('fixed'));
    expect(fixed.type).toBe('reload.finished');
    expect((await request(url)).body).toBe('fixed, world');
  });

  it('keeps serving when the new code no longer exports the target', async () => {
    const failed = await save(src(), 'exports.somethingElse = () => {};\n');
    expect(failed.type).toBe('reload.failed');
    expect(failed.type === 'reload.failed' && failed.message).toContain('helloWorld');
    expect((await request(url)).body).toBe('fixed, world');
    await save(src(), greeting('fixed'));
  });

  it('takes the slow path for a package.json change: rebuild, new instance, swap', async () => {
    const pkgFile = path.join(dir, 'package.json');
    const pkg = JSON.parse(await readFile(pkgFile, 'utf8'));
    const before = daemon.pool('default', 'hello-node')!.instances.map((s) => s.instance.id);
    const outcome = await save(pkgFile, JSON.stringify({ ...pkg, description: 'changed' }, null, 2));
    expect(outcome).toMatchObject({ type: 'reload.finished', path: 'slow' });
    expect((await request(url)).body).toBe('fixed, world');
    await waitFor(() => daemon.pool('default', 'hello-node')!.instances.every((s) => !before.includes(s.instance.id)), 10_000, 'old instance retired');
  });

  it('starts a function from a new manifest without touching the others, and removes it with its manifest', async () => {
    const before = daemon.pool('default', 'hello-node')!.instances.map((s) => s.instance.id);
    const manifest = path.join(dir, 'second.yaml');
    const from = entries.length;
    await writeFile(
      manifest,
      (await readFile(path.join(dir, 'function.yaml'), 'utf8')).replace('name: hello-node', 'name: second-fn'),
    );
    await waitFor(() => daemon.pool('default', 'second-fn')?.state === 'scaled-to-zero' || daemon.pool('default', 'second-fn')?.state === 'ready', 60_000, 'the new function');
    expect(entries.slice(from).some((e) => e.type === 'function.added' && e.fn === 'default/second-fn')).toBe(true);
    expect((await request(`http://127.0.0.1:${daemon.gatewayPort}/default/second-fn?name=2`)).body).toBe('fixed, 2');
    expect(daemon.pool('default', 'hello-node')!.instances.map((s) => s.instance.id)).toEqual(before);
    await rm(manifest);
    await waitFor(() => daemon.pool('default', 'second-fn') === undefined, 30_000, 'removal');
    expect((await request(`http://127.0.0.1:${daemon.gatewayPort}/default/second-fn`)).status).toBe(404);
    expect((await request(url)).status).toBe(200);
  });

  it('keeps the previous version serving when an edited Function does not start', async () => {
    const file = path.join(dir, 'function.yaml');
    const good = await readFile(file, 'utf8');
    expect((await request(url)).status).toBe(200);
    const from = entries.length;
    await writeFile(file, good.replace('FUNC_NAME: "helloWorld"', 'FUNC_NAME: "noSuchFunction"'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.failed' || e.type === 'reload.finished'), 60_000, 'the outcome');
    const outcome = entries.slice(from).find((e) => e.type === 'reload.failed' || e.type === 'reload.finished');
    expect(outcome?.type === 'reload.failed' && outcome.message).toMatch(/previous version keeps serving/);
    const res = await request(url);
    expect(res.status).toBe(200);
    await writeFile(file, good);
    await waitFor(() => entries.slice(from).filter((e) => e.type === 'reload.finished').length > 0, 60_000, 'the restored manifest');
  });

  it('reports a broken manifest and keeps everything running', async () => {
    const file = path.join(dir, 'function.yaml');
    const good = await readFile(file, 'utf8');
    const from = entries.length;
    await writeFile(file, good.replace('port: 8080', 'port: "80a"'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'daemon.error'), 30_000, 'the manifest error');
    const err = entries.slice(from).find((e) => e.type === 'daemon.error');
    expect(err?.type === 'daemon.error' && err.message).toMatch(/function\.yaml:\d+.*spec\.serving\.triggers\.http\.port/);
    expect((await request(url)).status).toBe(200);
    await writeFile(file, good);
  });

  it('journals the warnings of a reload as at start, and that a broken manifest loads again', async () => {
    const loads = (from: number) => entries.slice(from).filter((e): e is Extract<JournalEntry, { type: 'project.loaded' }> => e.type === 'project.loaded');
    // A YAML file that is not a manifest: a warning of the reload it causes.
    let from = entries.length;
    await writeFile(path.join(dir, 'notes.yaml'), 'settings:\n  verbose: true\n');
    await waitFor(() => loads(from).some((e) => e.warnings.includes('notes.yaml:1: not a Kubernetes manifest; skipped')), 30_000, 'the warning of the reload');
    const warned = loads(from).find((e) => e.warnings.length > 0)!;
    expect(plainLine(warned)).toContain('\n  warning: notes.yaml:1: not a Kubernetes manifest; skipped');
    expect(applyEvents(initialState(), [warned]).notices).toEqual(['warning: notes.yaml:1: not a Kubernetes manifest; skipped']);

    // Broken, then fixed: the error is followed by a load, which takes it out of the UI's banner.
    const file = path.join(dir, 'function.yaml');
    const good = await readFile(file, 'utf8');
    from = entries.length;
    await writeFile(file, good.replace('port: 8080', 'port: "80a"'));
    await waitFor(() => entries.slice(from).some((e) => e.type === 'daemon.error' && e.code === 'ERR_MANIFEST'), 30_000, 'the manifest error');
    const broken = applyEvents(initialState(), entries);
    expect(broken.lastError).toMatchObject({ code: 'ERR_MANIFEST' });
    from = entries.length;
    await writeFile(file, good);
    await waitFor(() => loads(from).length > 0, 30_000, 'the fixed manifest loading');
    expect(applyEvents(broken, entries.slice(from)).lastError).toBeUndefined();
    expect((await request(url)).status).toBe(200);
  });
});
