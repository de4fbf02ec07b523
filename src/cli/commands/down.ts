import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DaemonClient } from '../../daemon/client.js';
import { daemonFile, pidAlive, readDaemonInfo, removeDaemonInfo } from '../../daemon/daemon-file.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import { connectEngine } from '../../runtime/docker/engine.js';
import { removeProjectResources } from '../../runtime/docker/docker-runtime.js';
import { LABEL_PROJECT, LABEL_ROOT } from '../../runtime/docker/labels.js';
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
    if (pidAlive(info.pid) && !killGroup(info.pid, 'SIGKILL')) process.kill(info.pid, 'SIGKILL');
    // Whatever of its process group is still there (a detached daemon leads one) goes too.
    killGroup(info.pid, 'SIGTERM');
    await removeDaemonInfo(info);
    io.stdout.write(`stopped ofn-local for ${root}\n`);
  } else {
    // A daemon that died: its host processes (functions, sidecars, services) live on in its
    // process group (a detached daemon leads one). End them, then forget the stale state file.
    const stale = await readDaemonInfo(daemonFile(root));
    if (stale && !pidAlive(stale.pid)) {
      if (killGroup(stale.pid, 'SIGTERM')) io.stdout.write(`stopped the processes left by a crashed ofn-local for ${root}\n`);
      await removeDaemonInfo(stale);
    }
  }
  const docker = await connectEngine(1000).catch(() => undefined);
  let leftovers = docker ? await removeProjectResources(docker, id) : 0;
  if (docker) {
    // Test API sessions of this folder (their own project ids) that a killed test run left.
    const sessions = new Set<string>();
    const filters = { label: [`${LABEL_ROOT}=${root}`] };
    const labelled = [...(await docker.listContainers({ all: true, filters })), ...(await docker.listNetworks({ filters }))];
    for (const x of labelled) {
      const session = x.Labels?.[LABEL_PROJECT];
      if (session && session !== id) sessions.add(session);
    }
    for (const session of sessions) {
      // A test run that is still going keeps its session; one whose process is gone left these.
      const dir = path.join(root, '.ofn-local', 'sessions', session.slice(id.length + 1));
      const owner = (await readFile(path.join(dir, 'session.json'), 'utf8').then((t) => JSON.parse(t) as { pid?: number }).catch(() => undefined))?.pid;
      if (session.startsWith(`${id}-`) && owner && pidAlive(owner)) continue;
      leftovers += await removeProjectResources(docker, session);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  if (leftovers > 0) io.stdout.write(`removed ${leftovers} leftover container(s) of ${root}\n`);
  if (!info && leftovers === 0) io.stdout.write(`nothing runs for ${root}\n`);
  return 0;
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
