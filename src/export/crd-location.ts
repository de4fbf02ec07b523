/**
 * Where the OpenFunction CRDs are read from at run time, in order: `--crds <dir>`, the
 * environment variable OFN_LOCAL_CRDS, then `../shared/crds` beside the ofn-local package. A
 * folder named explicitly must exist; when none is found the schema check is skipped.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportError } from './errors.js';

export const CRDS_ENV = 'OFN_LOCAL_CRDS';

export interface CrdLocation {
  dir: string;
  via: '--crds' | typeof CRDS_ENV | 'beside the package';
}

export const SCHEMA_CHECK_SKIPPED =
  `schema check skipped: no OpenFunction CRDs found; pass --crds <dir> or set ${CRDS_ENV} ` +
  "to a folder holding OpenFunction's config/crd/bases/*.yaml (model rules still checked)";

export interface CrdLocationOptions {
  /** `--crds`, relative to `cwd`. */
  option?: string;
  env?: NodeJS.ProcessEnv;
  cwd: string;
  /** The ofn-local package folder (default: found from this module's location). */
  packageRoot?: string;
}

export async function findCrdDir(opts: CrdLocationOptions): Promise<CrdLocation | undefined> {
  if (opts.option !== undefined) return { dir: await requireFolder(path.resolve(opts.cwd, opts.option), '--crds'), via: '--crds' };
  const fromEnv = (opts.env ?? process.env)[CRDS_ENV];
  if (fromEnv) return { dir: await requireFolder(path.resolve(opts.cwd, fromEnv), CRDS_ENV), via: CRDS_ENV };
  const root = opts.packageRoot ?? (await packageRoot());
  if (!root) return undefined;
  const beside = path.resolve(root, '..', 'shared', 'crds');
  return (await isFolder(beside)) ? { dir: beside, via: 'beside the package' } : undefined;
}

async function requireFolder(dir: string, named: string): Promise<string> {
  if (await isFolder(dir)) return dir;
  throw new ExportError(
    'ERR_CRDS',
    `${named} names ${dir}, which is not a folder`,
    { file: dir },
    "Point it at a folder holding OpenFunction's CRDs (config/crd/bases/*.yaml of the OpenFunction repository).",
  );
}

async function isFolder(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** The nearest folder above this module with ofn-local's package.json. */
async function packageRoot(): Promise<string | undefined> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'ofn-local') return dir;
    } catch {
      // No package.json here: keep going up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
