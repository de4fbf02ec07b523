/**
 * What dead runs of a project folder left behind, found and ended: the host processes recorded
 * under a state folder (runtime/process/leftovers.ts) and the containers and networks carrying a
 * project label. Used by `down`, by `up` adopting a folder after a crash, and by the test sweep.
 * A session whose process still runs is left alone.
 */
import type Docker from 'dockerode';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { removeProjectResources } from '../runtime/docker/docker-runtime.js';
import { connectEngine } from '../runtime/docker/engine.js';
import { LABEL_PROJECT, LABEL_ROOT } from '../runtime/docker/labels.js';
import { endLeftovers, type SpawnRecord } from '../runtime/process/leftovers.js';
import { isRunning } from '../shared/process-identity.js';

/**
 * The engine a sweep uses: one it is given, `connect` (an engine that answers within a second, else
 * host processes only: `down` and `up` reach Docker through this module, not on their own), or `none`.
 */
export type SweepEngine = Docker | 'connect' | 'none';

async function engineFor(engine: SweepEngine): Promise<Docker | undefined> {
  if (engine === 'none') return undefined;
  if (engine === 'connect') return connectEngine(1000).catch(() => undefined);
  return engine;
}

export interface Swept {
  /** Host processes that were still running. */
  processes: SpawnRecord[];
  /** Containers removed. */
  containers: number;
  /** Sessions (test API, exec) whose process was gone and whose state was removed. */
  sessions: string[];
}

/**
 * One state folder and its project id: the recorded processes whose owner is gone, then (with an
 * engine) every container and network labelled with the id.
 */
export async function sweepState(stateDir: string, projectId: string, engine: SweepEngine): Promise<Omit<Swept, 'sessions'>> {
  const docker = await engineFor(engine);
  const processes = await endLeftovers(stateDir);
  const containers = docker ? await removeProjectResources(docker, projectId) : 0;
  return { processes, containers };
}

/**
 * The folder's own state (call once its daemon is stopped) and every session of it whose process
 * is gone: `.ofn-local/sessions/<s>/` folders and the session ids found on labelled containers and
 * networks of the folder.
 */
export async function sweepFolder(root: string, id: string, engine: SweepEngine = 'connect'): Promise<Swept> {
  const docker = await engineFor(engine);
  const main = await sweepState(path.join(root, '.ofn-local'), id, docker ?? 'none');
  const out: Swept = { processes: [...main.processes], containers: main.containers, sessions: [] };
  const sessionsDir = path.join(root, '.ofn-local', 'sessions');
  const names = new Set(await readdir(sessionsDir).catch(() => [] as string[]));
  if (docker) {
    const filters = { label: [`${LABEL_ROOT}=${root}`] };
    const labelled = [...(await docker.listContainers({ all: true, filters })), ...(await docker.listNetworks({ filters }))];
    for (const x of labelled) {
      const project = x.Labels?.[LABEL_PROJECT];
      if (project?.startsWith(`${id}-`)) names.add(project.slice(id.length + 1));
    }
  }
  for (const name of names) {
    const dir = path.join(sessionsDir, name);
    // Processes carry their owner in the ledger: those of a live session are skipped there.
    out.processes.push(...(await endLeftovers(dir)));
    const owner = await readFile(path.join(dir, 'session.json'), 'utf8')
      .then((t) => (JSON.parse(t) as { pid?: number }).pid)
      .catch(() => undefined);
    if (owner !== undefined && isRunning(owner)) continue;
    if (docker) out.containers += await removeProjectResources(docker, `${id}-${name}`);
    // A folder without session.json may be a session starting right now: only its labels go.
    if (owner !== undefined) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      out.sessions.push(name);
    }
  }
  return out;
}
