/**
 * Which process a pid names, and whether it still runs. A pid alone is not enough: a killed process
 * nobody reaps stays a zombie that signals still reach (a container's init that does not reap), and a
 * pid is reused once its process is gone. So ofn-local records a process with its start time (from
 * /proc on Linux, `ps` elsewhere) and treats a zombie, or a pid that started at another time, as gone.
 *
 * No dependencies beyond node: this file is bundled into the functions framework and the sidecar.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessIdentity {
  pid: number;
  /** When it started (clock ticks since boot on Linux); absent when it could not be read. */
  startTime?: string;
}

const HAS_PROC = process.platform === 'linux' && existsSync('/proc/self/stat');

/** The fields of /proc/<pid>/stat after the command (state, ppid, ...), or undefined when it has none. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (starttime) is the 20th after the command. */
const START_FIELD = 19;

export function startTimeOf(pid: number): string | undefined {
  if (HAS_PROC) return statFields(pid)?.[START_FIELD];
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The process `pid` names now, with its start time. */
export function identify(pid: number): ProcessIdentity {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? { pid } : { pid, startTime };
}

/**
 * Whether the process runs: it exists, is no zombie, and (when a start time was recorded) is the
 * one that started then, not a later process that got its pid.
 */
export function isRunning(p: ProcessIdentity | number): boolean {
  const { pid, startTime } = typeof p === 'number' ? { pid: p, startTime: undefined } : p;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (HAS_PROC) {
    const fields = statFields(pid);
    if (!fields) return false;
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    return startTime === undefined || fields[START_FIELD] === startTime;
  }
  return startTime === undefined || startTimeOf(pid) === startTime;
}

/** Every process below `root` (children, their children...), read from /proc; empty elsewhere. */
export function descendantsOf(root: number): number[] {
  if (!HAS_PROC) return [];
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const d of entries) {
    const ppid = Number(statFields(Number(d))?.[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) (out.push(c), queue.push(c));
  return out;
}

function signal(p: ProcessIdentity, sig: NodeJS.Signals): void {
  if (!isRunning(p)) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    // gone meanwhile
  }
}

/**
 * Ends processes and everything below them: SIGCONT (a process paused at zero cannot act on
 * SIGTERM), SIGTERM, then SIGKILL for whatever still runs after `graceMs`. A pid whose start time
 * no longer matches is left alone. Resolves with the processes that were running.
 */
export async function endProcesses(targets: ProcessIdentity[], graceMs = 5000): Promise<ProcessIdentity[]> {
  const running = targets.filter((t) => isRunning(t));
  const all = new Map<number, ProcessIdentity>();
  for (const t of running) {
    all.set(t.pid, t);
    for (const d of descendantsOf(t.pid)) if (!all.has(d)) all.set(d, identify(d));
  }
  const tree = [...all.values()];
  for (const p of tree) signal(p, 'SIGCONT');
  for (const p of tree) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (tree.some((p) => isRunning(p)) && Date.now() < deadline) await sleep(100);
  for (const p of tree) signal(p, 'SIGKILL');
  return running;
}
