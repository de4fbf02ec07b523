import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CrdSchemas, type ExportedDocument } from '../../../src/export/index.js';
import { REPO_ROOT } from '../../helpers/temp-project.js';

export { REPO_ROOT };

/** OpenFunction's CRDs, beside the repository (never copied into it). */
export const CRDS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'crds');
const HAVE_CRDS = existsSync(CRDS_DIR);
const REQUIRE_CRDS = process.env['OFN_LOCAL_REQUIRE_CRDS'] === '1';

/**
 * `describe` for tests that need the CRDs: skipped (with a message) when ../shared/crds is
 * missing, unless OFN_LOCAL_REQUIRE_CRDS=1 (CI), which runs them so that they fail.
 */
export function describeWithCrds(name: string, body: () => void): void {
  if (HAVE_CRDS || REQUIRE_CRDS) {
    describe(name, body);
    return;
  }
  describe.skip(`${name} (skipped: ${CRDS_DIR} not found; OFN_LOCAL_REQUIRE_CRDS=1 makes this a failure)`, body);
}

/** A test that fails when the CRDs are required (CI) but missing. */
export function requireCrdsWhenAsked(): void {
  it('finds the CRDs when OFN_LOCAL_REQUIRE_CRDS=1', () => {
    if (REQUIRE_CRDS) expect(existsSync(CRDS_DIR), `${CRDS_DIR} must exist when OFN_LOCAL_REQUIRE_CRDS=1`).toBe(true);
  });
}

let loaded: Promise<CrdSchemas> | undefined;
/** The CRD schemas, loaded once per test file. */
export function crdSchemas(): Promise<CrdSchemas> {
  loaded ??= CrdSchemas.load(CRDS_DIR);
  return loaded;
}

/** Every fixture project of the repository: fixtures/*, test/fixtures/projects/*, test/fixtures/model/project, test/fixtures/export/*. */
export function fixtureProjects(): string[] {
  const below = (dir: string) => {
    const abs = path.join(REPO_ROOT, dir);
    if (!existsSync(abs)) return [];
    return readdirSync(abs)
      .filter((name) => statSync(path.join(abs, name)).isDirectory())
      .sort()
      .map((name) => `${dir}/${name}`);
  };
  return [...below('fixtures'), ...below('test/fixtures/projects'), 'test/fixtures/model/project', ...below('test/fixtures/export')];
}

export const REMOTE_URL = 'https://git.example.com/team/shop.git';

export interface Checkout {
  /** The checkout's top folder. */
  top: string;
  /** The commit made. */
  revision: string;
}

const GIT_IDENTITY = ['-c', 'user.name=ofn-local test', '-c', 'user.email=test@ofn-local.invalid', '-c', 'commit.gpgsign=false'];

export function git(cwd: string, ...args: string[]): string {
  const env = { ...process.env };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[name];
  return execFileSync('git', [...GIT_IDENTITY, ...args], { cwd, env, encoding: 'utf8' }).trim();
}

/** Temp folders of one test file, removed after each test (or after all, for `keep: 'file'`). */
export function useTempDirs(keep: 'test' | 'file' = 'test'): () => Promise<string> {
  const made: string[] = [];
  const clean = async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  };
  if (keep === 'test') afterEach(clean);
  else afterAll(clean);
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-export-'));
    made.push(dir);
    return dir;
  };
}

/**
 * A git checkout in `parent` holding copies of repository folders (`{'app': 'fixtures/hello-node'}`)
 * and/or files (`{'x.yaml': 'text'}`), with remote `origin` at `remote` (none for null) and everything committed.
 */
export async function makeCheckout(
  parent: string,
  content: { copy?: Record<string, string>; files?: Record<string, string> },
  remote: string | null = REMOTE_URL,
): Promise<Checkout> {
  const top = path.join(parent, 'repo');
  await mkdir(top, { recursive: true });
  for (const [to, from] of Object.entries(content.copy ?? {})) {
    await cp(path.join(REPO_ROOT, from), path.join(top, to), {
      recursive: true,
      filter: (source) => !source.split(path.sep).some((part) => part === '.ofn-local' || part === 'node_modules'),
    });
  }
  for (const [name, text] of Object.entries(content.files ?? {})) {
    await mkdir(path.dirname(path.join(top, name)), { recursive: true });
    await writeFile(path.join(top, name), text);
  }
  git(top, 'init', '-q', '-b', 'main');
  if (remote) git(top, 'remote', 'add', 'origin', remote);
  git(top, 'add', '-A');
  git(top, 'commit', '-q', '-m', 'fixture');
  return { top, revision: git(top, 'rev-parse', 'HEAD') };
}

/** Makes the commit look pushed: a remote-tracking branch at HEAD. */
export function markPushed(top: string): void {
  git(top, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
}

/** The exported documents as one string, to compare bytes. */
export function bytesOf(documents: ExportedDocument[]): string {
  return documents.map((d) => `# ${d.fileName}\n${d.yaml}`).join('---\n');
}
