import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker, hasGo } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

// Go functions on functions-framework-go v0.5.0 (fixtures/go-hello), built as OpenFunction's Go
// builder builds them, served on both runtimes; the module cache makes every build after the first
// one on a machine download nothing.

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

/** A third function in the module, answering what its process was given. */
const CONTEXT_GO = `package gohello

import (
	"encoding/json"
	"net/http"
	"os"

	"github.com/OpenFunction/functions-framework-go/functions"
)

func init() {
	functions.HTTP("Context", Context, functions.WithFunctionPath("/context"))
}

// Context answers the environment the platform gave the function.
func Context(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"FUNC_CONTEXT":    os.Getenv("FUNC_CONTEXT"),
		"POD_NAME":        os.Getenv("POD_NAME"),
		"POD_NAMESPACE":   os.Getenv("POD_NAMESPACE"),
		"FUNCTION_TARGET": os.Getenv("FUNCTION_TARGET"),
	})
}
`;

describe.skipIf(!hasGo).each(runtimes)('Go functions (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  const entries: JournalEntry[] = [];
  /** A request by the host-based route, the cluster's default (the Go framework matches paths exactly). */
  const get = (p: string, method = 'GET') => request(`http://127.0.0.1:${daemon.gatewayPort}${p}`, { method, headers: { host: 'go-hello.default.ofn.localhost' } });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempProject('fixtures/go-hello'));
    await writeFile(path.join(dir, 'src', 'context.go'), CONTEXT_GO);
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: true, onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
  }, 600_000);

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  it('serves every function of the module from zero, with path parameters, at the host-based URL', async () => {
    expect(daemon.status().functions[0]).toMatchObject({ name: 'go-hello', state: 'scaled-to-zero', url: `http://go-hello.default.ofn.localhost:${daemon.gatewayPort}/` });
    const hello = await get('/');
    expect(hello).toMatchObject({ status: 200, body: 'hello from Go\n' });
    expect(entries.some((e) => e.type === 'request.completed' && e.fn === 'default/go-hello' && e.cold)).toBe(true);
    expect(JSON.parse((await get('/greet/Ada')).body)).toEqual({ function: 'Greet', greeting: 'hello, Ada' });
    expect(JSON.parse((await get('/greet/Grace', 'POST')).body)).toEqual({ function: 'Greet', greeting: 'hello, Grace' });
    // Exact paths, as on a cluster: the path-based local URL keeps its prefix and finds no route.
    expect((await request(`http://127.0.0.1:${daemon.gatewayPort}/default/go-hello/greet/Ada`)).status).toBe(404);
  });

  it('gives the function FUNC_CONTEXT as the 1.2 controller sets it for Go, and its pod identity', async () => {
    const env = JSON.parse((await get('/context')).body) as Record<string, string>;
    const context = JSON.parse(env.FUNC_CONTEXT!) as Record<string, unknown>;
    // The controller's key order and values; a host process is told its own port there.
    expect(Object.keys(context)).toEqual(['name', 'version', 'runtime', 'port']);
    expect(context).toMatchObject({ name: 'go-hello', version: 'v1.0.0', runtime: 'Knative' });
    expect(context.port).toBe(runtime === 'docker' ? '8080' : String(daemon.pool('default', 'go-hello')!.instances[0]!.instance.address.port));
    expect(env.POD_NAMESPACE).toBe('default');
    expect(env.POD_NAME).toBe(daemon.pool('default', 'go-hello')!.instances[0]!.instance.id);
    // FUNC_NAME stays a build variable: a FUNCTION_TARGET would serve one function only, at /.
    expect(env.FUNCTION_TARGET).toBe('');
  });

  it('rebuilds on save and swaps with no failed request; a compile error keeps the last good build and names file and line', async () => {
    const file = path.join(dir, 'src', 'hello.go');
    const good = await readFile(file, 'utf8');
    let failed = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) if ((await get('/')).status !== 200) failed++;
    })();
    try {
      let from = entries.length;
      const instance = daemon.pool('default', 'go-hello')!.instances[0]!.instance.id;
      await writeFile(file, good.replace('hello from Go', 'hello again from Go'));
      await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished' || e.type === 'reload.failed'), 120_000, 'the rebuild');
      // Restarted in place: the binary changed inside the same instance.
      expect(entries.slice(from).find((e) => e.type === 'reload.finished' || e.type === 'reload.failed')).toMatchObject({ type: 'reload.finished', path: 'fast' });
      expect((await get('/')).body).toBe('hello again from Go\n');
      expect(daemon.pool('default', 'go-hello')!.instances.map((i) => i.instance.id)).toEqual([instance]);

      from = entries.length;
      await writeFile(file, good.replace('fmt.Fprintln(w, "hello from Go")', 'fmt.Fprintln(w, "broken" +)'));
      await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.failed'), 120_000, 'the failed rebuild');
      const failure = entries.slice(from).find((e) => e.type === 'reload.failed');
      expect(failure).toMatchObject({ file: path.join(dir, 'src', 'hello.go') });
      expect(failure?.type === 'reload.failed' && failure.line).toBeGreaterThan(0);
      expect(failure?.type === 'reload.failed' && failure.message).toMatch(/hello\.go:\d+:\d+: syntax error/);
      expect((await get('/')).body).toBe('hello again from Go\n');

      from = entries.length;
      await writeFile(file, good);
      await waitFor(() => entries.slice(from).some((e) => e.type === 'reload.finished'), 120_000, 'the fixed rebuild');
      expect((await get('/')).body).toBe('hello from Go\n');
    } finally {
      stop = true;
      await load;
    }
    expect(failed).toBe(0);
  }, 300_000);

  it('scales to zero and starts again on the next request', async () => {
    await daemon.pool('default', 'go-hello')!.scaleToZero();
    expect(daemon.pool('default', 'go-hello')!.replicas).toBe(0);
    expect((await get('/greet/again')).status).toBe(200);
  });
});

describe.skipIf(!hasGo).each(runtimes)('Go functions through the test API and FUNCTION_TARGET (%s runtime)', (runtime) => {
  it('invokes a Go function and serves only FUNCTION_TARGET at / when serving.params sets it', async () => {
    const { dir, cleanup } = await tempProject('fixtures/go-hello');
    const manifest = path.join(dir, 'function.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('    scaleOptions:', '    params:\n      FUNCTION_TARGET: Greet\n    scaleOptions:'));
    const project = await OfnProject.start(dir, { runtime });
    try {
      const answer = await project.invoke('go-hello');
      expect(answer.status).toBe(200);
      // The framework serves the target at / and drops its own path: no {name} to read.
      expect(answer.json()).toEqual({ function: 'Greet', greeting: 'hello, nobody' });
      expect((await project.invoke('go-hello', undefined, { path: '/greet/Ada' })).status).toBe(404);
    } finally {
      await project.stop();
      await cleanup();
    }
  }, 300_000);
});

/** A plugin in the user's plugins/plugin-stamp folder: its pre-hook stamps every answer. */
const STAMP_PLUGIN = `package stamp

import (
	ofctx "github.com/OpenFunction/functions-framework-go/context"
	"github.com/OpenFunction/functions-framework-go/plugin"
)

// Name is the plugin's name, as the Function's plugins annotation lists it.
const Name = "plugin-stamp"

// Stamp sets X-Stamp on the answer before the function runs.
type Stamp struct{}

// New makes the plugin for the framework's plugin map.
func New() *Stamp { return &Stamp{} }

func (p *Stamp) Name() string        { return Name }
func (p *Stamp) Version() string     { return "v1" }
func (p *Stamp) Init() plugin.Plugin { return p }

func (p *Stamp) ExecPreHook(ctx ofctx.RuntimeContext, plugins map[string]plugin.Plugin) error {
	if req := ctx.GetSyncRequest(); req != nil && req.ResponseWriter != nil {
		req.ResponseWriter.Header().Set("X-Stamp", "pre-hook ran")
	}
	return nil
}

func (p *Stamp) ExecPostHook(ctx ofctx.RuntimeContext, plugins map[string]plugin.Plugin) error { return nil }

func (p *Stamp) Get(fieldName string) (interface{}, bool) { return nil, false }
`;

describe.skipIf(!hasGo)('a Go function with a plugin of its own', () => {
  it('builds plugins/plugin-* into the binary and runs the plugins the annotation lists', async () => {
    const { dir, cleanup } = await tempProject('fixtures/go-hello');
    await mkdir(path.join(dir, 'src', 'plugins', 'plugin-stamp'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'plugins', 'plugin-stamp', 'stamp.go'), STAMP_PLUGIN);
    const manifest = path.join(dir, 'function.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('  name: go-hello\n', '  name: go-hello\n  annotations:\n    plugins: |\n      pre:\n      - plugin-stamp\n'));
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop' });
    try {
      expect(daemon.failures()).toEqual([]);
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/greet/Ada`, { headers: { host: 'go-hello.default.ofn.localhost' } });
      expect(res.status).toBe(200);
      expect(res.headers['x-stamp']).toBe('pre-hook ran');
      expect(JSON.parse(res.body)).toEqual({ greeting: 'hello, Ada', function: 'Greet' });
    } finally {
      await daemon.stop();
      await cleanup();
    }
  }, 300_000);
});

describe.skipIf(!hasGo)('the Go module cache', () => {
  it('builds a project whose dependencies were fetched once with no download at all (FUNC_GOPROXY=off)', async () => {
    // The first build of this file's other tests (or of any project with the same go.sum) filled the
    // module cache; this project's own build state is new, and the proxy is switched off.
    const { dir, cleanup } = await tempProject('fixtures/go-hello');
    const manifest = path.join(dir, 'function.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('      FUNC_CLEAR_SOURCE: "true"', '      FUNC_CLEAR_SOURCE: "true"\n      FUNC_GOPROXY: "off"'));
    await writeFile(path.join(dir, 'src', 'context.go'), CONTEXT_GO);
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop' });
    try {
      expect(daemon.failures()).toEqual([]);
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/context`, { headers: { host: 'go-hello.default.ofn.localhost' } });
      expect(res.status).toBe(200);
    } finally {
      await daemon.stop();
      await cleanup();
    }
  }, 300_000);
});

describe.skipIf(!hasGo)('a Go builder given another language', () => {
  it('names the files a builder expects when the folder holds another language', async () => {
    const { dir, cleanup } = await tempProject('fixtures/go-hello');
    const manifest = path.join(dir, 'function.yaml');
    await mkdir(path.join(dir, 'node'));
    await writeFile(path.join(dir, 'node', 'package.json'), '{"name":"x"}');
    await writeFile(path.join(dir, 'node', 'index.js'), 'exports.hello = (req, res) => res.send("hi");');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('url: "./src"', 'url: "./node"'));
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop' });
    try {
      const failures = daemon.failures().join('\n');
      expect(failures).toMatch(/no Go function in .*node: builder "openfunction\/builder-go:v2\.4\.0-1\.17" expects go\.mod/);
      expect(failures).toContain('use builder openfunction/builder-node');
    } finally {
      await daemon.stop();
      await cleanup();
    }
  });
});
