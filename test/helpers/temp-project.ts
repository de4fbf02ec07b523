import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A fresh copy of a fixture project in a temp folder (so each test owns its .ofn-local state). */
export async function tempProject(fixture: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-test-'));
  await cp(path.join(REPO_ROOT, fixture), dir, { recursive: true, filter: (s) => !s.includes('.ofn-local') });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
