import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_PROJECT } from '../../src/runtime/docker/labels.js';
import { hasDocker } from '../helpers/engine.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin', 'ofn-local.js');

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// The CLI as a person uses it: up --detach, status --json, invoke, logs, down.
describe.each((hasDocker ? ['process', 'docker'] : ['process']) as string[])('the CLI (%s runtime)', (runtime) => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempProject('fixtures/hello-node'));
  });
  afterAll(async () => {
    await cli(dir, 'down');
    await cleanup();
  });

  it('up --detach returns once ready and prints the URL', async () => {
    const up = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', runtime);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/default\/hello-node .* http:\/\/localhost:\d+\/default\/hello-node/);
  });

  it('refuses a second up for the same project', async () => {
    const again = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', runtime);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already runs');
  });

  it('status --json lists the function', async () => {
    const st = await cli(dir, 'status', '--json');
    expect(st.code).toBe(0);
    const { functions } = JSON.parse(st.stdout);
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({ name: 'hello-node', namespace: 'default', runtime: 'knative', url: expect.stringMatching(/\/default\/hello-node$/) });
    expect(['ready', 'scaled-to-zero']).toContain(functions[0].state);
  });

  it('invoke prints the answer, also from a parent folder of the project', async () => {
    expect((await cli(dir, 'invoke', 'hello-node')).stdout).toBe('hello, world\n');
    const fromParent = await cli(path.dirname(dir), 'invoke', 'hello-node', '--project', dir, '--path', '/x?name=cli');
    expect(fromParent.stdout).toBe('hello, cli\n');
  });

  it('invoke of an unknown function names the ones there are', async () => {
    const bad = await cli(dir, 'invoke', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('default/hello-node');
  });

  it('logs show the build and the instance output', async () => {
    const logs = await cli(dir, 'logs', 'hello-node');
    expect(logs.stdout).toContain('[build] preparing default/hello-node');
    expect(logs.stdout).toMatch(/serving helloWorld \(http\) on port/);
  });

  it('logs of an unknown function names the ones there are and exits non-zero', async () => {
    const unknown = await cli(dir, 'logs', 'hello');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('no function default/hello in this project (functions: default/hello-node)');
    const otherNamespace = await cli(dir, 'logs', 'hello-node', '-n', 'shop');
    expect(otherNamespace.code).toBe(1);
    expect(otherNamespace.stderr).toContain('ofn-local logs hello-node -n default');
  });

  it('reloads on save (watching is on by default), and logs show a broken save with file and line', async () => {
    const fs = await import('node:fs/promises');
    const file = path.join(dir, 'index.js');
    const good = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, good.replace('hello, ', 'howdy, '));
    await expect.poll(async () => (await cli(dir, 'invoke', 'hello-node')).stdout, { timeout: 20_000 }).toBe('howdy, world\n');
    await fs.writeFile(file, "exports.helloWorld = (req, res) => { res.send('x' \n");
    await expect.poll(async () => (await cli(dir, 'logs', 'hello-node')).stdout, { timeout: 20_000 }).toMatch(/\[reload\] FAILED \(fast path\): index\.js:1: SyntaxError/);
    expect((await cli(dir, 'invoke', 'hello-node')).stdout).toBe('howdy, world\n');
  });

  it('down stops the daemon and leaves no labelled container or network', async () => {
    const down = await cli(dir, 'down');
    expect(down.stdout).toContain('stopped ofn-local');
    expect((await cli(dir, 'status')).code).toBe(1);
    if (runtime === 'docker') {
      const docker = new Docker();
      const all = await docker.listContainers({ all: true, filters: { label: [LABEL_PROJECT] } });
      const mine = all.filter((c) => c.Labels['io.ofn-local.root'] === dir);
      expect(mine).toEqual([]);
    }
  });
});

describe('the CLI with bad input', () => {
  it('up reports a taken port by number', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const net = await import('node:net');
    const srv = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const port = (srv.address() as import('node:net').AddressInfo).port;
    try {
      const up = await cli(dir, 'up', '--port', String(port), '--runtime', 'process');
      expect(up.code).toBe(1);
      expect(up.stderr).toContain(`port ${port} is already in use`);
      expect(up.stderr).toContain('--port');
    } finally {
      srv.close();
      await cleanup();
    }
  });

  it('up reports a broken manifest with file, line and field', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const fs = await import('node:fs/promises');
    const file = path.join(dir, 'function.yaml');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('port: 8080', 'port: "80a"'));
    try {
      const up = await cli(dir, 'up', '--port', '0', '--runtime', 'process');
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(/function\.yaml:\d+.*spec\.serving\.triggers\.http\.port/);
    } finally {
      await cleanup();
    }
  });

  it('export prints the cluster manifest, and export --check names the broken field and exits 1', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const fs = await import('node:fs/promises');
    try {
      const out = await cli(dir, 'export', '--registry', 'registry.example/acme');
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('kind: Function');
      expect(out.stdout).toContain('image: registry.example/acme/hello-node:v1.0.0');
      expect(out.stderr).toContain('warning: ');
      const file = path.join(dir, 'function.yaml');
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('minReplicas: 0', 'minReplicas: -1'));
      const check = await cli(dir, 'export', '--check');
      expect(check.code).toBe(1);
      expect(check.stdout + check.stderr).toMatch(/function\.yaml:\d+.*spec\.serving\.scaleOptions\.minReplicas/);
    } finally {
      await cleanup();
    }
  });

  it('sidecar runs where daprd would go, with daprd flags, and serves the Dapr API', async () => {
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('../../src/runtime/process/process-runtime.js');
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const components = await fs.mkdtemp(path.join(os.tmpdir(), 'ofn-sidecar-cli-'));
    await fs.writeFile(path.join(components, 'state.yaml'), 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: store }\nspec: { type: state.in-memory, version: v1, metadata: [] }\n');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'sidecar', '--app-id', 'by-hand', '--dapr-http-port', String(port), '--dapr-grpc-port', '0', '--resources-path', components], { stdio: 'ignore' });
    try {
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/v1.0/healthz/outbound`).catch(() => undefined))?.status, { timeout: 15_000 }).toBe(204);
      const meta = (await (await fetch(`http://127.0.0.1:${port}/v1.0/metadata`)).json()) as { id: string; components: { name: string }[] };
      expect(meta.id).toBe('by-hand');
      expect(meta.components.map((c) => c.name)).toEqual(['store']);
      await fetch(`http://127.0.0.1:${port}/v1.0/state/store`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"key":"k","value":"v"}]' });
      expect(await (await fetch(`http://127.0.0.1:${port}/v1.0/state/store/k`)).json()).toBe('v');
    } finally {
      child.kill();
      await fs.rm(components, { recursive: true, force: true });
    }
  });

  it('publish goes through the sidecar of the function that subscribes, and names what is missing', async () => {
    const http = await import('node:http');
    const fs = await import('node:fs/promises');
    const received: string[] = [];
    const sink = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => (received.push(`${req.url} ${b}`), res.end('{}')));
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkPort = (sink.address() as import('node:net').AddressInfo).port;
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const manifest = path.join(dir, 'functions.yaml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://127.0.0.1:${sinkPort}`));
    try {
      expect((await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process', '--no-watch')).code).toBe(0);
      const pub = await cli(dir, 'publish', 'orders', 'new-orders', '--data', '{"id":99}');
      expect(pub.stderr).toBe('');
      expect(pub.stdout).toMatch(/published to orders\/new-orders through default-subscriber-\d+/);
      await expect.poll(() => received.find((r) => r.startsWith('/from-subscriber')), { timeout: 20_000 }).toBe('/from-subscriber {"relayed":{"id":99}}');
      const status = await cli(dir, 'status');
      expect(status.stdout).toContain('default/subscriber: Dapr app-id subscriber-default, components: sink (bindings.http), orders (pubsub.in-memory)');
      expect(status.stdout).toMatch(/subscriber +default +async +ready +1 +-\n/);
      const json = JSON.parse((await cli(dir, 'status', '--json')).stdout) as { functions: { name: string; dapr?: unknown }[] };
      expect(json.functions.find((f) => f.name === 'ticker')?.dapr).toEqual({ appId: 'ticker-default', components: [{ name: 'cron', type: 'bindings.cron' }, { name: 'sink', type: 'bindings.http' }] });
      // An async function is invoked through its input binding, as daprd delivers one.
      const viaBinding = await cli(dir, 'invoke', 'ticker', '--data', '{"by":"hand"}');
      expect(viaBinding.stdout).toMatch(/^delivered to input binding cron of default\/ticker \(default-ticker-\d+\): 200/);
      expect(viaBinding.code).toBe(0);
      const asyncInvoke = await cli(dir, 'invoke', 'subscriber');
      expect(asyncInvoke.code).toBe(1);
      expect(asyncInvoke.stderr).toContain('default/subscriber has no input binding to deliver to');
      expect(asyncInvoke.stderr).toContain('it subscribes to orders/new-orders: use ofn-local publish <pubsub> <topic>');
      const missing = await cli(dir, 'publish', 'nope', 't');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no function in namespace default has a pubsub component named nope');
    } finally {
      await cli(dir, 'down');
      await cleanup();
      sink.close();
    }
  });

  it("a killed daemon's function processes stop by themselves (hot reload on, as up runs by default), and down forgets the dead daemon", async () => {
    const fs = await import('node:fs/promises');
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    /** Processes whose working folder is inside the project (the function runs from .ofn-local/build). */
    const processesIn = async () => {
      const pids: number[] = [];
      for (const pid of await fs.readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => '');
        if (cwd.startsWith(dir)) pids.push(Number(pid));
      }
      return pids;
    };
    try {
      expect((await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process')).code).toBe(0);
      expect((await cli(dir, 'invoke', 'hello-node')).stdout).toBe('hello, world\n');
      expect((await processesIn()).length).toBeGreaterThan(0);
      const info = JSON.parse(await fs.readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { pid: number };
      process.kill(info.pid, 'SIGKILL');
      // The framework's dev-mode primary and its worker watch the daemon: nothing serves on.
      await expect.poll(processesIn, { timeout: 15_000, interval: 250 }).toEqual([]);
      expect((await cli(dir, 'status')).code).toBe(1);
      const down = await cli(dir, 'down');
      expect(down.code).toBe(0);
      await expect(fs.access(path.join(dir, '.ofn-local', 'daemon.json'))).rejects.toThrow();
    } finally {
      await cleanup();
    }
  });

  it('exec runs a test command against the started project and exits with its code', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const script = "fetch(process.env.OFN_LOCAL_URL_HELLO_NODE + '?name=ci').then((r) => r.text()).then((t) => { console.log('got ' + t); process.exit(t === 'hello, ci' && process.env.OFN_LOCAL_GATEWAY.startsWith('http://localhost:') ? 0 : 3); })";
    try {
      const ok = await cli(dir, 'exec', '--runtime', 'process', '--', process.execPath, '-e', script);
      expect(ok.stdout).toContain('got hello, ci');
      expect(ok.code).toBe(0);
      const failing = await cli(dir, 'exec', '--runtime', 'process', '--', process.execPath, '-e', 'process.exit(7)');
      expect(failing.code).toBe(7);
      expect(failing.stdout).toContain('exited with 7');
      // Nothing is left running afterwards: the next exec starts from scratch on the same project.
      expect((await cli(dir, 'status')).code).toBe(1);
      const fs = await import('node:fs/promises');
      const file = path.join(dir, 'function.yaml');
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('port: 8080', 'port: "80a"'));
      const broken = await cli(dir, 'exec', '--runtime', 'process', '--', process.execPath, '-e', 'process.exit(0)');
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/function\.yaml:\d+.*spec\.serving\.triggers\.http\.port/);
    } finally {
      await cleanup();
    }
  });
  it('up --ci checks the project starts, or runs a command and exits with its code', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    try {
      const check = await cli(dir, 'up', '--ci', '--runtime', 'process');
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('every function got ready: default/hello-node (knative)');
      const script = "fetch(process.env.OFN_LOCAL_URL_HELLO_NODE).then((r) => r.text()).then((t) => process.exit(t === 'hello, world' ? 0 : 3))";
      expect((await cli(dir, 'up', '--ci', '--runtime', 'process', '--', process.execPath, '-e', script)).code).toBe(0);
      const failing = await cli(dir, 'up', '--ci', '--runtime', 'process', '--', process.execPath, '-e', 'process.exit(5)');
      expect(failing.code).toBe(5);
      expect((await cli(dir, 'status')).code).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('up --ci and up --detach print the manifests\' warnings (nobody reads their log)', async () => {
    const fs = await import('node:fs/promises');
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const manifest = path.join(dir, 'function.yaml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/^spec:\n/m, 'spec:\n  replica: 3\n'));
    try {
      const ci = await cli(dir, 'up', '--ci', '--runtime', 'process');
      expect(ci.code).toBe(0);
      expect(ci.stderr).toMatch(/^warning: function\.yaml:\d+ spec\.replica: unknown field, ignored/m);
      const detached = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process', '--no-watch');
      expect(detached.code).toBe(0);
      expect(detached.stderr).toMatch(/^warning: function\.yaml:\d+ spec\.replica: unknown field, ignored/m);
    } finally {
      await cli(dir, 'down');
      await cleanup();
    }
  });
  it('up --ci and up --detach fail on functions at zero that cannot start, naming each and the framework\'s error', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ofn-local-test-'));
    const fn = (name: string, target: string) =>
      `apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: ${name}\nspec:\n  image: x/${name}:v1\n  build:\n` +
      `    builder: openfunction/builder-node:latest\n    env: {FUNC_NAME: ${target}, FUNC_TYPE: http}\n    srcRepo: {url: ./${name}}\n` +
      '  serving:\n    scaleOptions: {minReplicas: 0}\n    triggers: {http: {port: 8080}}\n';
    const files: Record<string, string> = {
      'functions.yaml': [fn('good', 'hello'), fn('syntax', 'hello'), fn('missing', 'hello'), fn('unexported', 'nope')].join('---\n'),
      'good/index.js': "exports.hello = (req, res) => res.send('hi');\n",
      'syntax/index.js': "exports.hello = (req, res) => { res.send('hi' ;\n",
      // No module at all: package.json names a file that is not there.
      'missing/package.json': '{"name": "missing", "main": "server.js"}\n',
      'unexported/index.js': "exports.hello = (req, res) => res.send('hi');\n",
    };
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    }
    try {
      const ci = await cli(dir, 'up', '--ci', '--runtime', 'process');
      expect(ci.code).toBe(1);
      expect(ci.stdout).not.toContain('every function got ready');
      expect(ci.stderr).not.toMatch(/error: default\/good:/);
      expect(ci.stderr).toMatch(/error: default\/syntax: [^\n]*failed to start[\s\S]*SyntaxError: missing \) after argument list/);
      expect(ci.stderr).toMatch(/error: default\/missing: [^\n]*failed to start[^\n]*\nofn-framework: No loadable function module/);
      expect(ci.stderr).toMatch(/error: default\/unexported: [^\n]*failed to start[\s\S]*ofn-framework: Function 'nope' is not defined/);
      expect(ci.stderr).toContain('the project did not start');

      const detached = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process');
      expect(detached.code).toBe(1);
      expect(detached.stdout).not.toContain('running in the background');
      expect(detached.stderr).toMatch(/error: default\/syntax: [^\n]*failed to start[\s\S]*SyntaxError: missing \) after argument list/);
      expect(detached.stderr).toContain('error: ofn-local did not start');
      // Nothing is left running.
      expect((await cli(dir, 'status')).code).toBe(1);
    } finally {
      await cli(dir, 'down');
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
  it('events: publish an event, follow its hops (plain and --json), and a webhook source on the gateway', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/events-embedded');
    try {
      const up = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process', '--no-watch');
      expect(up.code).toBe(0);
      const published = await cli(dir, 'events', 'publish', 'bell', 'ring', '--data', '{"who":"cli"}');
      expect(published.code).toBe(0);
      const id = /^event (\S+) from default\/bell\.ring/.exec(published.stdout)?.[1];
      expect(id).toBeDefined();
      const json = async () => (await cli(dir, 'events', '--json')).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; stage: string; status: string; target: string });
      await expect.poll(async () => (await json()).filter((h) => h.id === id).map((h) => `${h.stage} ${h.status}`), { timeout: 20_000 }).toEqual(['source ok', 'bus ok', 'trigger ok', 'sink ok']);
      expect((await json()).find((h) => h.id === id && h.stage === 'bus')?.target).toBe('default-bell-ring');
      const plain = await cli(dir, 'events');
      // The sink as the manifest names it (the cluster's address), not the local port it reaches.
      expect(plain.stdout).toMatch(new RegExp(`${id!.slice(0, 8)}  default/bell\\.ring  sink +http://greeter\\.default\\.svc\\.cluster\\.local/rang  ok  \\d+(\\.\\d+)? ms  \\(attempt 1, via default/bell-trigger`));
      const status = JSON.parse((await cli(dir, 'status', '--json')).stdout) as { events?: { eventSource: string; state: string }[] };
      expect(status.events).toEqual([{ namespace: 'default', eventSource: 'bell', kind: 'http', event: 'ring', state: 'webhook' }]);
      // The http source's webhook is on the gateway, at the path its manifest gives.
      const gateway = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { gatewayUrl: string };
      const hook = await fetch(`${gateway.gatewayUrl}/hooks/bell`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"who":"webhook"}' });
      expect(hook.status).toBe(202);
      await expect.poll(async () => (await cli(dir, 'logs', 'greeter')).stdout, { timeout: 20_000 }).toContain('rang at /rang: {"who":"webhook"}');
      // A malformed CloudEvent is refused up front with the reason, structured or binary mode.
      const before = (await json()).length;
      const structured = await fetch(`${gateway.gatewayUrl}/hooks/bell`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: '{"id":"1","data":{}}' });
      expect(structured.status).toBe(400);
      expect(await structured.text()).toContain('the CloudEvent lacks the required attributes specversion, source and type');
      const binary = await fetch(`${gateway.gatewayUrl}/hooks/bell`, { method: 'POST', headers: { 'content-type': 'application/json', 'ce-id': '1', 'ce-type': 'ring' }, body: '{}' });
      expect(binary.status).toBe(400);
      expect(await binary.text()).toContain('this request lacks ce-specversion and ce-source');
      expect((await json()).length).toBe(before);
      // Through the control API (events publish, the test API's emit) too: 400, not 500.
      const control = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { controlUrl: string; token: string };
      const emitted = await fetch(`${control.controlUrl}/v1/events/default/bell/ring`, { method: 'POST', headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/cloudevents+json' }, body: '{"id":"2"}' });
      expect(emitted.status).toBe(400);
      const unknown = await cli(dir, 'events', 'publish', 'bell', 'knock');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('knock');
    } finally {
      await cli(dir, 'down');
      await cleanup();
    }
  });
});

describe.skipIf(!hasDocker)('the CLI with a Deployment beside the functions (docker runtime)', () => {
  it('up runs it (its command replacing the image entrypoint), status lists it, logs show its output, down removes its pod', async () => {
    const fs = await import('node:fs/promises');
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    // A plain web server Deployment on the offline base image: no Dapr, no build.
    const server = "require('http').createServer((q, s) => s.end('web')).listen(9090, () => console.log('web listening'))";
    await fs.writeFile(
      path.join(dir, 'web.yaml'),
      ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: web }', 'spec:', '  replicas: 1', '  template:', '    spec:', '      containers:', '        - name: web', `          image: ${process.env.OFN_LOCAL_BASE_IMAGE ?? 'ofn-local/node-base:bookworm'}`, '          command: [node, -e]', `          args: [${JSON.stringify(server)}]`, '          ports: [{ containerPort: 9090 }]', ''].join('\n'),
    );
    try {
      const up = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'docker', '--no-watch');
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(up.stdout).toMatch(/default\/web {2}ready {2}\(deployment: 1\/1 replicas of .+\)\n/);
      const status = await cli(dir, 'status');
      expect(status.stdout).toMatch(/deployment default\/web \(.+\): ready, 1\/1 replicas\n/);
      const json = JSON.parse((await cli(dir, 'status', '--json')).stdout) as { deployments?: { name: string; state: string; replicas: number }[] };
      expect(json.deployments).toEqual([expect.objectContaining({ name: 'web', state: 'ready', replicas: 1, desiredReplicas: 1 })]);
      const logs = await cli(dir, 'logs', 'web');
      expect(logs.code).toBe(0);
      expect(logs.stdout).toMatch(/\[ofn-local-.*-default-web-\d+\] web listening/);
      expect((await cli(dir, 'down')).code).toBe(0);
      const left = await new Docker().listContainers({ all: true, filters: { label: [`io.ofn-local.root=${dir}`] } });
      expect(left.map((c) => c.Names)).toEqual([]);
    } finally {
      await cli(dir, 'down');
      await cleanup();
    }
  }, 240_000);
});
