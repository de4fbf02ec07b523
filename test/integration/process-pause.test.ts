import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

/** State letter of each process whose working folder is inside `dir` (T = stopped). */
function statesIn(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      out.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      // gone
    }
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('process runtime, --zero pause, with hot reload', () => {
  it('freezes the whole instance (supervisor and worker) at zero and thaws it on the next request', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 1500, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'pause', watch: true });
    try {
      const url = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
      expect((await request(url)).body).toBe('hello, world');
      expect(statesIn(dir).length).toBe(2); // the reload supervisor and its worker
      await waitFor(() => daemon.pool('default', 'hello-node')!.state === 'scaled-to-zero', 15_000, 'scale to zero');
      // SIGSTOP is delivered a moment after it is sent: a process may still show R (running) first.
      await waitFor(() => statesIn(dir).join() === 'T,T', 5_000, 'both processes stopped');
      expect((await request(url)).body).toBe('hello, world');
      expect(statesIn(dir).every((s) => s !== 'T')).toBe(true);
    } finally {
      await daemon.stop();
      await cleanup();
    }
  });
});
