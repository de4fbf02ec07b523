import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedFunction } from '../../model/types.js';
import { LABEL_FUNCTION, LABEL_PROJECT } from '../../runtime/docker/labels.js';
import { resolveBaseImage, type BaseImage } from '../base-image.js';
import type { BuildContext, BuildResult, Builder } from '../builder.js';
import { buildImage } from '../docker-image.js';
import { imageExists } from '../images.js';
import { BuildError } from '../errors.js';
import { FRAMEWORK_BUNDLE, FRAMEWORK_SHIM_DIR } from '../framework-files.js';
import { fileHash, fingerprint } from '../fingerprint.js';
import { renderDockerfile } from './dockerfile.js';
import { detectNode, exists, prepareApp } from './prepare-app.js';

export interface FastBuilderOptions {
  /** The project's `.ofn-local` folder; builds go under `build/`. */
  stateDir: string;
  projectId: string;
  /** Present when instances run in Docker: the builder then also makes an image. */
  docker?: Docker;
  /** `--base-image`; the default is resolved by `resolveBaseImage`. */
  baseImage?: string;
}

/**
 * ofn-local's fast Node builder: copy the source, install dependencies with the host's npm, add the
 * functions framework, and (Docker) bake one thin image layer on a Node base. Results are keyed by a
 * content hash, so an unchanged function is never rebuilt.
 */
export class FastBuilder implements Builder {
  readonly #opts: FastBuilderOptions;
  #base?: Promise<BaseImage>;

  constructor(opts: FastBuilderOptions) {
    this.#opts = opts;
  }

  async build(fn: LoadedFunction, ctx: BuildContext): Promise<BuildResult> {
    if (fn.source.kind !== 'local') {
      throw new BuildError('ERR_NO_SOURCE', `${fn.namespace}/${fn.name} has no source to build`, { file: fn.origin.file });
    }
    const srcDir = fn.source.dir;
    await detectNode(srcDir);
    const { docker, projectId, stateDir } = this.#opts;
    const base = docker ? await this.#baseImage(docker, ctx) : undefined;
    const fp = await fingerprint(srcDir, {
      framework: await fileHash(FRAMEWORK_BUNDLE),
      buildEnv: JSON.stringify(fn.buildEnv),
      base: base?.id ?? 'host-process',
    });
    const short = fp.slice(0, 12);
    const buildDir = path.join(stateDir, 'build', `${fn.namespace}-${fn.name}`, short);
    const appDir = path.join(buildDir, 'app');
    const marker = path.join(buildDir, '.complete');
    const image = `ofn-local/${projectId}-${fn.namespace}-${fn.name}:${short}`.toLowerCase();

    // The app folder is always there: hot reload runs it live, even when the image is cached.
    const appReady = await exists(marker);
    if (!appReady) {
      ctx.log(`preparing ${fn.namespace}/${fn.name} from ${srcDir}`);
      // Prepared aside and renamed in: two daemons of one folder (test sessions) may build the
      // same version at once, and neither may see the other's half-made folder.
      const scratch = `${appDir}.${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await prepareApp(srcDir, scratch, FRAMEWORK_SHIM_DIR, ctx);
        if (!(await exists(marker))) {
          await rm(appDir, { recursive: true, force: true });
          await rename(scratch, appDir);
          await writeFile(marker, new Date().toISOString());
        }
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
    if (!docker || !base) return { appDir, fingerprint: fp, cached: appReady };
    if (await imageExists(docker, image)) return { appDir, image, fingerprint: fp, cached: appReady };

    await mkdir(path.join(buildDir, 'ofn'), { recursive: true });
    await copyFile(FRAMEWORK_BUNDLE, path.join(buildDir, 'ofn', path.basename(FRAMEWORK_BUNDLE)));
    const ca = await readExtraCa();
    if (ca) await writeFile(path.join(buildDir, 'ofn', 'extra-ca.pem'), ca);
    await writeFile(
      path.join(buildDir, 'Dockerfile'),
      renderDockerfile({ base: base.ref, buildEnv: fn.buildEnv, bundle: path.basename(FRAMEWORK_BUNDLE), extraCa: Boolean(ca) }),
    );
    await writeFile(path.join(buildDir, '.dockerignore'), '.complete\napp.*\n');
    ctx.log(`building image ${image} FROM ${base.ref}`);
    await buildImage(
      docker,
      buildDir,
      image,
      { [LABEL_PROJECT]: projectId, [LABEL_FUNCTION]: `${fn.namespace}/${fn.name}` },
      ctx.log,
    );
    return { appDir, image, fingerprint: fp, cached: false };
  }

  /** The base function images are built on (also the sidecar image's). */
  baseImage(ctx: BuildContext): Promise<BaseImage> {
    if (!this.#opts.docker) throw new Error('the base image needs the docker runtime');
    return this.#baseImage(this.#opts.docker, ctx);
  }

  #baseImage(docker: Docker, ctx: BuildContext): Promise<BaseImage> {
    // Resolved once per builder; a failure is not cached, so a later build can retry.
    this.#base ??= resolveBaseImage(docker, this.#opts.baseImage, ctx.log).catch((err: unknown) => {
      this.#base = undefined;
      throw err;
    });
    return this.#base;
  }
}

/** The host's extra CA (NODE_EXTRA_CA_CERTS) goes into images so functions can reach TLS hosts behind the same proxy. */
async function readExtraCa(): Promise<Buffer | undefined> {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  return readFile(file).catch(() => undefined);
}
