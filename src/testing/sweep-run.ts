/**
 * The end of a test run: everything a daemon of the run registered (shared/run-registry.ts) and did
 * not take off again was left by a test that timed out, a hook that gave up or a worker that was
 * killed. It is ended here, whatever state the test is in: a daemon process still running gets
 * SIGTERM (it stops as on Ctrl-C, removing what it started) and SIGKILL if it does not; then the
 * host processes recorded under its state folder, its containers and networks (by project label)
 * and its own container (the Testcontainers module) go, and a session's state folder with them.
 *
 * Meant for a test runner's global teardown (our vitest.config.ts uses it):
 *
 *     export default async function setup() {
 *       const run = await startRun();
 *       return async () => void (await run.sweep());
 *     }
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { daemonFile, readDaemonInfo, removeDaemonInfo } from '../daemon/daemon-file.js';
import { sweepState } from '../daemon/folder-sweep.js';
import { connectEngine } from '../runtime/docker/engine.js';
import { isRunning } from '../shared/process-identity.js';
import { RUN_DIR_ENV, type RunEntry } from '../shared/run-registry.js';

/** How long a leftover daemon gets to stop by itself after SIGTERM. */
const DAEMON_GRACE_MS = 30_000;

export interface Run {
  dir: string;
  /** Ends what the run's daemons left; resolves with one line per thing ended. */
  sweep(): Promise<string[]>;
}

/**
 * Starts a run: a registry folder named in OFN_LOCAL_RUN_DIR (inherited by test workers and every
 * ofn-local they start) and, unless `owner` is false, OFN_LOCAL_OWNER_PID set to this process, so
 * a daemon started with `up --detach` also stops by itself should this process be killed.
 */
export async function startRun(opts: { owner?: boolean } = {}): Promise<Run> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-run-'));
  process.env[RUN_DIR_ENV] = dir;
  if (opts.owner !== false) process.env.OFN_LOCAL_OWNER_PID = String(process.pid);
  return {
    dir,
    sweep: async () => {
      const swept = await sweepRun(dir);
      await rm(dir, { recursive: true, force: true });
      return swept;
    },
  };
}

/** Ends what the daemons registered in `runDir` left running; one line per thing ended. */
export async function sweepRun(runDir: string): Promise<string[]> {
  const entries: { file: string; entry: RunEntry }[] = [];
  for (const f of await readdir(runDir).catch(() => [] as string[])) {
    const file = path.join(runDir, f);
    const entry = await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as RunEntry)
      .catch(() => undefined);
    if (entry) entries.push({ file, entry });
  }
  if (entries.length === 0) return [];
  const out: string[] = [];
  // Daemons first, all at once: each stops what it started, as on Ctrl-C.
  const live = entries.filter(({ entry }) => entry.pid !== process.pid && isRunning(entry));
  for (const { entry } of live) {
    try {
      process.kill(entry.pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + DAEMON_GRACE_MS;
  while (live.some(({ entry }) => isRunning(entry)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const { entry } of live) {
    const killed = isRunning(entry);
    if (killed) process.kill(entry.pid, 'SIGKILL');
    out.push(`ofn-local (pid ${entry.pid}) for ${entry.root} was still running: ${killed ? 'killed' : 'stopped'}`);
  }
  const docker = await connectEngine(2000).catch(() => undefined);
  for (const { file, entry } of entries) {
    if (entry.container && docker) {
      const removed = await docker
        .getContainer(entry.container)
        .remove({ force: true })
        .then(() => true)
        .catch(() => false);
      if (removed) out.push(`removed the daemon container ${entry.container} of ${entry.root}`);
    }
    const swept = await sweepState(entry.stateDir, entry.projectId, docker ?? 'none');
    for (const p of swept.processes) out.push(`ended ${p.role} ${p.name} (pid ${p.pid}) of ${entry.root}`);
    if (swept.containers) out.push(`removed ${swept.containers} container(s) of ${entry.projectId} (${entry.root})`);
    // A session's state is its own; a folder's daemon.json of a daemon now gone is stale.
    if (entry.stateDir.includes(`${path.sep}sessions${path.sep}`)) await rm(entry.stateDir, { recursive: true, force: true }).catch(() => undefined);
    const info = await readDaemonInfo(daemonFile(entry.root));
    if (info && info.pid === entry.pid && !isRunning(entry)) await removeDaemonInfo(info).catch(() => undefined);
    await rm(file, { force: true });
  }
  return out;
}
