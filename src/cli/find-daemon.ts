import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ClientError, DaemonClient } from '../daemon/client.js';
import { daemonFile, indexDir, pidAlive, readDaemonInfo, type DaemonInfo } from '../daemon/daemon-file.js';
import { OfnError } from '../errors.js';

/**
 * The daemon for the commands after `up`: the project's `.ofn-local/daemon.json` in `--project` or
 * the current folder or a parent of it; else the one running daemon whose project lies below it.
 */
export async function findDaemon(cwd: string, project?: string): Promise<DaemonInfo | undefined> {
  const start = path.resolve(cwd, project ?? '.');
  for (let dir = start; ; dir = path.dirname(dir)) {
    const info = await readDaemonInfo(daemonFile(dir));
    if (info && pidAlive(info.pid)) return info;
    if (project || path.dirname(dir) === dir) break;
  }
  if (project) return undefined;
  const below: DaemonInfo[] = [];
  const files = await readdir(indexDir()).catch(() => [] as string[]);
  for (const f of files) {
    const info = await readDaemonInfo(path.join(indexDir(), f));
    if (info && pidAlive(info.pid) && (info.root === start || info.root.startsWith(start + path.sep))) below.push(info);
  }
  if (below.length > 1) {
    throw new OfnError('ERR_AMBIGUOUS', `several ofn-local daemons run below ${start}: ${below.map((d) => d.root).join(', ')}`, {}, 'pass --project <dir>');
  }
  return below[0];
}

export async function requireDaemon(cwd: string, project?: string): Promise<DaemonClient> {
  const info = await findDaemon(cwd, project);
  if (!info) {
    throw new ClientError('ERR_DAEMON_UNREACHABLE', `no ofn-local daemon runs for ${path.resolve(cwd, project ?? '.')}`, {}, 'start one with `ofn-local up --detach` (or pass --project <dir>)');
  }
  return new DaemonClient(info);
}
