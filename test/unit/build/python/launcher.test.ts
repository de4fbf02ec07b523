import { execFile } from 'node:child_process';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_LAUNCHER } from '../../../../src/builders/python/python-builder.js';
import { hasPython } from '../../../helpers/python.js';

/** Runs the launcher in `dir` with `args` and `env`; resolves to its exit code and output. */
function launcher(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.env.OFN_LOCAL_PYTHON ?? 'python3', [PYTHON_LAUNCHER, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

/** The launcher's own functions, called from Python. */
function call(expr: string, env: Record<string, string>): Promise<string> {
  const script = `import importlib.util, json\nspec = importlib.util.spec_from_file_location("launcher", ${JSON.stringify(PYTHON_LAUNCHER)})\nm = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\nprint(json.dumps(${expr}))`;
  return new Promise((resolve, reject) => {
    execFile(process.env.OFN_LOCAL_PYTHON ?? 'python3', ['-c', script], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout.trim())));
  });
}

describe.skipIf(!hasPython)('the Python launcher', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-launcher-'));
    await writeFile(path.join(dir, 'main.py'), 'import helper\n\n\ndef hello(request):\n    return helper.word()\n');
    await writeFile(path.join(dir, 'helper.py'), 'def word():\n    return "hi"\n');
    await writeFile(path.join(dir, 'broken.py'), 'import helper\n\nraise ValueError("bad config")\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--check loads the source and finds the target, or names file and line of what went wrong', async () => {
    expect(await launcher(dir, ['--check', '--framework', 'google', '--target', 'hello', '--source', 'main.py'])).toEqual({ code: 0, out: '' });
    const missing = await launcher(dir, ['--check', '--framework', 'google', '--target', 'nope', '--source', 'main.py']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('main.py:1: no function named nope');
    const raised = await launcher(dir, ['--check', '--framework', 'google', '--target', 'hello', '--source', 'broken.py']);
    expect(raised.code).toBe(1);
    expect(raised.out.trim()).toBe(`${path.join(await realpath(dir), 'broken.py')}:3: ValueError: bad config`);
  });

  it('gives OpenFunction\'s framework the v1beta2 triggers and outputs with FUNC_CONTEXT\'s port, and leaves a context with triggers alone', async () => {
    const v1 = JSON.stringify({ name: 'f', version: 'v1', runtime: 'Async', port: '8080', inputs: { cron: { componentName: 'cron', componentType: 'bindings.cron' } } });
    const v2 = JSON.stringify({ name: 'f', version: 'v1', triggers: { dapr: [{ name: 'cron', type: 'bindings.cron' }] }, outputs: { sink: { componentName: 'sink', componentType: 'bindings.http', operation: 'post' } } });
    const merged = JSON.parse(JSON.parse(await call('m.openfunction_context()', { FUNC_CONTEXT: v1, FUNC_CONTEXT_V1BETA2: v2 }))) as Record<string, unknown>;
    expect(merged).toEqual({ ...JSON.parse(v2), port: '8080', runtime: 'Async' });
    expect(await call('m.openfunction_context()', { FUNC_CONTEXT: v2, FUNC_CONTEXT_V1BETA2: v2 })).toBe('null');
    expect(await call('m.serving_port(m.parse_args(["--framework", "openfunction", "--target", "t"]))', { FUNC_CONTEXT: v1 })).toBe('8080');
    expect(await call('m.serving_port(m.parse_args(["--framework", "google", "--target", "t"]))', { PORT: '9123' })).toBe('9123');
  });
});

