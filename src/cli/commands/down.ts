import { DaemonClient } from '../../daemon/client.js';
import { pidAlive, removeDaemonInfo } from '../../daemon/daemon-file.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import { connectEngine } from '../../runtime/docker/engine.js';
import { removeProjectResources } from '../../runtime/docker/docker-runtime.js';
import type { CliIo } from '../io.js';
import { findDaemon } from '../find-daemon.js';

/**
 * Stops the project's daemon, then removes anything still carrying the project's label (leftovers
 * of a daemon that crashed). Removes nothing else.
 */
export async function downCommand(opts: { project?: string }, io: CliIo): Promise<number> {
  const info = await findDaemon(io.cwd, opts.project);
  const root = info?.root ?? projectRoot(opts.project ? [opts.project] : [], io.cwd);
  const id = info?.projectId ?? projectId(root);
  if (info) {
    await new DaemonClient(info).shutdown().catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (pidAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (pidAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
    await removeDaemonInfo(info);
    io.stdout.write(`stopped ofn-local for ${root}\n`);
  }
  const docker = await connectEngine(1000).catch(() => undefined);
  const leftovers = docker ? await removeProjectResources(docker, id) : 0;
  if (leftovers > 0) io.stdout.write(`removed ${leftovers} leftover container(s) of ${root}\n`);
  if (!info && leftovers === 0) io.stdout.write(`nothing runs for ${root}\n`);
  return 0;
}
