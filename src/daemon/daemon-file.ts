import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What a running daemon leaves in `<project>/.ofn-local/daemon.json` (mode 0600) for the CLI. */
export interface DaemonInfo {
  pid: number;
  projectId: string;
  root: string;
  controlUrl: string;
  token: string;
  gatewayUrl: string;
  startedAt: string;
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

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed daemon nobody has reaped yet is a zombie: signals reach it, but it is gone.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the signal
  }
}
