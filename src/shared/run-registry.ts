/**
 * A run registry: when OFN_LOCAL_RUN_DIR names a folder (our test suite's global setup makes one
 * per run), every daemon ofn-local starts (`up`, `up --detach`'s daemon, `exec`, the test API,
 * the Testcontainers module) writes a file there naming itself (pid and start time), its project id
 * (the label on its containers and networks) and its state folder (the host processes it spawned),
 * and removes that file when it stops cleanly. Whatever is still listed once the run is over was
 * left by a test that timed out or a process that was killed: testing/sweep-run.ts ends it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { identify, type ProcessIdentity } from './process-identity.js';

export const RUN_DIR_ENV = 'OFN_LOCAL_RUN_DIR';

export interface RunEntry extends ProcessIdentity {
  /** The project (or session) id: the io.ofn-local.project label of its containers and networks. */
  projectId: string;
  root: string;
  /** Where its host processes are recorded (runtime/process/leftovers.ts). */
  stateDir: string;
  /** A container of its own (the Testcontainers module's daemon). */
  container?: string;
}

/**
 * Lists this process's daemon in the run, when there is one (OFN_LOCAL_RUN_DIR); the returned
 * function takes it off again (call it once everything is stopped).
 */
export function registerInRun(entry: Omit<RunEntry, 'pid' | 'startTime'>, env: Record<string, string | undefined> = process.env): () => void {
  const dir = env[RUN_DIR_ENV];
  if (!dir) return () => undefined;
  const file = path.join(dir, `${entry.projectId}-${process.pid}-${entry.container ?? 'daemon'}`.replace(/[^a-zA-Z0-9_.-]/g, '-') + '.json');
  try {
    writeFileSync(file, JSON.stringify({ ...identify(process.pid), ...entry } satisfies RunEntry));
  } catch {
    return () => undefined; // the run's folder is gone (the run is over): nothing to sweep into
  }
  return () => rmSync(file, { force: true });
}
