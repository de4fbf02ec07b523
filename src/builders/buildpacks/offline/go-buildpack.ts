/**
 * ofn-local's Go functions buildpack (Buildpack API 0.8), following OpenFunction's Go build contract
 * with the same main-module generation as ofn-local's fast Go builder (src/builders/go): opts in when
 * FUNC_NAME is set and the app has go.mod or .go files; the function's module becomes a dependency of a
 * generated main module (declarative or FUNC_NAME template), built with CGO_ENABLED=0 and
 * FUNC_GOGCFLAGS/FUNC_GOLDFLAGS; FUNC_GOPROXY becomes GOPROXY; FUNC_CLEAR_SOURCE=true removes the
 * sources from the image. The module cache, the build cache and the main module (its go.sum) are cache
 * layers, so a rebuild after a one-line change downloads nothing and compiles only what changed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { frameworkVersionFromEnv, goBuildArgs, goToolEnv, parseGoBuildErrors } from '../../go/build-plan.js';
import { detectGoFunction, goFilesToRead, looksLikeGo } from '../../go/detect.js';
import { checkFuncName, frameworkVersionForBuilder, generateGoMain } from '../../go/generate-main.js';
import { DETECT_FAIL, DETECT_PASS, failBuild, layerDir, readPlatformEnv, writeLaunchEnv, writeLaunchToml, writeLayerToml } from './cnb-io.js';

export const GO_BUILDPACK_ID = 'io.ofn-local.go';
/** The binary in the launch layer. */
const BINARY = 'function';

/** Files below `dir` (skipping VCS data and installed dependencies), relative with `/`. */
function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules' && e.name !== '.ofn-local') out.push(...listFiles(dir, r));
    } else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

export function detect(platformDir: string): number {
  const env = readPlatformEnv(platformDir);
  if (!looksLikeGo(listFiles(process.cwd()))) {
    console.log('no go.mod or .go files: not a Go function');
    return DETECT_FAIL;
  }
  if (!env.FUNC_NAME) {
    console.log('FUNC_NAME is not set: a Go function build needs it (spec.build.env.FUNC_NAME)');
    return DETECT_FAIL;
  }
  return DETECT_PASS;
}

export function build(layersDir: string, platformDir: string): void {
  const buildEnv = readPlatformEnv(platformDir);
  const app = process.cwd();
  const files = listFiles(app);
  const texts = new Map<string, string>();
  for (const rel of goFilesToRead(files)) texts.set(rel, readFileSync(path.join(app, rel), 'utf8'));
  let main: ReturnType<typeof generateGoMain>;
  try {
    const info = detectGoFunction({ dir: app, files, read: (rel) => texts.get(rel) });
    checkFuncName(buildEnv.FUNC_NAME, { declarative: info.declarative, packageName: info.packageName, sources: info.goFiles.map((f) => texts.get(f) ?? '') });
    for (const r of info.ignoredReplaces) console.log(`go.mod: replace ${r.path} => ${r.target} is ignored when the function is built as a dependency`);
    main = generateGoMain({
      module: info.module,
      goVersion: info.goVersion,
      declarative: info.declarative,
      funcName: buildEnv.FUNC_NAME,
      plugins: info.plugins,
      userFrameworkVersion: info.frameworkVersion,
      frameworkVersion: frameworkVersionFromEnv(buildEnv) ?? frameworkVersionForBuilder(undefined),
      sourceDir: app,
    });
    console.log(`ofn-local Go buildpack: ${info.module}, ${main.template} main.go, functions-framework-go ${main.frameworkVersion}`);
  } catch (err) {
    return failBuild(GO_BUILDPACK_ID, (err as Error).message);
  }

  // Cache layers: kept across builds by the platform's cache, never in the image.
  const modCache = layerDir(layersDir, 'go_mod_cache', true);
  writeLayerToml(layersDir, 'go_mod_cache', { cache: true }, {});
  const buildCache = layerDir(layersDir, 'go_build_cache', true);
  writeLayerToml(layersDir, 'go_build_cache', { cache: true }, {});
  const mainDir = layerDir(layersDir, 'go_main_module', true);
  writeLayerToml(layersDir, 'go_main_module', { cache: true }, {});
  for (const [name, text] of Object.entries(main.files)) {
    // Rewritten only when the generated text changed: `-mod=mod` adds the resolved requirements to go.mod.
    const file = path.join(mainDir, name);
    const generated = `${file}.generated`;
    if (!existsSync(generated) || readFileSync(generated, 'utf8') !== text || !existsSync(file)) {
      writeFileSync(file, text);
      writeFileSync(generated, text);
    }
  }

  const bin = layerDir(layersDir, 'go_function', false);
  writeLayerToml(layersDir, 'go_function', { launch: true }, {});
  const gopath = path.join(layersDir, 'go_path_tmp');
  mkdirSync(gopath, { recursive: true });
  const env = {
    ...goToolEnv({ buildEnv, hostEnv: process.env, modCache, buildCache }),
    GOPATH: gopath,
    GOTOOLCHAIN: 'local',
    PATH: `/usr/local/go/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? gopath,
  };
  const args = goBuildArgs(buildEnv, path.join(bin, BINARY));
  console.log(`go ${args.join(' ')}`);
  try {
    execFileSync('go', args, { cwd: mainDir, env, stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const output = String((err as { stderr?: Buffer }).stderr ?? '');
    process.stderr.write(output);
    const first = parseGoBuildErrors(output, { mainDir, sourceDir: app })[0];
    if (first) {
      failBuild(GO_BUILDPACK_ID, first.inGeneratedMain ? `the generated main.go:${first.line}: ${first.message} (FUNC_NAME must name an exported function of the package)` : `${first.file}:${first.line}${first.column ? `:${first.column}` : ''}: ${first.message}`);
    }
    failBuild(GO_BUILDPACK_ID, `go build failed: ${output.trim().split('\n').slice(-3).join(' | ') || (err as Error).message}`);
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }

  if (buildEnv.FUNC_CLEAR_SOURCE === 'true') {
    console.log('FUNC_CLEAR_SOURCE: removing the sources from the image');
    for (const entry of readdirSync(app)) rmSync(path.join(app, entry), { recursive: true, force: true });
  }
  writeLaunchEnv(bin, { PORT: '8080' }, 'default');
  writeLaunchToml(layersDir, [{ type: 'web', command: path.join(bin, BINARY), args: [], default: true }]);
}
