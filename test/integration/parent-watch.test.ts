// The host processes the process runtime starts (the functions framework, the sidecar) stop once
// the ofn-local that started them is gone, also when nobody reaps it: a killed daemon whose parent
// is an init that does not reap (many containers, this CI's VM) stays a zombie that signals still
// reach. The bundles are run as the runtime runs them, with OFN_LOCAL_PARENT_PID.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAPRD, REQUIRE_DAPRD } from '../helpers/daprd.js';
import { hasGo } from '../helpers/engine.js';
import { killTracked, track, trackPid, unreapedProcess } from '../helpers/unreaped.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

afterEach(killTracked);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const zombie = (pid: number) => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** A process that is gone (or a zombie, which serves nothing). */
const gonePid = (pid: number) => !existsSync(`/proc/${pid}`) || zombie(pid);

/** The pids of a process's children (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(process.platform !== 'linux')('host processes whose ofn-local is killed and never reaped', () => {
  it('the functions framework and the sidecar stop by themselves', async () => {
    const parent = await unreapedProcess();
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    try {
      const [appPort, httpPort, grpcPort] = await Promise.all([freePort(), freePort(), freePort()]);
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OFN_LOCAL_PARENT_PID: String(parent) };
      const framework = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'framework', 'ofn-framework.cjs')], {
        cwd: dir,
        env: { ...env, PORT: String(appPort), FUNC_CONTEXT: JSON.stringify({ name: 'hello-node', version: 'v1', runtime: 'Knative', port: String(appPort), prePlugins: [], postPlugins: [] }), FUNCTION_TARGET: 'helloWorld', FUNCTION_SIGNATURE_TYPE: 'http' },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      const sidecar = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'sidecar', 'ofn-sidecar.cjs'), '--app-id', 'hello', '--app-port', String(appPort), '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort)], {
        env,
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      track(framework, sidecar);
      await expect.poll(() => listening(appPort), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => listening(httpPort), { timeout: 20_000 }).toBe(true);

      process.kill(parent, 'SIGKILL');
      await expect.poll(() => zombie(parent)).toBe(true);
      // A zombie answers kill(pid, 0): the watch must not take it for a live parent.
      await expect.poll(() => [framework, sidecar].map(exited), { timeout: 30_000, interval: 250 }).toEqual([true, true]);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('in dev mode (hot reload), the framework\'s primary and its worker stop by themselves', async () => {
    const parent = await unreapedProcess();
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    try {
      const appPort = await freePort();
      const framework = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'framework', 'ofn-framework.cjs')], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          OFN_LOCAL_PARENT_PID: String(parent),
          OFN_LOCAL_RELOAD: '1',
          PORT: String(appPort),
          FUNC_CONTEXT: JSON.stringify({ name: 'hello-node', version: 'v1', runtime: 'Knative', port: String(appPort), prePlugins: [], postPlugins: [] }),
          FUNCTION_TARGET: 'helloWorld',
          FUNCTION_SIGNATURE_TYPE: 'http',
        },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      track(framework);
      await expect.poll(() => listening(appPort), { timeout: 20_000 }).toBe(true);
      const workers = childrenOf(framework.pid!);
      expect(workers.length).toBe(1);
      workers.forEach(trackPid);

      process.kill(parent, 'SIGKILL');
      await expect.poll(() => zombie(parent)).toBe(true);
      await expect.poll(() => [exited(framework), ...workers.map(gonePid)], { timeout: 30_000, interval: 250 }).toEqual([true, true]);
      expect(await listening(appPort)).toBe(false);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it.skipIf(!hasGo)('a Go binary, run under the restart supervisor as the process runtime runs it, stops with it', async () => {
    const parent = await unreapedProcess();
    const work = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-parent-watch-go-'));
    try {
      await writeFile(path.join(work, 'go.mod'), 'module example.com/listener\n\ngo 1.20\n');
      await writeFile(
        path.join(work, 'main.go'),
        'package main\n\nimport (\n\t"net/http"\n\t"os"\n)\n\nfunc main() {\n\t_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))\n}\n',
      );
      execFileSync(process.env.OFN_LOCAL_GO ?? 'go', ['build', '-o', 'function', '.'], { cwd: work, env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'ignore' });
      const appPort = await freePort();
      const supervisor = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'framework', 'ofn-restart-supervisor.cjs'), path.join(work, 'function')], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OFN_LOCAL_PARENT_PID: String(parent), PORT: String(appPort) },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      track(supervisor);
      await expect.poll(() => listening(appPort), { timeout: 20_000 }).toBe(true);
      const binaries = childrenOf(supervisor.pid!);
      expect(binaries.length).toBe(1);
      binaries.forEach(trackPid);

      process.kill(parent, 'SIGKILL');
      await expect.poll(() => zombie(parent)).toBe(true);
      await expect.poll(() => [exited(supervisor), ...binaries.map(gonePid)], { timeout: 30_000, interval: 250 }).toEqual([true, true]);
      expect(await listening(appPort)).toBe(false);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(process.platform !== 'linux')('the real daprd on the process runtime, when its ofn-local is killed and never reaped', () => {
  it.skipIf(!DAPRD && !REQUIRE_DAPRD)('stops with the wrapper it runs under (daprd cannot watch ofn-local itself)', async () => {
    expect(DAPRD, 'OFN_LOCAL_REQUIRE_DAPRD=1 needs a daprd (bash docker/daprd/build-daprd.sh)').toBeDefined();
    const parent = await unreapedProcess();
    const resources = await mkdtemp(path.join(os.tmpdir(), 'ofn-daprd-bound-'));
    try {
      const [httpPort, grpcPort, publicPort, internalPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      // As the process runtime starts it: node ofn-parent-bound.cjs <daprd> <daprd's flags>.
      const wrapper = spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'dist', 'framework', 'ofn-parent-bound.cjs'),
          DAPRD!,
          ...['--app-id', 'bound', '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--resources-path', resources],
          ...['--dapr-listen-addresses', '127.0.0.1', '--dapr-public-port', String(publicPort), '--dapr-public-listen-address', '127.0.0.1'],
          ...['--enable-metrics=false', '--dapr-internal-grpc-listen-address', '127.0.0.1', '--dapr-internal-grpc-port', String(internalPort)],
        ],
        { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OFN_LOCAL_PARENT_PID: String(parent) }, stdio: ['ignore', 'ignore', 'ignore'] },
      );
      track(wrapper);
      await expect.poll(() => listening(httpPort), { timeout: 30_000 }).toBe(true);
      const daprd = childrenOf(wrapper.pid!);
      expect(daprd).toHaveLength(1);
      trackPid(daprd[0]!);

      process.kill(parent, 'SIGKILL');
      await expect.poll(() => zombie(parent)).toBe(true);
      await expect.poll(() => exited(wrapper) && gonePid(daprd[0]!), { timeout: 30_000, interval: 250 }).toBe(true);
      expect(await listening(httpPort)).toBe(false);
    } finally {
      await rm(resources, { recursive: true, force: true });
    }
  }, 60_000);

  it('passes a stop on to its program and exits with its code', async () => {
    const wrapper = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'framework', 'ofn-parent-bound.cjs'), process.execPath, '-e', "process.on('SIGTERM', () => process.exit(7)); setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    track(wrapper);
    await new Promise<void>((resolve) => wrapper.stdout!.once('data', () => resolve()));
    const code = new Promise<number | null>((resolve) => wrapper.once('exit', (c) => resolve(c)));
    wrapper.kill('SIGTERM');
    expect(await code).toBe(7);
  }, 30_000);
});
