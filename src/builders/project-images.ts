/**
 * `ofn-local build`: every function's image as the cluster would build it, named as `export
 * --registry` names it (`<registry>/<name>:<version>`; without a registry, spec.image when it is a
 * real name, else `ofn-local/<name>:<version>`). Buildpacks (the CNB lifecycle) unless `fast` is
 * asked for. One function's failure does not stop the others; each outcome is reported.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { LoadedFunction, Project } from '../model/types.js';
import { imageRepositories } from '../export/export-project.js';
import { isPlaceholderImage, registryImage } from '../export/image-name.js';
import { errorMessage } from '../errors.js';
import { BuildpacksBuilder } from './buildpacks/buildpacks-builder.js';
import { assembleOfflineBuilder } from './buildpacks/offline/assemble-builder.js';
import type { LifecyclePhase } from './buildpacks/phases.js';
import { FastBuilder } from './fast/fast-builder.js';
import { GoBuilder } from './go/go-builder.js';
import { sourceFiles } from './fingerprint.js';
import { selectBuilder } from './select-builder.js';
import { connectEngine } from '../runtime/docker/engine.js';

export interface ProjectImagesOptions {
  /** The engine; connected here when not given (`ofn-local build`). */
  docker?: Docker;
  project: Project;
  root: string;
  projectId: string;
  build: 'fast' | 'buildpacks';
  registry?: string;
  builderImage?: string;
  log: (fn: string, line: string) => void;
  onPhase?: (fn: string, phase: LifecyclePhase) => void;
}

export type ImageOutcome = { fn: string; image: string; ok: true } | { fn: string; ok: false; message: string } | { fn: string; ok: true; skipped: string };

/** The name a function's image gets (see the module comment). */
export function targetImage(fn: LoadedFunction, repository: string, registry: string | undefined): string {
  if (registry) return registryImage(registry, repository, fn.version).image;
  if (!isPlaceholderImage(fn.image)) return fn.image;
  return registryImage('ofn-local', repository, fn.version).image;
}

export async function buildProjectImages(o: ProjectImagesOptions): Promise<ImageOutcome[]> {
  const docker = o.docker ?? (await connectEngine());
  const stateDir = path.join(o.root, '.ofn-local');
  const repos = imageRepositories(o.project.functions);
  const cnb = new BuildpacksBuilder({
    docker,
    stateDir,
    projectId: o.projectId,
    ...(o.builderImage ? { builderImage: o.builderImage } : {}),
    offlineBuilder: async (log) => (await assembleOfflineBuilder({ docker, log })).image,
    onPhase: (fn, phase) => o.onPhase?.(`${fn.namespace}/${fn.name}`, phase),
  });
  const fast = new FastBuilder({ stateDir, projectId: o.projectId, docker });
  const go = new GoBuilder({ stateDir, mainDir: path.join(stateDir, 'go'), projectId: o.projectId, docker, baseImage: (ctx) => fast.baseImage(ctx) });
  const outcomes: ImageOutcome[] = [];
  for (const fn of o.project.functions) {
    const key = `${fn.namespace}/${fn.name}`;
    if (fn.source.kind !== 'local') {
      outcomes.push({ fn: key, ok: true, skipped: `runs the image ${fn.source.image} (no spec.build)` });
      continue;
    }
    const image = targetImage(fn, repos.get(fn) ?? fn.name, o.registry);
    const ctx = { log: (line: string) => o.log(key, line) };
    try {
      if (o.build === 'buildpacks') {
        await cnb.build(fn, ctx, { image });
      } else {
        const language = selectBuilder({ builder: (fn.resource.spec as { build?: { builder?: string } }).build?.builder ?? 'openfunction/builder', dir: fn.source.dir, files: await sourceFiles(fn.source.dir) }).language;
        const built = language === 'go' ? await go.build(fn, ctx) : language === 'node' ? await fast.build(fn, ctx) : undefined;
        if (!built?.image) throw new Error(`the fast builders make no image for ${language} functions here: use --build buildpacks`);
        const [repo, tag] = splitRef(image);
        await docker.getImage(built.image).tag({ repo, tag });
      }
      outcomes.push({ fn: key, image, ok: true });
    } catch (err) {
      outcomes.push({ fn: key, ok: false, message: errorMessage(err) });
    }
  }
  return outcomes;
}

function splitRef(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}
