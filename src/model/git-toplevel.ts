import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type GitTopLevel =
  | { ok: true; dir: string }
  | { ok: false; reason: 'not-a-checkout' | 'no-git'; message: string };

/** Finds the top folder of the git checkout holding `dir` (`git rev-parse --show-toplevel`). */
export async function gitTopLevel(dir: string): Promise<GitTopLevel> {
  // Variables a git hook or wrapper may have set would point git at another repository.
  const env = { ...process.env };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[name];
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env });
    return { ok: true, dir: stdout.trim() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT' && !e.stderr) {
      return { ok: false, reason: 'no-git', message: 'git is not installed (or not on PATH)' };
    }
    const detail = (e.stderr ?? e.message).trim().split('\n')[0] ?? '';
    return { ok: false, reason: 'not-a-checkout', message: `${dir} is not inside a git checkout (${detail})` };
  }
}

/** One `git rev-parse` per folder during a load. */
export function cachedGitTopLevel(): (dir: string) => Promise<GitTopLevel> {
  const cache = new Map<string, Promise<GitTopLevel>>();
  return (dir) => {
    let result = cache.get(dir);
    if (!result) {
      result = gitTopLevel(dir);
      cache.set(dir, result);
    }
    return result;
  };
}
