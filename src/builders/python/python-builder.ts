import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedFunction } from '../../model/types.js';
import { LABEL_FUNCTION, LABEL_PROJECT } from '../../runtime/docker/labels.js';
import type { BuildContext, BuildResult, Builder } from '../builder.js';
import { buildImage } from '../docker-image.js';
import { BuildError } from '../errors.js';
import { exists } from '../fast/prepare-app.js';
import { fileHash, sourceFiles } from '../fingerprint.js';
import { imageExists } from '../images.js';
import { resolvePythonBaseImage } from './base-image.js';
import { definesTarget, detectPython, type PythonLaunch } from './detect.js';
import { IMAGE_LAUNCHER_DIR, IMAGE_VENV, renderDepsDockerfile, renderFunctionDockerfile, renderPipEnvFile } from './dockerfiles.js';
import { PythonBuildError } from './errors.js';
import { composeRequirements, hostCaFile, pipBuildArgs, pipFailure, venvKey } from './requirements.js';
import { ensureVenv, hostInterpreter, venvRoot, type HostInterpreter } from './venv.js';
import { createHash } from 'node:crypto';

/** ofn-local's launcher of Python functions (see the file): copied beside every build, into every image. */
export const PYTHON_LAUNCHER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docker', 'python', 'ofn-framework-python.py');
const LAUNCHER_NAME = path.basename(PYTHON_LAUNCHER);
/** Bumped when what this builder makes changes, so older results are not reused. */
const PYTHON_BUILDER_VERSION = '1';
/** Folders of a Python project that are never the function's code (local environments, caches). */
const SKIPPED = /(^|\/)(\.venv|venv|__pycache__|\.mypy_cache|\.pytest_cache)\//;

export interface PythonBuilderOptions {
  /** The `.ofn-local` folder builds are shared in (content-addressed). */
  stateDir: string;
  projectId: string;
  /** Present when instances run in Docker: the builder then also makes images. */
  docker?: Docker;
  /** The user's environment: pip's index, proxy and CA settings (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * ofn-local's Python builder, doing what OpenFunction's Python builder (the GCP Python buildpack)
 * does: a virtual environment with requirements.txt and the functions framework, the code beside
 * it, launched with the build's target, source and signature type. The environment is keyed by the
 * requirements' content (a code edit installs nothing): on the host for the process runtime, as a
 * dependency image for Docker, on which each code version is one thin layer.
 */
export class PythonBuilder implements Builder {
  readonly #o: PythonBuilderOptions;
  #interpreter: Promise<HostInterpreter> | undefined;
  /** Dependency images being built now, by tag. */
  readonly #deps = new Map<string, Promise<void>>();

  constructor(opts: PythonBuilderOptions) {
    this.#o = opts;
  }

  async build(fn: LoadedFunction, ctx: BuildContext): Promise<BuildResult> {
    if (fn.source.kind !== 'local') throw new BuildError('ERR_NO_SOURCE', `${fn.namespace}/${fn.name} has no source to build`, { file: fn.origin.file });
    const srcDir = fn.source.dir;
    const files = (await sourceFiles(srcDir)).filter((f) => !SKIPPED.test(f));
    const requirementsFile = path.join(srcDir, 'requirements.txt');
    const requirements = files.includes('requirements.txt') ? await readFile(requirementsFile, 'utf8') : undefined;
    const launch = detectPython({ dir: srcDir, files, buildEnv: fn.buildEnv, runtime: fn.runtime, manifest: fn.origin.file }, requirements);
    const sourceText = await readFile(path.join(srcDir, launch.source), 'utf8');
    if (!definesTarget(sourceText, launch.target)) {
      throw new PythonBuildError(
        'ERR_PYTHON_TARGET',
        `${path.join(srcDir, launch.source)} defines no function named ${launch.target} (spec.build.env GOOGLE_FUNCTION_TARGET / FUNC_NAME)`,
        { file: path.join(srcDir, launch.source), path: 'spec.build.env.GOOGLE_FUNCTION_TARGET' },
        `define "def ${launch.target}(...)" at the top level of ${launch.source}, or set the target to the function's name`,
      );
    }
    const composed = composeRequirements(requirements, launch.framework);
    if (composed.added.length) ctx.log(`requirements: adding ${composed.added.join(', ')}`);
    const args = launchArgs(launch);
    const { docker } = this.#o;

    // The environment first: its key is part of the build's.
    let command: string[];
    let envKey: string;
    let envCached: boolean;
    let depsImage: string | undefined;
    if (docker) {
      const base = await resolvePythonBaseImage(docker, ctx.log);
      envKey = venvKey(composed.text, base.id);
      depsImage = `ofn-local/python-deps:${envKey.slice(0, 16)}`;
      const pending = this.#deps.get(depsImage);
      if (pending) await pending.catch(() => undefined);
      envCached = await imageExists(docker, depsImage);
      if (!envCached) {
        // Two functions with the same requirements wait for one image build.
        const made = this.#buildDeps(docker, base.ref, depsImage, composed.text, requirementsFile, ctx);
        this.#deps.set(depsImage, made);
        try {
          await made;
        } finally {
          this.#deps.delete(depsImage);
        }
      }
      command = [`${IMAGE_VENV}/bin/python`, `${IMAGE_LAUNCHER_DIR}/${LAUNCHER_NAME}`, ...args];
    } else {
      this.#interpreter ??= hostInterpreter(this.#o.env).catch((err: unknown) => {
        this.#interpreter = undefined;
        throw err;
      });
      const venv = await ensureVenv({ root: venvRoot(this.#o.env), interpreter: await this.#interpreter, requirements: composed.text, requirementsFile, log: ctx.log, env: this.#o.env, signal: ctx.signal });
      envKey = venv.key;
      envCached = venv.cached;
      command = [venv.python];
    }

    const fp = await contentHash(srcDir, files, {
      builder: `python-${PYTHON_BUILDER_VERSION}`,
      launcher: await fileHash(PYTHON_LAUNCHER),
      env: envKey,
      args: JSON.stringify(args),
    });
    const short = fp.slice(0, 12);
    const buildDir = path.join(this.#o.stateDir, 'build', `${fn.namespace}-${fn.name}`, short);
    const appDir = path.join(buildDir, 'app');
    const appReady = await exists(path.join(buildDir, '.complete'));
    if (!appReady) await prepare(srcDir, files, buildDir);
    if (!docker || !depsImage) {
      return { appDir, fingerprint: fp, cached: appReady && envCached, command: [...command, path.join(buildDir, 'ofn', LAUNCHER_NAME), ...args] };
    }
    const image = `ofn-local/${this.#o.projectId}-${fn.namespace}-${fn.name}:${short}`.toLowerCase();
    if (await imageExists(docker, image)) return { appDir, image, fingerprint: fp, cached: appReady && envCached, command };
    await writeFile(path.join(buildDir, 'Dockerfile'), renderFunctionDockerfile(depsImage, LAUNCHER_NAME, command));
    await writeFile(path.join(buildDir, '.dockerignore'), '.complete\napp.*\n');
    ctx.log(`building image ${image} FROM ${depsImage}`);
    await buildImage(docker, buildDir, image, { [LABEL_PROJECT]: this.#o.projectId, [LABEL_FUNCTION]: `${fn.namespace}/${fn.name}` }, ctx.log);
    return { appDir, image, fingerprint: fp, cached: false, command };
  }

  /** The dependency image of one requirements set: pip runs inside it, so the interpreter is the image's. */
  async #buildDeps(docker: Docker, base: string, tag: string, requirements: string, requirementsFile: string, ctx: BuildContext): Promise<void> {
    const dir = path.join(this.#o.stateDir, 'python', 'deps', `${tag.split(':')[1]}.${process.pid}-${randomBytes(4).toString('hex')}`);
    const host = this.#o.env ?? process.env;
    try {
      await mkdir(path.join(dir, 'build'), { recursive: true });
      await writeFile(path.join(dir, 'Dockerfile'), renderDepsDockerfile(base));
      await writeFile(path.join(dir, 'build', 'requirements.txt'), requirements);
      await writeFile(path.join(dir, 'build', 'pip.env'), renderPipEnvFile(pipBuildArgs(host)));
      const ca = hostCaFile(host);
      await writeFile(path.join(dir, 'build', 'extra-ca.pem'), ca ? await readFile(ca).catch(() => '') : '');
      ctx.log(`building ${tag}: pip install -r ${requirementsFile} (and the framework) on ${base}`);
      const lines: string[] = [];
      try {
        await buildImage(docker, dir, tag, { 'io.ofn-local.python-deps': '1' }, (line) => {
          lines.push(line);
          ctx.log(line);
        });
      } catch (err) {
        throw new PythonBuildError(
          'ERR_PYTHON_REQUIREMENTS',
          `pip could not install ${requirementsFile}: ${pipFailure(lines.join('\n') || String(err))}`,
          { file: requirementsFile },
          'fix the requirement named above (a version that exists, a reachable index: PIP_INDEX_URL, HTTPS_PROXY and PIP_CERT are honoured)',
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The launcher's arguments: the build's settings, as the builder's entrypoint gets them. */
export function launchArgs(launch: PythonLaunch): string[] {
  const args = ['--framework', launch.framework, '--target', launch.target, '--source', launch.source];
  if (launch.signatureType && launch.framework === 'google') args.push('--signature-type', launch.signatureType);
  return args;
}

async function contentHash(dir: string, files: readonly string[], extra: Record<string, string>): Promise<string> {
  const h = createHash('sha256');
  for (const [k, v] of Object.entries(extra).sort(([a], [b]) => a.localeCompare(b))) h.update(`${k}=${v}\0`);
  for (const rel of files) {
    h.update(`${rel}\0`);
    h.update(await readFile(path.join(dir, rel)));
    h.update('\0');
  }
  return h.digest('hex');
}

/** The code and the launcher, made aside and renamed in (two daemons may build the same version at once). */
async function prepare(srcDir: string, files: readonly string[], buildDir: string): Promise<void> {
  const scratch = `${buildDir}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    for (const rel of files) {
      await mkdir(path.dirname(path.join(scratch, 'app', rel)), { recursive: true });
      await copyFile(path.join(srcDir, rel), path.join(scratch, 'app', rel));
    }
    await mkdir(path.join(scratch, 'app'), { recursive: true });
    // The function may write beside its code (OpenFunction's framework opens ./function.log), as a
    // buildpack image's user may in /workspace: the folder is writable by the instance's user, also
    // when Docker bind-mounts it in dev mode.
    await chmod(path.join(scratch, 'app'), 0o1777);
    await mkdir(path.join(scratch, 'ofn'), { recursive: true });
    await copyFile(PYTHON_LAUNCHER, path.join(scratch, 'ofn', LAUNCHER_NAME));
    await writeFile(path.join(scratch, '.complete'), new Date().toISOString());
    if (!(await exists(path.join(buildDir, '.complete')))) {
      await rm(buildDir, { recursive: true, force: true });
      await mkdir(path.dirname(buildDir), { recursive: true });
      await rename(scratch, buildDir);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
