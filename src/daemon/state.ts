import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * The project folder: the first folder given, else the folder of the first file given, else cwd.
 * Its `.ofn-local/` holds the daemon's state (ports, token, journal, builds).
 */
export function projectRoot(inputs: string[], cwd: string): string {
  const first = inputs[0];
  if (!first) return path.resolve(cwd);
  const abs = path.resolve(cwd, first);
  try {
    return statSync(abs).isDirectory() ? abs : path.dirname(abs);
  } catch {
    return path.dirname(abs);
  }
}

/**
 * A short id for labels and names, unique per project folder: two projects never collide, and the
 * same folder always finds its own leftovers.
 */
export function projectId(root: string): string {
  const base = path.basename(root).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'project';
  return `${base}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}
