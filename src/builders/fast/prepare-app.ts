import { spawn } from 'node:child_process';
import { access, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from '../errors.js';
import { sourceFiles } from '../fingerprint.js';
import { splitLines } from '../../runtime/split-lines.js';
import type { BuildContext } from '../builder.js';

/** OpenFunction's own framework package: not installable offline, and ofn-local provides its role. */
export const OPENFUNCTION_FRAMEWORK_PACKAGE = '@openfunction/functions-framework';

/** Entry files the OpenFunction Node buildpack looks for (package.json `main` first). */
const ENTRY_CANDIDATES = ['index.js', 'index.mjs', 'function.js'];

/** Throws unless `dir` holds a Node function the way OpenFunction's Node buildpack detects one. */
export async function detectNode(dir: string): Promise<void> {
  for (const f of ['package.json', ...ENTRY_CANDIDATES]) {
    if (await exists(path.join(dir, f))) return;
  }
  throw new BuildError(
    'ERR_NOT_NODE',
    `no Node function in ${dir}: expected package.json, index.js, index.mjs or function.js`,
    { file: dir },
    'point spec.build.srcRepo (or the ofn-local.dev/source annotation) at the folder with the function code',
  );
}

/**
 * Copies the source into `appDir`, installs its production dependencies with the host's npm (so the
 * host's registry, proxy and CA settings apply, as for any npm install there), and puts ofn-local's
 * framework shim where OpenFunction's framework package would be.
 */
export async function prepareApp(srcDir: string, appDir: string, shimDir: string, ctx: BuildContext): Promise<void> {
  await rm(appDir, { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  // File by file: the build folder may itself lie inside the source folder (.ofn-local/).
  for (const rel of await sourceFiles(srcDir)) {
    await mkdir(path.dirname(path.join(appDir, rel)), { recursive: true });
    await copyFile(path.join(srcDir, rel), path.join(appDir, rel));
  }
  const pkgFile = path.join(appDir, 'package.json');
  if (await exists(pkgFile)) {
    const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, Record<string, string> | undefined>;
    let dropped = false;
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      if (pkg[field]?.[OPENFUNCTION_FRAMEWORK_PACKAGE]) {
        delete pkg[field]![OPENFUNCTION_FRAMEWORK_PACKAGE];
        dropped = true;
      }
    }
    if (dropped) {
      ctx.log(`${OPENFUNCTION_FRAMEWORK_PACKAGE} is provided by ofn-local; not installed from the registry`);
      await writeFile(pkgFile, JSON.stringify(pkg, null, 2));
      // The lockfile names the package too; npm install below rewrites it from package.json.
    }
    if (Object.keys(pkg.dependencies ?? {}).length > 0 || Object.keys(pkg.optionalDependencies ?? {}).length > 0) {
      await npmInstall(appDir, ctx);
    }
  }
  const target = path.join(appDir, 'node_modules', ...OPENFUNCTION_FRAMEWORK_PACKAGE.split('/'));
  await mkdir(path.dirname(target), { recursive: true });
  await cp(shimDir, target, { recursive: true });
}

async function npmInstall(appDir: string, ctx: BuildContext): Promise<void> {
  ctx.log('npm install --omit=dev');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: appDir,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: ctx.signal,
  });
  const tail: string[] = [];
  const onLine = (line: string) => {
    ctx.log(line);
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  splitLines(child.stdout, onLine);
  splitLines(child.stderr, onLine);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new BuildError(
      'ERR_DEPENDENCIES',
      `npm install failed in ${appDir} (exit ${code}):\n${tail.join('\n')}`,
      { file: path.join(appDir, 'package.json') },
      'fix package.json; behind a proxy, check npm config get registry / proxy / cafile',
    );
  }
}

export async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
