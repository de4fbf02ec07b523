/**
 * ofn-local's buildpacks builder: builds a function's image as the cluster's Shipwright build does,
 * with the real CNB lifecycle in a builder image. The builder is `--builder-image` when given, else
 * the one spec.build.builder names when the engine has it or can pull it (then the local image is
 * the cluster's), else ofn-local's offline builder (assembled on first use). Images are keyed by a
 * content hash like the fast builders' (an unchanged function is not rebuilt); the layer and launch
 * caches live per function under `.ofn-local/cnb/`, and the function's previous image is the
 * lifecycle's previous image, so a rebuild reuses what did not change.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { LoadedFunction } from '../../model/types.js';
import { LABEL_FUNCTION, LABEL_PROJECT } from '../../runtime/docker/labels.js';
import type { BuildContext, BuildResult, Builder } from '../builder.js';
import { BuildError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import { imageExists, pullImage } from '../images.js';
import { builderInfoFrom, type BuilderInfo } from './builder-info.js';
import { BuildpacksError } from './errors.js';
import { runCreator } from './lifecycle-driver.js';
import type { LifecyclePhase } from './phases.js';
import { OFFLINE_BUILDER_IMAGE } from './offline/builder-files.js';

export interface BuildpacksBuilderOptions {
  docker: Docker;
  /** The `.ofn-local` folder: caches go under `cnb/`. */
  stateDir: string;
  projectId: string;
  /** `--builder-image`: used for every function, never replaced by another. */
  builderImage?: string;
  /** Makes (or finds up to date) the offline builder; resolves to its name. */
  offlineBuilder: (log: (line: string) => void) => Promise<string>;
  /** A phase of a function's build started (journal and UI). */
  onPhase?: (fn: LoadedFunction, phase: LifecyclePhase) => void;
}

export interface BuildpacksBuildRequest {
  /** The image name to give the result (default `ofn-local/<project>-<ns>-<name>:<hash>`). */
  image?: string;
}

/** spec.build.builder when written. */
function manifestBuilder(fn: LoadedFunction): string | undefined {
  const b = (fn.resource.spec as { build?: { builder?: unknown } } | undefined)?.build?.builder;
  return typeof b === 'string' && b.trim() ? b.trim() : undefined;
}

export class BuildpacksBuilder implements Builder {
  readonly #o: BuildpacksBuilderOptions;
  readonly #builders = new Map<string, Promise<BuilderInfo>>();

  constructor(o: BuildpacksBuilderOptions) {
    this.#o = o;
  }

  async build(fn: LoadedFunction, ctx: BuildContext, req: BuildpacksBuildRequest = {}): Promise<BuildResult> {
    if (fn.source.kind !== 'local') throw new BuildError('ERR_NO_SOURCE', `${fn.namespace}/${fn.name} has no source to build`, { file: fn.origin.file });
    const { docker, projectId, stateDir } = this.#o;
    const builder = await this.builderFor(fn, ctx);
    const srcDir = fn.source.dir;
    const fp = await fingerprint(srcDir, { builder: builder.id, buildEnv: JSON.stringify(fn.buildEnv), kind: 'buildpacks-1' });
    const repo = `ofn-local/${projectId}-${fn.namespace}-${fn.name}`.toLowerCase();
    const image = req.image ?? `${repo}:${fp.slice(0, 12)}`;
    const latest = `${repo}:buildpacks`;
    const result = (cached: boolean): BuildResult => ({ appDir: srcDir, image, fingerprint: fp, cached });
    if (!req.image && (await imageExists(docker, image))) return result(true);

    const caches = path.join(stateDir, 'cnb', `${fn.namespace}-${fn.name}`);
    ctx.log(`buildpacks: ${builder.ref}${builder.lifecycleVersion ? ` (lifecycle ${builder.lifecycleVersion})` : ''} builds ${fn.namespace}/${fn.name} into ${image}`);
    const started = Date.now();
    const out = await runCreator({
      docker,
      builder,
      appDir: srcDir,
      image,
      tags: image === latest ? [] : [latest],
      ...((await imageExists(docker, latest)) ? { previousImage: latest } : {}),
      platformEnv: fn.buildEnv,
      cacheDir: path.join(caches, 'cache'),
      launchCacheDir: path.join(caches, 'launch-cache'),
      labels: { [LABEL_PROJECT]: projectId, [LABEL_FUNCTION]: `${fn.namespace}/${fn.name}`, 'io.ofn-local.build': 'buildpacks' },
      log: ctx.log,
      onPhase: (phase) => this.#o.onPhase?.(fn, phase),
      what: `${fn.namespace}/${fn.name}`,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    ctx.log(`buildpacks: built ${image} in ${Date.now() - started} ms (Platform API ${out.platformApi})`);
    return result(false);
  }

  /** The builder image a function is built with (see the class comment), inspected once per name. */
  async builderFor(fn: LoadedFunction, ctx: BuildContext): Promise<BuilderInfo> {
    const { docker } = this.#o;
    const forced = this.#o.builderImage;
    let ref = forced ?? manifestBuilder(fn);
    if (ref && !(await imageExists(docker, ref))) {
      const why = await pullImage(docker, ref);
      if (why) {
        if (forced) throw new BuildpacksError('ERR_BUILDER_IMAGE', `builder image ${ref} (--builder-image) is not on this engine and cannot be pulled: ${why}`, {}, `load it into the engine, or leave out --builder-image to use ofn-local's offline builder`);
        ctx.log(`builder ${ref} is not on this engine and cannot be pulled (${why}); using ofn-local's offline builder`);
        ref = undefined;
      }
    }
    ref ??= await this.#o.offlineBuilder(ctx.log);
    let info = this.#builders.get(ref);
    if (!info) {
      const name = ref;
      info = docker
        .getImage(name)
        .inspect()
        .then((i) => builderInfoFrom(name, i))
        .then(async (b) => {
          await this.#ensureRunImage(b, ctx);
          return b;
        });
      this.#builders.set(ref, info);
      info.catch(() => this.#builders.delete(name));
    }
    return info;
  }

  /** The lifecycle (-daemon) takes the run image from this engine: pulled first when missing, as pack does. */
  async #ensureRunImage(b: BuilderInfo, ctx: BuildContext): Promise<void> {
    if (!b.runImage || (await imageExists(this.#o.docker, b.runImage))) return;
    ctx.log(`pulling the run image ${b.runImage} of builder ${b.ref}`);
    const why = await pullImage(this.#o.docker, b.runImage);
    if (why) {
      throw new BuildpacksError('ERR_BUILDER_IMAGE', `the run image ${b.runImage} of builder ${b.ref} is not on this engine and cannot be pulled: ${why}`, { path: 'spec.build.builder' }, 'load the run image into the engine (docker load), or build with the offline builder (--builder-image ofn-local/cnb-builder:bookworm)');
    }
  }
}

export { OFFLINE_BUILDER_IMAGE };
