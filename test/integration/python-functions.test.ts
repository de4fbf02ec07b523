import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { hasPython } from '../helpers/python.js';
import { tempProject } from '../helpers/temp-project.js';

// Sync Python functions on Google's functions framework (fixtures/python-hello), built as
// OpenFunction's Python builder builds them (a virtual environment with requirements.txt), served on
// both runtimes, reloaded in place on save.

const runtimes = [...(hasPython ? ['process'] : []), ...(hasDocker ? ['docker'] : [])] as ('process' | 'docker')[];

/** The fixture's function, plus an answer with the environment the platform gave it. */
const MAIN_PY = `import json
import os

from greeting import greet


def hello(request):
    if "context" in request.args:
        keys = ["FUNC_CONTEXT", "POD_NAME", "POD_NAMESPACE", "PORT"]
        return json.dumps({k: os.environ.get(k, "") for k in keys})
    name = request.args.get("name", "world")
    return greet(name)
`;

describe.skipIf(runtimes.length === 0).each(runtimes)('Python functions (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  const entries: JournalEntry[] = [];
  const get = (p: string) => request(`http://127.0.0.1:${daemon.gatewayPort}/default/python-hello${p}`);
  const after = (from: number, type: string) => entries.slice(from).find((e) => e.type === type && 'fn' in e && e.fn === 'default/python-hello');

  beforeAll(async () => {
    ({ dir, cleanup } = await tempProject('fixtures/python-hello'));
    await writeFile(path.join(dir, 'src', 'main.py'), MAIN_PY);
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
  }, 600_000);

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  it('serves the function from zero at its path-based URL', async () => {
    expect(daemon.status().functions[0]).toMatchObject({ name: 'python-hello', state: 'scaled-to-zero', url: `http://localhost:${daemon.gatewayPort}/default/python-hello` });
    expect(await get('/')).toMatchObject({ status: 200, body: 'hello, world' });
    expect(entries.some((e) => e.type === 'request.completed' && e.fn === 'default/python-hello' && e.cold)).toBe(true);
    expect((await get('/?name=Ada')).body).toBe('hello, Ada');
  });

  it('gives the function FUNC_CONTEXT as the controller sets it, and its pod identity', async () => {
    const env = JSON.parse((await get('/?context=1')).body) as Record<string, string>;
    const context = JSON.parse(env.FUNC_CONTEXT!) as Record<string, unknown>;
    expect(context).toMatchObject({ name: 'python-hello', version: 'v1.0.0', runtime: 'Knative' });
    const instance = daemon.pool('default', 'python-hello')!.instances[0]!.instance;
    expect(env.POD_NAME).toBe(instance.id);
    expect(env.POD_NAMESPACE).toBe('default');
    expect(env.PORT).toBe(runtime === 'docker' ? '8080' : String(instance.address.port));
  });

  it('restarts the interpreter in place on a .py save with no failed request; a broken save keeps the last good code and names file and line', async () => {
    const file = path.join(dir, 'src', 'greeting.py');
    const good = await readFile(file, 'utf8');
    let failed = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) if ((await get('/')).status !== 200) failed++;
    })();
    try {
      let from = entries.length;
      const instance = daemon.pool('default', 'python-hello')!.instances[0]!.instance.id;
      await writeFile(file, good.replace('"hello, "', '"hello again, "'));
      await waitFor(() => Boolean(after(from, 'reload.finished') ?? after(from, 'reload.failed')), 60_000, 'the reload');
      expect(after(from, 'reload.finished')).toMatchObject({ path: 'fast' });
      expect((await get('/')).body).toBe('hello again, world');
      expect(daemon.pool('default', 'python-hello')!.instances.map((i) => i.instance.id)).toEqual([instance]);

      from = entries.length;
      await writeFile(file, good.replace('return "hello, " + name', 'return "hello, " +'));
      await waitFor(() => Boolean(after(from, 'reload.failed')), 60_000, 'the failed reload');
      const failure = after(from, 'reload.failed');
      expect(failure).toMatchObject({ path: 'fast', file: path.relative(dir, file), line: 2 });
      expect(failure?.type === 'reload.failed' && failure.message).toMatch(/greeting\.py:2: SyntaxError/);
      expect((await get('/')).body).toBe('hello again, world');

      // An error raised while the module loads is named by file and line too.
      from = entries.length;
      await writeFile(file, `${good}\nraise RuntimeError("no greeting today")\n`);
      await waitFor(() => Boolean(after(from, 'reload.failed')), 60_000, 'the failed reload');
      expect(after(from, 'reload.failed')).toMatchObject({ file: path.relative(dir, file), line: good.split('\n').length + 1 });
      expect(after(from, 'reload.failed')?.type === 'reload.failed' && (after(from, 'reload.failed') as { message: string }).message).toMatch(/RuntimeError: no greeting today/);
      expect((await get('/')).body).toBe('hello again, world');

      from = entries.length;
      await writeFile(file, good);
      await waitFor(() => Boolean(after(from, 'reload.finished')), 60_000, 'the fixed reload');
      expect((await get('/')).body).toBe('hello, world');
      expect(daemon.pool('default', 'python-hello')!.instances.map((i) => i.instance.id)).toEqual([instance]);
    } finally {
      stop = true;
      await load;
    }
    expect(failed).toBe(0);
  }, 300_000);

  it('reinstalls on a requirements.txt change and swaps to the new environment', async () => {
    const from = entries.length;
    await writeFile(path.join(dir, 'src', 'requirements.txt'), 'functions-framework==3.8.2\nsix==1.16.0\n');
    await writeFile(path.join(dir, 'src', 'greeting.py'), 'import six\n\n\ndef greet(name):\n    return "hello, " + name + " (six " + six.__version__ + ")"\n');
    await waitFor(() => Boolean(after(from, 'reload.finished') ?? after(from, 'reload.failed')), 240_000, 'the reinstall');
    expect(after(from, 'reload.finished')).toMatchObject({ path: 'slow' });
    expect((await get('/')).body).toBe('hello, world (six 1.16.0)');
  }, 300_000);

  it('refuses a broken save while at zero too, and the next cold start serves the last good code', async () => {
    const pool = daemon.pool('default', 'python-hello')!;
    const served = (await get('/')).body;
    await pool.scaleToZero();
    const file = path.join(dir, 'src', 'greeting.py');
    const good = await readFile(file, 'utf8');
    let from = entries.length;
    await writeFile(file, 'def greet(name)\n    return name\n');
    await waitFor(() => Boolean(after(from, 'reload.failed') ?? after(from, 'reload.finished')), 60_000, 'the refused reload');
    expect(after(from, 'reload.failed')).toMatchObject({ file: path.relative(dir, file), line: 1 });
    expect(await get('/')).toMatchObject({ status: 200, body: served });
    from = entries.length;
    await writeFile(file, good);
    await waitFor(() => Boolean(after(from, 'reload.finished')), 60_000, 'the reload');
  }, 120_000);
});

describe.skipIf(!hasPython)('Python functions through the test API', () => {
  it('invokes a Python function; a target the source does not define, or a requirement pip cannot install, is refused naming the file', async () => {
    const { dir, cleanup } = await tempProject('fixtures/python-hello');
    try {
      const project = await OfnProject.start(dir, { runtime: 'process' });
      try {
        const answer = await project.invoke('python-hello');
        expect(answer.status).toBe(200);
        expect(answer.body).toBe('hello, world');
      } finally {
        await project.stop();
      }
      const manifest = path.join(dir, 'function.yaml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('GOOGLE_FUNCTION_TARGET: "hello"', 'GOOGLE_FUNCTION_TARGET: "helo"'));
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop' });
      try {
        expect(daemon.failures().join('\n')).toMatch(/main\.py defines no function named helo \(spec\.build\.env GOOGLE_FUNCTION_TARGET \/ FUNC_NAME\)/);
      } finally {
        await daemon.stop();
      }
      // A requirement pip cannot install: its own error line and the file.
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('GOOGLE_FUNCTION_TARGET: "helo"', 'GOOGLE_FUNCTION_TARGET: "hello"'));
      await writeFile(path.join(dir, 'src', 'requirements.txt'), 'functions-framework==3.8.2\nsix==999.0.0\n');
      const broken = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop' });
      try {
        const failures = broken.failures().join('\n');
        expect(failures).toContain(`pip could not install ${path.join(dir, 'src', 'requirements.txt')}: ERROR: `);
        expect(failures).toContain('six==999.0.0');
      } finally {
        await broken.stop();
      }
    } finally {
      await cleanup();
    }
  }, 300_000);
});
