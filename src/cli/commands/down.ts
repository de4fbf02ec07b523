import { DaemonClient } from '../../daemon/client.js';
import { daemonAlive, daemonFile, readDaemonInfo, removeDaemonInfo } from '../../daemon/daemon-file.js';
import { sweepFolder } from '../../daemon/folder-sweep.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import type { CliIo } from '../io.js';
import { findDaemon } from '../find-daemon.js';

/**
 * Stops the project's daemon, then ends what dead runs of the folder left: host processes recorded
 * under its state folders, and anything carrying its label or the label of a session (test API,
 * exec) whose process is gone. Removes nothing else; a session that still runs is left alone.
 */
export async function downCommand(opts: { project?: string }, io: CliIo): Promise<number> {
  const info = await findDaemon(io.cwd, opts.project);
  const root = info?.root ?? projectRoot(opts.project ? [opts.project] : [], io.cwd);
  const id = info?.projectId ?? projectId(root);
  let crashed = false;
  if (info) {
    await new DaemonClient(info).stop().catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (daemonAlive(info) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (daemonAlive(info) && !killGroup(info.pid, 'SIGKILL')) process.kill(info.pid, 'SIGKILL');
    // Whatever of its process group is still there (a detached daemon leads one) goes too.
    killGroup(info.pid, 'SIGTERM');
    await removeDaemonInfo(info);
    io.stdout.write(`stopped ofn-local for ${root}\n`);
  } else {
    // A daemon that died: its host processes may live on in its process group (a detached daemon
    // leads one); the ledger below finds them too. Then the stale state file is forgotten.
    const stale = await readDaemonInfo(daemonFile(root));
    if (stale && !daemonAlive(stale)) {
      crashed = killGroup(stale.pid, 'SIGTERM');
      await removeDaemonInfo(stale);
    }
  }
  const swept = await sweepFolder(root, id);
  if (crashed || (!info && swept.processes.length > 0)) {
    io.stdout.write(`stopped the processes left by a crashed ofn-local for ${root}${swept.processes.length ? ` (${describe(swept.processes)})` : ''}\n`);
  }
  if (swept.containers > 0) io.stdout.write(`removed ${swept.containers} leftover container(s) of ${root}\n`);
  if (!info && !crashed && swept.containers === 0 && swept.processes.length === 0) io.stdout.write(`nothing runs for ${root}\n`);
  return 0;
}

function describe(processes: { role: string; name: string; pid: number }[]): string {
  return processes.map((p) => `${p.role} ${p.name}, pid ${p.pid}`).join('; ');
}

/** Signals a process group; true when there was one. */
function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
