/**
 * The live folder of a compiled function in dev mode (Go): its instances run the restart supervisor,
 * which runs `current`, a symlink to the build that serves. A rebuild is installed by copying its
 * binary under `bin/` and pointing `current` at it; the supervisor restarts the binary on SIGHUP.
 * The folder is bind-mounted at /workspace on Docker, so the symlink is relative.
 *
 *   <dir>/ofn-restart-supervisor.cjs
 *   <dir>/bin/<hash>
 *   <dir>/current -> bin/<hash>
 */
import { chmod, copyFile, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { RESTART_SUPERVISOR_BUNDLE } from '../builders/framework-files.js';

const CURRENT = 'current';
const SUPERVISOR = path.basename(RESTART_SUPERVISOR_BUNDLE);

/** What an instance runs: the supervisor, on the host (process runtime) or in the container (/workspace). */
export function liveBinaryCommand(dir: string, where: 'process' | 'docker'): string[] {
  if (where === 'docker') return ['node', `/workspace/${SUPERVISOR}`, `/workspace/${CURRENT}`];
  return [process.execPath, path.join(dir, SUPERVISOR), path.join(dir, CURRENT)];
}

async function currentTarget(dir: string): Promise<string | undefined> {
  return readlink(path.join(dir, CURRENT)).catch(() => undefined);
}

async function pointCurrent(dir: string, target: string): Promise<void> {
  // A new link renamed over the old one: an instance starting meanwhile sees one build or the other.
  const temporary = path.join(dir, `${CURRENT}.${process.pid}.tmp`);
  await rm(temporary, { force: true });
  await symlink(target, temporary);
  await rename(temporary, path.join(dir, CURRENT));
}

/**
 * Installs `binary` (built with content hash `hash`) as the live build and returns how to go back to
 * the previous one. Builds other than the new and the previous are removed.
 */
export async function installLiveBinary(dir: string, binary: string, hash: string): Promise<() => Promise<void>> {
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await copyFile(RESTART_SUPERVISOR_BUNDLE, path.join(dir, SUPERVISOR));
  const target = path.join('bin', hash.slice(0, 16));
  const file = path.join(dir, target);
  const previous = await currentTarget(dir);
  if (previous !== target) {
    const temporary = `${file}.${process.pid}.tmp`;
    await copyFile(binary, temporary);
    await chmod(temporary, 0o755);
    await rename(temporary, file);
  }
  await pointCurrent(dir, target);
  const keep = new Set([target, previous].filter((t): t is string => Boolean(t)).map((t) => path.basename(t)));
  for (const name of await readdir(path.join(dir, 'bin'))) {
    if (!keep.has(name)) await rm(path.join(dir, 'bin', name), { force: true });
  }
  return async () => {
    if (previous && previous !== target) await pointCurrent(dir, previous);
  };
}
