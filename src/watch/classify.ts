import path from 'node:path';
import { IGNORED_DIRS } from '../builders/fingerprint.js';

/** Files whose change means "reinstall dependencies": the slow path. */
export const DEPENDENCY_FILES = new Set(['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', '.npmrc', 'requirements.txt']);

/** Editors' temporary and backup files (vim swap and its 4913 probe, emacs locks, ~ backups, sed -i). */
export function isIgnored(file: string): boolean {
  const parts = file.split(path.sep);
  if (parts.some((p) => IGNORED_DIRS.has(p))) return true;
  const base = path.basename(file);
  return (
    /\.(swp|swx|swo|tmp)$/.test(base) ||
    base.endsWith('~') ||
    base.startsWith('.#') ||
    base === '4913' ||
    base === '.DS_Store' ||
    /^sed[A-Za-z0-9]{6}$/.test(base) // sed -i's temporary file
  );
}

export function isManifest(file: string): boolean {
  return /\.ya?ml$/.test(file);
}

export interface WatchedFunction {
  key: string;
  sourceDir: string;
  /** A compiled language (Go): every change rebuilds, there is no code to swap in place. */
  compiled?: boolean;
}

export interface Classified {
  /** Some manifest changed: reload the project. */
  manifests: string[];
  /** Per function: code files that changed (fast path). */
  code: Map<string, string[]>;
  /** Functions whose dependencies changed (slow path: reinstall and rebuild). */
  deps: Map<string, string[]>;
}

/**
 * Sorts a batch of changed files (absolute paths) into what they mean for the project. Pure.
 * A YAML file is a manifest wherever it lies; a file inside a function's source folder is its code
 * (or its dependencies); anything else is not ours to react to.
 */
export function classify(files: string[], functions: WatchedFunction[]): Classified {
  const out: Classified = { manifests: [], code: new Map(), deps: new Map() };
  for (const file of new Set(files)) {
    if (isIgnored(file)) continue;
    if (isManifest(file) && !DEPENDENCY_FILES.has(path.basename(file))) {
      out.manifests.push(file);
      continue;
    }
    for (const fn of functions) {
      const rel = path.relative(fn.sourceDir, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const bucket = fn.compiled || DEPENDENCY_FILES.has(rel) ? out.deps : out.code;
      bucket.set(fn.key, [...(bucket.get(fn.key) ?? []), file]);
    }
  }
  // A dependency change rebuilds the whole function, code changes included.
  for (const key of out.deps.keys()) out.code.delete(key);
  return out;
}
