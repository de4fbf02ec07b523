/**
 * What of a project runs on this machine, read from outside ofn-local: host processes found in
 * /proc (working folder inside the project, or the project's path on their command line) and
 * containers and networks labelled with its folder. For tests of cleanup after crashes.
 */
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LABEL_ROOT } from '../../src/runtime/docker/labels.js';
import { REPO_ROOT } from './temp-project.js';

export interface HostProcess {
  pid: number;
  /** Start time (field 22 of /proc/<pid>/stat): with the pid, one process and not a later one. */
  startTime: string;
  kind: 'framework' | 'sidecar' | 'other';
  cmdline: string;
}

function statOf(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Live (not zombie) processes of the project folder `dir`. */
export async function hostProcesses(dir: string): Promise<HostProcess[]> {
  const out: HostProcess[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const stat = statOf(await readFile(`/proc/${d}/stat`, 'utf8').catch(() => ''));
    if (stat.length < 20 || stat[0] === 'Z') continue;
    const cwd = await readlink(`/proc/${d}/cwd`).catch(() => '');
    const cmdline = (await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (!(cwd === dir || cwd.startsWith(dir + path.sep) || cmdline.includes(dir))) continue;
    const kind = cmdline.includes('ofn-framework') ? 'framework' : cmdline.includes('ofn-sidecar') ? 'sidecar' : 'other';
    out.push({ pid: Number(d), startTime: stat[19]!, kind, cmdline });
  }
  return out;
}

/** Whether that very process (pid and start time) still runs (a zombie does not). */
export async function stillRuns(p: Pick<HostProcess, 'pid' | 'startTime'>): Promise<boolean> {
  const stat = statOf(await readFile(`/proc/${p.pid}/stat`, 'utf8').catch(() => ''));
  return stat.length >= 20 && stat[0] !== 'Z' && stat[19] === p.startTime;
}

/** Containers (any state) and networks labelled with the project folder. */
export async function dockerResources(docker: Docker, dir: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = { label: [`${LABEL_ROOT}=${dir}`] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => c.Names[0]!.replace(/^\//, ''));
  const networks = (await docker.listNetworks({ filters })).map((n) => n.Name);
  return { containers, networks };
}

/**
 * For a test's finally: whatever of the project still runs goes (SIGKILL to its host processes,
 * containers and networks removed), so a failing test leaves nothing behind.
 */
export async function killEverything(dir: string, docker?: Docker): Promise<void> {
  for (const p of await hostProcesses(dir)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (!docker) return;
  const filters = { label: [`${LABEL_ROOT}=${dir}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}

const BIN = path.join(REPO_ROOT, 'bin', 'ofn-local.js');

/** Runs the CLI as a person does; never throws (the exit code is in `code`). */
export async function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd, env, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export { BIN };
