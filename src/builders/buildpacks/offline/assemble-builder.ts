/**
 * `ofn-local builder build`: assembles ofn-local's offline buildpacks builder on this engine, with no
 * registry: the lifecycle built from the Go module proxy (docker/cnb/build-lifecycle.sh), stack build
 * and run images on the offline Debian base (docker/build-base-image.sh), and ofn-local's Node and Go
 * buildpacks (dist/cnb, bundled by `npm run build`). Does nothing when the builder made from the same
 * inputs is already there.
 */
import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OFFLINE_BASE_IMAGE, BASE_IMAGE_SCRIPT } from '../../base-image.js';
import { buildImage } from '../../docker-image.js';
import { FRAMEWORK_BUNDLE, FRAMEWORK_SHIM_DIR } from '../../framework-files.js';
import { BuildpacksError } from '../errors.js';
import { connectEngine } from '../../../runtime/docker/engine.js';
import {
  LABEL_BUILDER_INPUTS,
  OFFLINE_BUILDER_IMAGE,
  OFFLINE_BUILDPACKS,
  OFFLINE_BUILD_IMAGE,
  OFFLINE_RUN_IMAGE,
  binScript,
  buildImageDockerfile,
  builderDockerfile,
  builderLabels,
  buildpackToml,
  orderToml,
  parseLifecycleToml,
  runImageDockerfile,
  runToml,
  stackToml,
} from './builder-files.js';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const LIFECYCLE_SCRIPT = path.join(PACKAGE_ROOT, 'docker', 'cnb', 'build-lifecycle.sh');
export const BUILDPACKS_BUNDLE = path.join(PACKAGE_ROOT, 'dist', 'cnb', 'ofn-buildpacks.cjs');
/** npm for the build image: Debian bookworm's Node is 18, which npm 10 still runs on. */
export const BUILD_IMAGE_NPM = 'npm@10.9.2';

export interface AssembleOptions {
  /** The engine; connected here when not given (`ofn-local builder build`). */
  docker?: Docker;
  log: (line: string) => void;
  /** Rebuild even when a builder from the same inputs exists. */
  force?: boolean;
  /** The name to tag the builder with (default {@link OFFLINE_BUILDER_IMAGE}). */
  tag?: string;
  /** A lifecycle folder laid out as /cnb/lifecycle, with lifecycle.toml beside it (default: built by the script). */
  lifecycleDir?: string;
  /** The Go toolchain that goes into the build image (default `go env GOROOT`). */
  goRoot?: string;
}

export interface AssembledBuilder {
  image: string;
  runImage: string;
  lifecycleVersion: string;
  /** False when an up-to-date builder was already there. */
  built: boolean;
}

const LABELS = { 'io.ofn-local.builder': 'offline' };

export async function assembleOfflineBuilder(o: AssembleOptions): Promise<AssembledBuilder> {
  const docker = o.docker ?? (await connectEngine());
  const tag = o.tag ?? OFFLINE_BUILDER_IMAGE;
  const base = await docker.getImage(OFFLINE_BASE_IMAGE).inspect().catch(() => undefined);
  if (!base) {
    throw new BuildpacksError('ERR_OFFLINE_BUILDER', `the offline builder is made on the offline base image ${OFFLINE_BASE_IMAGE}, which this engine does not have`, {}, `build it first: sudo bash ${BASE_IMAGE_SCRIPT}`);
  }
  const bundle = await readFile(BUILDPACKS_BUNDLE).catch(() => {
    throw new BuildpacksError('ERR_OFFLINE_BUILDER', `ofn-local's buildpacks are not built (${BUILDPACKS_BUNDLE} is missing)`, {}, 'run npm run build');
  });
  const lifecycleDir = o.lifecycleDir ?? (await run('bash', [LIFECYCLE_SCRIPT], o.log)).trim().split('\n').pop()!;
  const lifecycle = parseLifecycleToml(await readFile(path.join(lifecycleDir, '..', 'lifecycle.toml'), 'utf8'));
  const goRoot = o.goRoot ?? (await run(goCommand(), ['env', 'GOROOT'], o.log)).trim();
  const goVersion = (await readFile(path.join(goRoot, 'VERSION'), 'utf8')).split('\n')[0]!;
  const extraCa = await readExtraCa();

  const inputs = createHash('sha256');
  for (const part of [base.Id, bundle, await readFile(FRAMEWORK_BUNDLE), lifecycle.version, goVersion, BUILD_IMAGE_NPM, extraCa ?? '', buildImageDockerfile(OFFLINE_BASE_IMAGE), runImageDockerfile(OFFLINE_BASE_IMAGE), builderDockerfile(), orderToml()]) {
    inputs.update(part).update('\0');
  }
  const digest = inputs.digest('hex').slice(0, 16);
  const existing = await docker.getImage(tag).inspect().catch(() => undefined);
  if (!o.force && existing?.Config?.Labels?.[LABEL_BUILDER_INPUTS] === digest) {
    o.log(`builder ${tag} is up to date (lifecycle ${lifecycle.version}, ${goVersion})`);
    return { image: tag, runImage: OFFLINE_RUN_IMAGE, lifecycleVersion: lifecycle.version, built: false };
  }

  const work = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-builder-'));
  try {
    const stackLabels = { ...LABELS, 'io.buildpacks.stack.id': builderLabels(lifecycle)['io.buildpacks.stack.id']!, [LABEL_BUILDER_INPUTS]: digest };
    // Build image: symlinks to the toolchain and npm, packed dereferenced (no copy of 270 MB on disk).
    const buildCtx = path.join(work, 'build');
    await mkdir(path.join(buildCtx, 'ca'), { recursive: true });
    if (extraCa) await writeFile(path.join(buildCtx, 'ca', 'extra-ca.pem'), extraCa);
    await symlink(goRoot, path.join(buildCtx, 'go'));
    await symlink(await npmPackage(o.log), path.join(buildCtx, 'npm'));
    await writeFile(path.join(buildCtx, 'Dockerfile'), buildImageDockerfile(OFFLINE_BASE_IMAGE));
    o.log(`building the stack build image ${OFFLINE_BUILD_IMAGE} (${goVersion}, ${BUILD_IMAGE_NPM})`);
    await buildImage(docker, buildCtx, OFFLINE_BUILD_IMAGE, stackLabels, o.log, {
      dereference: true,
      ignore: (name) => /\/go\/(test|api|doc|misc|\.git)(\/|$)/.test(name.split(path.sep).join('/')),
    });

    const runCtx = path.join(work, 'run');
    await mkdir(path.join(runCtx, 'ca'), { recursive: true });
    if (extraCa) await writeFile(path.join(runCtx, 'ca', 'extra-ca.pem'), extraCa);
    await writeFile(path.join(runCtx, 'Dockerfile'), runImageDockerfile(OFFLINE_BASE_IMAGE));
    o.log(`building the stack run image ${OFFLINE_RUN_IMAGE}`);
    await buildImage(docker, runCtx, OFFLINE_RUN_IMAGE, stackLabels, o.log);

    const ctx = path.join(work, 'builder');
    await cp(lifecycleDir, path.join(ctx, 'lifecycle'), { recursive: true, verbatimSymlinks: true });
    for (const bp of OFFLINE_BUILDPACKS) {
      const dir = path.join(ctx, 'buildpacks', bp.id, bp.version);
      await mkdir(path.join(dir, 'bin'), { recursive: true });
      await mkdir(path.join(dir, 'lib'), { recursive: true });
      await writeFile(path.join(dir, 'buildpack.toml'), buildpackToml(bp));
      for (const phase of ['detect', 'build'] as const) {
        await writeFile(path.join(dir, 'bin', phase), binScript(bp, phase));
        await chmod(path.join(dir, 'bin', phase), 0o755);
      }
      await writeFile(path.join(dir, 'lib', 'ofn-buildpacks.cjs'), bundle);
      if (bp.framework) {
        await mkdir(path.join(dir, 'framework'), { recursive: true });
        await cp(FRAMEWORK_BUNDLE, path.join(dir, 'framework', 'ofn-framework.cjs'));
        await cp(FRAMEWORK_SHIM_DIR, path.join(dir, 'framework', 'shim'), { recursive: true });
      }
    }
    await writeFile(path.join(ctx, 'order.toml'), orderToml());
    await writeFile(path.join(ctx, 'stack.toml'), stackToml());
    await writeFile(path.join(ctx, 'run.toml'), runToml());
    await writeFile(path.join(ctx, 'Dockerfile'), builderDockerfile());
    o.log(`building the builder ${tag} (lifecycle ${lifecycle.version}; buildpacks ${OFFLINE_BUILDPACKS.map((b) => `${b.id}@${b.version}`).join(', ')})`);
    await buildImage(docker, ctx, tag, { ...LABELS, ...builderLabels(lifecycle), [LABEL_BUILDER_INPUTS]: digest }, o.log);
    return { image: tag, runImage: OFFLINE_RUN_IMAGE, lifecycleVersion: lifecycle.version, built: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function goCommand(): string {
  return process.env.OFN_LOCAL_GO ?? 'go';
}

/** npm's package folder, fetched once with the host's npm (its registry, proxy and CA settings) and cached. */
async function npmPackage(log: (line: string) => void): Promise<string> {
  const dir = path.join(cacheRoot(), `build-image-${BUILD_IMAGE_NPM.replace('@', '-')}`);
  const pkg = path.join(dir, 'package');
  if (await readFile(path.join(pkg, 'package.json')).then(() => true, () => false)) return pkg;
  await mkdir(dir, { recursive: true });
  const file = (await run('npm', ['pack', BUILD_IMAGE_NPM, '--pack-destination', dir, '--silent'], log)).trim().split('\n').pop()!;
  await run('tar', ['-xzf', path.join(dir, file), '-C', dir], log);
  await rm(path.join(dir, file), { force: true });
  return pkg;
}

export function cacheRoot(): string {
  if (process.env.OFN_LOCAL_CACHE) return process.env.OFN_LOCAL_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/ofn-local';
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ofn-local');
}

async function readExtraCa(): Promise<Buffer | undefined> {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file ? readFile(file).catch(() => undefined) : undefined;
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<string> {
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` };
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      for (const line of stderr.split('\n')) if (line.trim()) log(line);
      if (!err) return resolve(stdout);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new BuildpacksError('ERR_OFFLINE_BUILDER', `${cmd} ${args.join(' ')} failed: ${tail || err.message}`));
    });
  });
}
