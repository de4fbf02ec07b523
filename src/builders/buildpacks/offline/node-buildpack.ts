/**
 * ofn-local's Node functions buildpack (Buildpack API 0.8), following OpenFunction's Node build
 * contract: opts in when FUNC_NAME is set and the app looks like Node; refuses FUNC_SRC; the entry
 * file is package.json `main`, else index.js, index.mjs or function.js, and must pass `node --check`;
 * production dependencies are installed into a cached layer keyed by package.json and the lockfile
 * (a code-only change reuses them untouched); ofn-local's functions framework stands in for
 * `@openfunction/functions-framework` in a layer of its own; FUNC_NAME and FUNC_TYPE become
 * FUNCTION_TARGET and FUNCTION_SIGNATURE_TYPE at launch.
 *
 * Run by bin/detect and bin/build through buildpack-main.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DETECT_FAIL,
  DETECT_PASS,
  failBuild,
  layerDir,
  readLayerMetadata,
  readPlatformEnv,
  writeLaunchEnv,
  writeLaunchToml,
  writeLayerToml,
} from './cnb-io.js';

export const NODE_BUILDPACK_ID = 'io.ofn-local.nodejs';
const FRAMEWORK_PACKAGE = '@openfunction/functions-framework';
const ENTRY_CANDIDATES = ['index.js', 'index.mjs', 'function.js'];

function appDir(): string {
  return process.cwd();
}

function readPackage(app: string): Record<string, unknown> | undefined {
  const file = path.join(app, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    return failBuild(NODE_BUILDPACK_ID, `package.json is not valid JSON: ${(err as Error).message}`);
  }
}

export function detect(platformDir: string): number {
  const env = readPlatformEnv(platformDir);
  const app = appDir();
  const node = ['package.json', ...ENTRY_CANDIDATES].some((f) => existsSync(path.join(app, f)));
  if (!node) {
    console.log('no package.json, index.js, index.mjs or function.js: not a Node function');
    return DETECT_FAIL;
  }
  if (!env.FUNC_NAME) {
    console.log('FUNC_NAME is not set: a Node function build needs it (spec.build.env.FUNC_NAME)');
    return DETECT_FAIL;
  }
  return DETECT_PASS;
}

function sha(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

export function build(layersDir: string, platformDir: string): void {
  const env = readPlatformEnv(platformDir);
  const app = appDir();
  const bpDir = process.env.CNB_BUILDPACK_DIR ?? failBuild(NODE_BUILDPACK_ID, 'CNB_BUILDPACK_DIR is not set: run this buildpack through the CNB lifecycle');
  if (env.FUNC_SRC) failBuild(NODE_BUILDPACK_ID, 'FUNC_SRC is not supported by the Node buildpack: the entry file is package.json "main" (or index.js, index.mjs, function.js)');
  const funcName = env.FUNC_NAME;
  if (!funcName) failBuild(NODE_BUILDPACK_ID, 'FUNC_NAME is required (spec.build.env.FUNC_NAME)');
  console.log(`ofn-local Node buildpack: function ${funcName}${env.FUNC_TYPE ? ` (${env.FUNC_TYPE})` : ''}`);

  const pkg = readPackage(app);
  const main = typeof pkg?.main === 'string' ? pkg.main : ENTRY_CANDIDATES.find((f) => existsSync(path.join(app, f)));
  if (!main || !existsSync(path.join(app, main))) {
    failBuild(NODE_BUILDPACK_ID, main ? `package.json "main" names ${main}, which does not exist` : 'no entry file: set package.json "main", or add index.js, index.mjs or function.js');
  }
  const check = spawnSync('node', ['--check', main], { cwd: app, encoding: 'utf8' });
  if (check.status !== 0) failBuild(NODE_BUILDPACK_ID, `node --check ${main} failed:\n${(check.stderr || check.stdout).trim()}`);

  // Dependencies: installed in a cached layer, reused while package.json's dependencies and the lockfile stay the same.
  const deps = { ...((pkg?.dependencies as Record<string, string> | undefined) ?? {}), ...((pkg?.optionalDependencies as Record<string, string> | undefined) ?? {}) };
  if (deps[FRAMEWORK_PACKAGE]) {
    console.log(`${FRAMEWORK_PACKAGE} is provided by ofn-local's framework layer; not installed from the registry`);
    delete deps[FRAMEWORK_PACKAGE];
  }
  rmSync(path.join(app, 'node_modules'), { recursive: true, force: true });
  if (Object.keys(deps).length > 0) {
    const lockFile = path.join(app, 'package-lock.json');
    const lock = existsSync(lockFile) ? readFileSync(lockFile) : Buffer.from('');
    const nodeVersion = process.version;
    const key = sha(JSON.stringify(deps), lock, nodeVersion);
    const previous = readLayerMetadata(layersDir, 'node_modules');
    const reuse = previous?.key === key && existsSync(path.join(layersDir, 'node_modules', 'node_modules'));
    const layer = layerDir(layersDir, 'node_modules', reuse);
    if (reuse) {
      console.log(`reusing the dependencies layer (${Object.keys(deps).length} dependencies unchanged)`);
    } else {
      const npmCache = layerDir(layersDir, 'npm_cache', true);
      writeLayerToml(layersDir, 'npm_cache', { cache: true }, {});
      const installPkg = { ...pkg, dependencies: deps, devDependencies: {} };
      delete (installPkg as Record<string, unknown>).optionalDependencies;
      writeFileSync(path.join(layer, 'package.json'), JSON.stringify(installPkg, null, 2));
      if (lock.length > 0 && !(pkg?.dependencies as Record<string, string> | undefined)?.[FRAMEWORK_PACKAGE]) writeFileSync(path.join(layer, 'package-lock.json'), lock);
      console.log(`npm install (${Object.keys(deps).length} dependencies)`);
      try {
        execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--cache', npmCache], { cwd: layer, stdio: 'inherit', env: { ...process.env, npm_config_update_notifier: 'false' } });
      } catch {
        failBuild(NODE_BUILDPACK_ID, 'npm install failed (its output is above)');
      }
    }
    writeLayerToml(layersDir, 'node_modules', { launch: true, cache: true, build: false }, { key });
    symlinkSync(path.join(layer, 'node_modules'), path.join(app, 'node_modules'));
  }

  // The functions framework: ofn-local's, shipped inside this buildpack.
  const fwSource = path.join(bpDir, 'framework');
  const fwKey = sha(readFileSync(path.join(fwSource, 'ofn-framework.cjs')));
  const fwPrevious = readLayerMetadata(layersDir, 'functions_framework');
  const fwReuse = fwPrevious?.key === fwKey && existsSync(path.join(layersDir, 'functions_framework', 'ofn-framework.cjs'));
  const fw = layerDir(layersDir, 'functions_framework', fwReuse);
  if (!fwReuse) {
    cpSync(path.join(fwSource, 'ofn-framework.cjs'), path.join(fw, 'ofn-framework.cjs'));
    cpSync(path.join(fwSource, 'shim'), path.join(fw, 'node_modules', ...FRAMEWORK_PACKAGE.split('/')), { recursive: true });
  }
  const launch: Record<string, string> = { FUNCTION_TARGET: funcName!, FUNCTION_SOURCE: app, NODE_PATH: path.join(fw, 'node_modules') };
  if (env.FUNC_TYPE) launch.FUNCTION_SIGNATURE_TYPE = env.FUNC_TYPE;
  writeLaunchEnv(fw, launch);
  writeLaunchEnv(fw, { PORT: '8080' }, 'default');
  writeLayerToml(layersDir, 'functions_framework', { launch: true, cache: true, build: false }, { key: fwKey });

  writeLaunchToml(layersDir, [{ type: 'web', command: 'node', args: [path.join(fw, 'ofn-framework.cjs')], default: true }]);
}
