import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isRunning } from '../shared/process-identity.js';

/** What a running daemon leaves in `<project>/.ofn-local/daemon.json` (mode 0600) for the CLI. */
export interface DaemonInfo {
  pid: number;
  projectId: string;
  root: string;
  controlUrl: string;
  token: string;
  gatewayUrl: string;
  startedAt: string;
  /** The daemon process's start time (see shared/process-identity), so a reused pid is not taken for it. */
  pidStartTime?: string;
}

export function daemonFile(root: string): string {
  return path.join(root, '.ofn-local', 'daemon.json');
}

/**
 * Running daemons are also listed per user, so `ofn-local status` in a parent folder of the project
 * (e.g. after `ofn-local up fixtures/hello-node`) finds it.
 */
export function indexDir(): string {
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'ofn-local', 'daemons');
}

export async function writeDaemonInfo(info: DaemonInfo): Promise<void> {
  const body = JSON.stringify(info, null, 2);
  await writeFile(daemonFile(info.root), body, { mode: 0o600 });
  await mkdir(indexDir(), { recursive: true });
  await writeFile(path.join(indexDir(), `${info.projectId}.json`), body, { mode: 0o600 });
}

export async function removeDaemonInfo(info: Pick<DaemonInfo, 'root' | 'projectId'>): Promise<void> {
  await rm(daemonFile(info.root), { force: true });
  await rm(path.join(indexDir(), `${info.projectId}.json`), { force: true });
}

export async function readDaemonInfo(file: string): Promise<DaemonInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** Whether the process runs (a zombie nobody reaped does not). */
export function pidAlive(pid: number): boolean {
  return isRunning(pid);
}

/** Whether the daemon a daemon.json describes still runs: its pid, started when it was recorded. */
export function daemonAlive(info: Pick<DaemonInfo, 'pid' | 'pidStartTime'>): boolean {
  return isRunning(info.pidStartTime === undefined ? info.pid : { pid: info.pid, startTime: info.pidStartTime });
}
