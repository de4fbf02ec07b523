import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sourceFiles } from '../builders/fingerprint.js';
import { DEPENDENCY_FILES } from './classify.js';
import { checkPythonSyntax } from './python-syntax.js';

const run = promisify(execFile);

import type { SyntaxProblem } from './syntax-problem.js';

export type { SyntaxProblem };

/**
 * `node --check` on the changed JavaScript files (and python3's compile on the Python ones): a syntax
 * error is found (with its file and line) before anything reaches a running instance.
 */
export async function checkSyntax(files: string[]): Promise<SyntaxProblem | undefined> {
  const js = files.filter((f) => /\.(c|m)?js$/.test(f));
  const python = checkPythonSyntax(files);
  const results = await Promise.all(
    js.map(async (file) => {
      try {
        await run(process.execPath, ['--check', file]);
        return undefined;
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? err);
        if (/ENOENT|Cannot find module/.test(stderr) && !stderr.includes('SyntaxError')) return undefined; // deleted meanwhile
        const m = stderr.match(/^(.+?):(\d+)\n/m);
        const what = stderr.split('\n').find((l) => /Error:/.test(l))?.trim() ?? 'syntax error';
        return { file: m?.[1] ?? file, line: m ? Number(m[2]) : undefined, message: what };
      }
    }),
  );
  return results.find((r) => r !== undefined) ?? (await python);
}

/**
 * Copies changed source files into the live app folder (removing deleted ones) and returns a way to
 * put the previous versions back, so a reload that fails leaves the last good code for the next
 * cold start too.
 */
export async function syncFiles(srcDir: string, appDir: string, files: string[]): Promise<() => Promise<void>> {
  const undo: (() => Promise<void>)[] = [];
  for (const file of files) {
    const rel = path.relative(srcDir, file);
    const target = path.join(appDir, rel);
    const before = await readFile(target).catch(() => undefined);
    undo.push(() => (before === undefined ? rm(target, { force: true }) : writeFile(target, before)));
    const exists = await readFile(file).then(
      () => true,
      () => false,
    );
    if (exists) {
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, target);
    } else {
      await rm(target, { force: true });
    }
  }
  return async () => {
    for (const u of undo.reverse()) await u();
  };
}

/** Dependency files in the app folder are the builder's (OpenFunction's framework dropped); never mirrored. */
const BUILDER_OWNED = DEPENDENCY_FILES;

/**
 * Makes the app folder's code equal to the source folder's (node_modules and dependency files
 * left alone). Needed because a cached build folder may have been live before and seen edits.
 */
export async function mirrorSource(srcDir: string, appDir: string): Promise<void> {
  const [src, app] = await Promise.all([sourceFiles(srcDir), sourceFiles(appDir)]);
  const want = new Set(src.filter((f) => !BUILDER_OWNED.has(f)));
  for (const rel of app) {
    if (!want.has(rel) && !BUILDER_OWNED.has(rel) && !rel.startsWith('.complete')) await rm(path.join(appDir, rel), { force: true });
  }
  for (const rel of want) {
    const [a, b] = await Promise.all([readFile(path.join(srcDir, rel)), readFile(path.join(appDir, rel)).catch(() => undefined)]);
    if (!b || !a.equals(b)) {
      await mkdir(path.dirname(path.join(appDir, rel)), { recursive: true });
      await writeFile(path.join(appDir, rel), a);
    }
  }
}
