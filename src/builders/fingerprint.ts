import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Folders that never go into a build: installed dependencies, VCS data, our own state. */
export const IGNORED_DIRS = new Set(['node_modules', '.git', '.ofn-local']);

/** Every file below `dir` that a build copies, relative and sorted (stable across machines). */
export async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) await walk(r);
      } else if (e.isFile()) out.push(r);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * Content hash of a function's source folder plus whatever else shapes the result (framework
 * bundle, base image id, build env). Same inputs, same hash: an unchanged function is not rebuilt.
 */
export async function fingerprint(dir: string, extra: Record<string, string>): Promise<string> {
  const h = createHash('sha256');
  for (const [k, v] of Object.entries(extra).sort(([a], [b]) => a.localeCompare(b))) h.update(`${k}=${v}\0`);
  for (const rel of await sourceFiles(dir)) {
    h.update(`${rel}\0`);
    h.update(await readFile(path.join(dir, rel)));
    h.update('\0');
  }
  return h.digest('hex');
}

export async function fileHash(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
