/**
 * What git says about the checkout holding a function's code: top folder, the function folder
 * below it, the commit checked out, the remote a cluster would clone, uncommitted changes in the
 * function folder, and whether the commit was pushed. Runs `git` (execFile); never the network.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GitFacts } from './types.js';

const execFileAsync = promisify(execFile);

/** The remote a cluster clones when there are several. */
const PREFERRED_REMOTE = 'origin';

/** `ignore`: a folder whose changes do not count (the export's own output folder). */
export async function readGitFacts(dir: string, ignore?: string): Promise<GitFacts> {
  let topLevel: string;
  try {
    topLevel = await git(dir, ['rev-parse', '--show-toplevel']);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT' && !e.stderr) return { kind: 'none', reason: 'git is not installed (or not on PATH)' };
    return { kind: 'none', reason: `${dir} is not inside a git checkout` };
  }

  const [realTop, realDir] = await Promise.all([realpath(topLevel), realpath(dir)]);
  const subPath = path.relative(realTop, realDir).split(path.sep).join('/');
  const revision = await optional(git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']));
  const remote = await pickRemote(dir);
  const status = await optional(git(dir, ['status', '--porcelain=v1', '--untracked-files=all', '--', '.'], false));
  const ignored = ignore ? await ignoredPrefix(realTop, ignore) : undefined;
  const changes = (status ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => ignored === undefined || !changedPath(line).startsWith(ignored));

  let pushed: boolean | undefined;
  if (revision && remote) {
    const branches = await optional(git(dir, ['branch', '--remotes', '--contains', revision]));
    pushed = branches === undefined ? undefined : branches.split('\n').some((b) => b.trim() !== '');
  }

  return {
    kind: 'checkout',
    topLevel: realTop,
    subPath,
    ...(revision ? { revision } : {}),
    ...(remote ? { remote } : {}),
    changes,
    ...(pushed !== undefined ? { pushed } : {}),
  };
}

/** Git facts of several folders, each looked up once. */
export async function readGitFactsFor(dirs: Iterable<string>, ignore?: string): Promise<Map<string, GitFacts>> {
  const unique = [...new Set(dirs)];
  const facts = await Promise.all(unique.map((dir) => readGitFacts(dir, ignore)));
  return new Map(unique.map((dir, i) => [dir, facts[i] as GitFacts]));
}

/** `ignore` relative to the checkout's top, with a trailing `/` (porcelain paths are relative to the top). */
async function ignoredPrefix(top: string, ignore: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(ignore);
  } catch {
    real = path.resolve(ignore);
  }
  const rel = path.relative(top, real);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : `${rel.split(path.sep).join('/')}/`;
}

/** The path a `git status --porcelain` line is about (the new one of a rename), unquoted. */
function changedPath(line: string): string {
  const rest = line.slice(3);
  const target = rest.includes(' -> ') ? rest.slice(rest.indexOf(' -> ') + 4) : rest;
  if (!target.startsWith('"')) return target;
  try {
    return JSON.parse(target) as string;
  } catch {
    return target.slice(1, -1); // Octal escapes (non-ASCII names): close enough for a prefix test.
  }
}

async function pickRemote(dir: string): Promise<{ name: string; url: string } | undefined> {
  const names = ((await optional(git(dir, ['remote']))) ?? '')
    .split('\n')
    .map((n) => n.trim())
    .filter(Boolean)
    .sort();
  const name = names.includes(PREFERRED_REMOTE) ? PREFERRED_REMOTE : names[0];
  if (!name) return undefined;
  const url = await optional(git(dir, ['remote', 'get-url', name]));
  return url ? { name, url } : undefined;
}

async function git(cwd: string, args: string[], trim = true): Promise<string> {
  // Variables a git hook or wrapper may have set would point git at another repository.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX']) delete env[name];
  const { stdout } = await execFileAsync('git', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  return trim ? stdout.trim() : stdout;
}

async function optional(pending: Promise<string>): Promise<string | undefined> {
  try {
    return await pending;
  } catch {
    return undefined;
  }
}
