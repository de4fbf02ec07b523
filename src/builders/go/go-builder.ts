import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedFunction } from '../../model/types.js';
import { LABEL_FUNCTION, LABEL_PROJECT } from '../../runtime/docker/labels.js';
import type { BaseImage } from '../base-image.js';
import type { BuildContext, BuildResult, Builder } from '../builder.js';
import { buildImage } from '../docker-image.js';
import { BuildError } from '../errors.js';
import { fingerprint, sourceFiles } from '../fingerprint.js';
import { imageExists } from '../images.js';
import { exists } from '../fast/prepare-app.js';
import { RESTART_SUPERVISOR_BUNDLE } from '../framework-files.js';
import { frameworkVersionFromEnv, goBuildArgs, goToolEnv, parseGoBuildErrors } from './build-plan.js';
import { detectGoFunction, goFilesToRead } from './detect.js';
import { GoBuildError } from './errors.js';
import { checkFuncName, frameworkVersionForBuilder, generateGoMain } from './generate-main.js';

/** Name of the binary in a build's app folder and in the image. */
export const GO_BINARY = 'function';
/** Bumped when what this builder makes changes, so older results are not reused. */
const GO_BUILDER_VERSION = '1';

export interface GoBuilderOptions {
  /** The `.ofn-local` folder builds are shared in (content-addressed, under `build/`). */
  stateDir: string;
  /** This session's folder for the generated main modules (kept between builds of a function). */
  mainDir: string;
  projectId: string;
  /** Present when instances run in Docker: the builder then also makes an image. */
  docker?: Docker;
  /** The base image (shared with Node images) when an image is made. */
  baseImage: (ctx: BuildContext) => Promise<BaseImage>;
  /** The `go` command (default: `go` on PATH). */
  go?: string;
  /** The user's environment: GOPROXY, GOPRIVATE, GOFLAGS, netrc, proxies (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * ofn-local's Go builder, doing what OpenFunction's Go buildpack does: the function's module becomes
 * a dependency of a generated main module (main.go from one of the buildpack's two templates, with
 * its plugins), built into a static binary with the host's Go toolchain; on Docker the binary goes
 * into one thin layer on the same base image as Node functions. The main module of a function is
 * kept between builds and the module and build caches are the user's own, so a rebuild after an edit
 * compiles only what changed and downloads nothing.
 */
export class GoBuilder implements Builder {
  readonly #o: GoBuilderOptions;
  #caches: Promise<{ modCache: string; buildCache: string }> | undefined;

  constructor(opts: GoBuilderOptions) {
    this.#o = opts;
  }

  /**
   * `image: false` (dev mode on Docker): the binary only, run from a live folder on the base image,
   * so an edit costs no image build.
   */
  async build(fn: LoadedFunction, ctx: BuildContext, opts: { image?: boolean } = {}): Promise<BuildResult> {
    if (fn.source.kind !== 'local') throw new BuildError('ERR_NO_SOURCE', `${fn.namespace}/${fn.name} has no source to build`, { file: fn.origin.file });
    const srcDir = fn.source.dir;
    const files = await sourceFiles(srcDir);
    const texts = new Map<string, string>();
    for (const rel of goFilesToRead(files)) texts.set(rel, await readFile(path.join(srcDir, rel), 'utf8'));
    const info = detectGoFunction({ dir: srcDir, files, read: (rel) => texts.get(rel) });
    checkFuncName(fn.buildEnv.FUNC_NAME, { declarative: info.declarative, packageName: info.packageName, sources: info.goFiles.map((f) => texts.get(f) ?? '') });
    for (const r of info.ignoredReplaces) ctx.log(`go.mod: replace ${r.path} => ${r.target} is ignored when the function is built as a dependency (on a cluster too)`);
    const main = generateGoMain({
      module: info.module,
      goVersion: info.goVersion,
      declarative: info.declarative,
      funcName: fn.buildEnv.FUNC_NAME,
      plugins: info.plugins,
      userFrameworkVersion: info.frameworkVersion,
      frameworkVersion: frameworkVersionFromEnv(fn.buildEnv) ?? frameworkVersionForBuilder(builderImage(fn)),
      sourceDir: srcDir,
    });

    const { docker, projectId, stateDir } = this.#o;
    const base = docker && opts.image !== false ? await this.#o.baseImage(ctx) : undefined;
    const fp = await fingerprint(srcDir, {
      builder: `go-${GO_BUILDER_VERSION}`,
      main: main.files['main.go'] + main.files['go.mod'],
      buildEnv: JSON.stringify(fn.buildEnv),
      base: base?.id ?? 'host-process',
    });
    const short = fp.slice(0, 12);
    const fnDir = path.join(stateDir, 'build', `${fn.namespace}-${fn.name}`);
    const appDir = path.join(fnDir, short, 'app');
    const binary = path.join(appDir, GO_BINARY);
    const image = `ofn-local/${projectId}-${fn.namespace}-${fn.name}:${short}`.toLowerCase();
    const built = await exists(binary);
    if (!built) await this.#compile(fn, srcDir, path.join(this.#o.mainDir, `${fn.namespace}-${fn.name}`), main.files, appDir, ctx);
    // A host process: the binary runs under the restart supervisor, which stops it when the ofn-local
    // that started it dies (a Go binary cannot watch for that itself; the Node framework does).
    if (!docker || !base) return { appDir, fingerprint: fp, cached: built, command: [process.execPath, RESTART_SUPERVISOR_BUNDLE, binary] };
    if (await imageExists(docker, image)) return { appDir, image, fingerprint: fp, cached: built, command: [`/ofn/${GO_BINARY}`] };
    await writeFile(path.join(appDir, '..', 'Dockerfile'), renderGoDockerfile(base.ref));
    ctx.log(`building image ${image} FROM ${base.ref}`);
    await buildImage(docker, path.join(appDir, '..'), image, { [LABEL_PROJECT]: projectId, [LABEL_FUNCTION]: `${fn.namespace}/${fn.name}` }, ctx.log);
    return { appDir, image, fingerprint: fp, cached: false, command: [`/ofn/${GO_BINARY}`] };
  }

  /** Writes the main module (kept per function, so go.sum and the build cache carry over) and builds the binary into `appDir`. */
  async #compile(fn: LoadedFunction, srcDir: string, mainDir: string, files: Record<string, string>, appDir: string, ctx: BuildContext): Promise<void> {
    await mkdir(mainDir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      // go.mod is rewritten only when it changed: `-mod=mod` adds the resolved requirements to it.
      const file = path.join(mainDir, name);
      const previous = await readFile(`${file}.generated`, 'utf8').catch(() => undefined);
      if (previous !== text) {
        await writeFile(file, text);
        await writeFile(`${file}.generated`, text);
      }
    }
    const env = goToolEnv({ buildEnv: fn.buildEnv, hostEnv: this.#o.env ?? process.env, ...(await this.#goCaches()) });
    const scratch = `${appDir}.${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(scratch, { recursive: true });
    const started = Date.now();
    ctx.log(`go build ${fn.namespace}/${fn.name} from ${srcDir}`);
    try {
      const out = await this.#go(goBuildArgs(fn.buildEnv, path.join(scratch, GO_BINARY)), mainDir, env, ctx.signal);
      for (const line of out.split('\n').filter(Boolean)) ctx.log(line);
      if (!(await exists(appDir))) await rename(scratch, appDir);
    } catch (err) {
      const output = (err as { output?: string }).output ?? '';
      for (const line of output.split('\n').filter(Boolean)) ctx.log(line);
      const compile = parseGoBuildErrors(output, { mainDir, sourceDir: srcDir });
      const first = compile[0];
      if (first) {
        const where = first.inGeneratedMain ? 'spec.build.env.FUNC_NAME' : undefined;
        throw new GoBuildError(
          'ERR_GO_COMPILE',
          `${first.inGeneratedMain ? 'the generated main.go' : first.file}:${first.line}${first.column ? `:${first.column}` : ''}: ${first.message}`,
          { file: first.inGeneratedMain ? fn.origin.file : path.join(srcDir, first.file), line: first.line, ...(where ? { path: where } : {}) },
          first.inGeneratedMain ? 'FUNC_NAME must name an exported function of the package' : undefined,
        );
      }
      const tail = output.trim().split('\n').slice(-5).join('\n');
      throw new GoBuildError('ERR_GO_BUILD', `go build failed for ${fn.namespace}/${fn.name}${tail ? `:\n${tail}` : `: ${(err as Error).message}`}`, { file: fn.origin.file });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    ctx.log(`built ${fn.namespace}/${fn.name} in ${Date.now() - started} ms`);
  }

  /** The user's module and build caches (`go env`), shared by every build and kept across runs. */
  #goCaches(): Promise<{ modCache: string; buildCache: string }> {
    this.#caches ??= this.#go(['env', 'GOMODCACHE', 'GOCACHE'], process.cwd(), { ...(this.#o.env ?? process.env) } as Record<string, string>)
      .then((out) => {
        const [modCache, buildCache] = out.trim().split('\n');
        if (!modCache || !buildCache) throw new Error(`go env printed no caches: ${out}`);
        return { modCache, buildCache };
      })
      .catch((err: unknown) => {
        this.#caches = undefined;
        throw err;
      });
    return this.#caches;
  }

  #go(args: string[], cwd: string, env: Record<string, string>, signal?: AbortSignal): Promise<string> {
    const go = this.#o.go ?? process.env.OFN_LOCAL_GO ?? 'go';
    return new Promise((resolve, reject) => {
      execFile(go, args, { cwd, env, signal, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout + stderr);
          return;
        }
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new GoBuildError('ERR_GO_TOOLCHAIN', `Go functions are built with the Go toolchain, and there is no ${go} on PATH`, {}, 'install Go (https://go.dev/dl; at least the go line of the function\'s go.mod), or set OFN_LOCAL_GO to its path'));
          return;
        }
        reject(Object.assign(err, { output: `${stdout}${stderr}` }));
      });
    });
  }
}

/** `spec.build.builder` as written. */
export function builderImage(fn: LoadedFunction): string | undefined {
  const build = (fn.resource.spec as { build?: { builder?: unknown } } | undefined)?.build;
  return typeof build?.builder === 'string' ? build.builder : undefined;
}

/** The Dockerfile of a Go function: the static binary on the shared base, as the Go builder's run image serves it. */
export function renderGoDockerfile(base: string): string {
  return [`FROM ${base}`, `COPY app/${GO_BINARY} /ofn/${GO_BINARY}`, 'ENV PORT=8080', `CMD ["/ofn/${GO_BINARY}"]`, ''].join('\n');
}
