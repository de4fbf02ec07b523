/**
 * What host processes a session spawned, recorded under its state folder
 * (`<state>/processes/<pid>.json`: the process with its start time, and the daemon that owns it),
 * so that what a crashed daemon left is found again: the next start of the session (the runtime's
 * prepare()), `ofn-local down`, and the test suite's sweep end it, as the Docker runtime removes
 * containers by their project label. A record goes away when its process exits while its daemon
 * watches; a recorded pid that now names another process (reused) is never signalled.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { endProcesses, identify, isRunning, type ProcessIdentity } from '../../shared/process-identity.js';

export type SpawnRole = 'function' | 'sidecar' | 'service';

export interface SpawnRecord extends ProcessIdentity {
  role: SpawnRole;
  /** The instance or service it serves (`default-hello-1`, `redis`). */
  name: string;
  /** The daemon (or test process) that spawned it. */
  owner: ProcessIdentity;
}

let self: ProcessIdentity | undefined;

export function ledgerDir(stateDir: string): string {
  return path.join(stateDir, 'processes');
}

/**
 * Records a process just spawned. Synchronous, so a daemon killed right after the spawn has
 * recorded it already; the record is removed when the process exits.
 */
export function recordSpawn(stateDir: string, child: ChildProcess, role: SpawnRole, name: string): void {
  const pid = child.pid;
  if (pid === undefined) return; // the spawn failed: nothing runs
  const file = path.join(ledgerDir(stateDir), `${pid}.json`);
  const record: SpawnRecord = { ...identify(pid), role, name, owner: (self ??= identify(process.pid)) };
  try {
    mkdirSync(ledgerDir(stateDir), { recursive: true });
    writeFileSync(file, JSON.stringify(record));
  } catch {
    return; // a state folder that cannot be written: the parent watch is the only guard then
  }
  child.once('exit', () => {
    try {
      unlinkSync(file);
    } catch {
      // removed already (the folder went away)
    }
  });
}

/** The records of a state folder. */
export async function readLedger(stateDir: string): Promise<{ file: string; record: SpawnRecord }[]> {
  const dir = ledgerDir(stateDir);
  const files = await readdir(dir).catch(() => [] as string[]);
  const out: { file: string; record: SpawnRecord }[] = [];
  for (const f of files) {
    if (!f.endsWith('.json')) continue;
    const file = path.join(dir, f);
    const record = await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as SpawnRecord)
      .catch(() => undefined);
    if (record && Number.isInteger(record.pid)) out.push({ file, record });
    else await rm(file, { force: true });
  }
  return out;
}

/**
 * Ends what an earlier daemon of this state folder left running: the recorded processes (and what
 * runs below them) whose owner is gone. Processes of a daemon that still runs, this one included,
 * are left alone. Resolves with the processes that were still running.
 */
export async function endLeftovers(stateDir: string, graceMs = 5000): Promise<SpawnRecord[]> {
  const orphaned: { file: string; record: SpawnRecord }[] = [];
  for (const entry of await readLedger(stateDir)) {
    const { owner } = entry.record;
    if (owner && isRunning(owner)) continue;
    orphaned.push(entry);
  }
  const ended = await endProcesses(orphaned.map((o) => o.record), graceMs);
  await Promise.all(orphaned.map((o) => rm(o.file, { force: true })));
  return orphaned.map((o) => o.record).filter((r) => ended.some((e) => e.pid === r.pid));
}
