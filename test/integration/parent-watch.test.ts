// The host processes the process runtime starts (the functions framework, the sidecar) stop once
// the ofn-local that started them is gone, also when nobody reaps it: a killed daemon whose parent
// is an init that does not reap (many containers, this CI's VM) stays a zombie that signals still
// reach. The bundles are run as the runtime runs them, with OFN_LOCAL_PARENT_PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killTracked, track, unreapedProcess } from '../helpers/unreaped.js';
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
});
