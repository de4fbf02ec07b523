/**
 * One loaded Function as the v1beta2 manifest a cluster needs to behave as the local run did:
 * serving exactly as loaded (the webhook's defaults included), ofn-local's own keys taken out,
 * and, for code ofn-local built itself, a `spec.build` the cluster can run (OpenFunction's Node
 * builder, FUNC_NAME/FUNC_TYPE, srcRepo from the git checkout) with `spec.image` named from the
 * registry. Pure: git facts are given.
 */
import { classifyBuilderImage, imageRepository } from '../builders/select-builder.js';
import { SOURCE_ANNOTATION, type JsonObject, type LoadedFunction } from '../model/index.js';
import { NODE_BUILDER, isPlaceholderImage, registryImage } from './image-name.js';
import { FUNCTION_KEY_PLACES, stripLocalKeys, type RemovedKey } from './local-keys.js';
import { subjectOf, type Notes } from './notes.js';
import { deriveSrcRepo } from './src-repo.js';
import type { GitFacts } from './types.js';

export interface FunctionExportContext {
  registry?: string;
  /** The image repository below the registry: the function name, or `<ns>-<name>` when names collide. */
  repository: string;
  git?: GitFacts;
  /** A path as shown in messages. */
  show: (absolute: string) => string;
  notes: Notes;
}

const APP_PROTOCOL = 'dapr.io/app-protocol';
const DEFAULT_TARGET = 'function';
const DEFAULT_SIGNATURE = 'http';

export function functionManifest(fn: LoadedFunction, ctx: FunctionExportContext): JsonObject {
  const subject = subjectOf('Function', fn.namespace, fn.name);
  const object = structuredClone(fn.resource);
  const spec = object['spec'] as JsonObject;
  const removed = stripLocalKeys(object, FUNCTION_KEY_PLACES);

  if (fn.source.kind === 'local') {
    exportBuild(fn, fn.source.dir, spec, subject, ctx);
  } else if (isPlaceholderImage(fn.image)) {
    ctx.notes.add(
      subject,
      ['spec', 'image'],
      `${JSON.stringify(fn.image)} is a placeholder and there is no spec.build to produce it: set the image the cluster should run`,
    );
  }
  noteRemovedKeys(removed, spec, subject, ctx.notes);
  exportServing(fn, spec, subject, ctx.notes);
  return object;
}

function exportBuild(fn: LoadedFunction, dir: string, spec: JsonObject, subject: string, ctx: FunctionExportContext): void {
  const { notes } = ctx;
  const facts: GitFacts = ctx.git ?? { kind: 'none', reason: `${ctx.show(dir)} was not looked up in git` };
  const current = asObject(spec['build']);
  const srcRepo = deriveSrcRepo({ current: asObject(current?.['srcRepo']), facts, folder: ctx.show(dir), subject, notes });
  const python = isPythonBuild(fn);
  const target = fn.buildEnv['FUNC_NAME'] ?? (python ? fn.buildEnv['GOOGLE_FUNCTION_TARGET'] : undefined) ?? fn.params['FUNCTION_TARGET'] ?? DEFAULT_TARGET;
  const image = chooseImage(fn, subject, ctx);
  spec['image'] = image;

  if (!current && !srcRepo) {
    const why = facts.kind === 'none' ? facts.reason : `the checkout ${facts.topLevel} has no remote`;
    notes.add(
      subject,
      ['spec', 'build'],
      `ofn-local built the code in ${ctx.show(dir)} itself, but ${why}, so a cluster build has no source: ` +
        `exported without spec.build; build and push the image yourself, e.g. ` +
        `pack build ${image} --builder ${NODE_BUILDER} --env FUNC_NAME=${target} --publish`,
    );
    return;
  }

  const build: JsonObject = current ?? {};
  if (!current) {
    notes.add(
      subject,
      ['spec', 'build'],
      `added: ofn-local built the code in ${ctx.show(dir)} itself; the cluster builds it from ${String(srcRepo?.['url'])} with ${NODE_BUILDER}`,
    );
  }
  if (build['builder'] === undefined && build['dockerfile'] === undefined) build['builder'] = NODE_BUILDER;

  const env: Record<string, unknown> = { ...asObject(build['env']) };
  // The Python builder reads GOOGLE_FUNCTION_TARGET as it reads FUNC_NAME: one of them is enough.
  if (env['FUNC_NAME'] === undefined && !(python && env['GOOGLE_FUNCTION_TARGET'] !== undefined)) {
    env['FUNC_NAME'] = target;
    if (current) {
      notes.add(
        subject,
        ['spec', 'build', 'env', 'FUNC_NAME'],
        `not set: exported as ${JSON.stringify(target)}, the function ofn-local ran (OpenFunction's builder needs FUNC_NAME)`,
      );
    }
  }
  // FUNC_TYPE is the Node builder's signature type; the Go builder reads the code for it, the Python
  // builder GOOGLE_FUNCTION_SIGNATURE_TYPE (http by default).
  const builderKind = typeof build['builder'] === 'string' ? classifyBuilderImage(build['builder']) : undefined;
  const goBuilder = builderKind?.kind === 'language' && builderKind.language === 'go';
  if (env['FUNC_TYPE'] === undefined && !goBuilder && !python) env['FUNC_TYPE'] = fn.params['FUNCTION_SIGNATURE_TYPE'] ?? DEFAULT_SIGNATURE;
  build['env'] = env;
  if (srcRepo) build['srcRepo'] = srcRepo;
  spec['build'] = build;

  if (spec['imageCredentials'] === undefined) {
    notes.add(
      subject,
      ['spec', 'imageCredentials'],
      `not set: the cluster build pushes ${image} and needs a push Secret ` +
        '(kubectl create secret docker-registry push-secret --docker-server=... --docker-username=... --docker-password=..., ' +
        'then imageCredentials: {name: push-secret})',
    );
  }
}

function chooseImage(fn: LoadedFunction, subject: string, ctx: FunctionExportContext): string {
  if (ctx.registry === undefined) {
    if (isPlaceholderImage(fn.image)) {
      ctx.notes.add(
        subject,
        ['spec', 'image'],
        `${JSON.stringify(fn.image)} is a placeholder: pass --registry <registry> ` +
          `(the image becomes <registry>/${ctx.repository}:${fn.version}) or set spec.image to where the cluster build should push`,
      );
    }
    return fn.image;
  }
  const named = registryImage(ctx.registry, ctx.repository, fn.version);
  if (named.tagChanged) {
    ctx.notes.add(subject, ['spec', 'image'], `spec.version ${JSON.stringify(fn.version)} is not a valid image tag: tagged ${named.tag}`);
  }
  return named.image;
}

function noteRemovedKeys(removed: RemovedKey[], spec: JsonObject, subject: string, notes: Notes): void {
  for (const { path, key, value } of removed) {
    if (key === SOURCE_ANNOTATION && path[0] === 'metadata') {
      const build = asObject(spec['build']);
      const srcRepo = asObject(build?.['srcRepo']);
      const instead = srcRepo
        ? `the cluster builds from spec.build.srcRepo (${String(srcRepo['url'])}${srcRepo['sourceSubPath'] ? `, ${String(srcRepo['sourceSubPath'])}` : ''})`
        : `the cluster runs spec.image ${String(spec['image'])}`;
      notes.add(subject, path, `local-only (where ofn-local finds the code, ${JSON.stringify(value)}); removed: ${instead}`);
    } else {
      notes.add(subject, path, `ofn-local's own key (value ${JSON.stringify(value)}); removed: it means nothing to a cluster`);
    }
  }
}

/** What the local run did by itself that the cluster only does when the manifest says so. */
function exportServing(fn: LoadedFunction, spec: JsonObject, subject: string, notes: Notes): void {
  const serving = asObject(spec['serving']);
  if (!serving || fn.runtime !== 'async') return;

  // ofn-local talks HTTP to Node functions; the cluster's Dapr defaults to gRPC, which OpenFunction's
  // Node framework does not serve (its samples all set app-protocol http).
  const annotations = asObject(serving['annotations']) ?? {};
  // OpenFunction's Python framework serves gRPC only, Dapr's default: nothing to add.
  if (fn.source.kind === 'local' && annotations[APP_PROTOCOL] === undefined && !isPythonBuild(fn)) {
    serving['annotations'] = { ...annotations, [APP_PROTOCOL]: 'http' };
    notes.add(
      subject,
      ['spec', 'serving', 'annotations', APP_PROTOCOL],
      'added "http": Dapr on the cluster calls the function over gRPC by default, which the Node functions framework does not serve',
    );
  }

  const keda = asObject(asObject(serving['scaleOptions'])?.['keda']);
  const triggers = keda?.['triggers'];
  if (!Array.isArray(triggers) || triggers.length === 0) {
    notes.add(
      subject,
      ['spec', 'serving', 'scaleOptions', 'keda', 'triggers'],
      'none: on the cluster this async function runs a fixed number of replicas (KEDA scales only with triggers); ' +
        'add a KEDA trigger for its input (e.g. type kafka with lagThreshold) to scale it with the backlog',
    );
  }
}

/**
 * A function built by OpenFunction's Python builder: a Python builder image, or openfunction/gcp-builder
 * (OpenFunction's builder for Python) or Python-only build settings (GOOGLE_FUNCTION_*, FUNC_SRC).
 */
function isPythonBuild(fn: LoadedFunction): boolean {
  const builder = (fn.resource.spec as { build?: { builder?: unknown } } | undefined)?.build?.builder;
  if (typeof builder === 'string') {
    const kind = classifyBuilderImage(builder);
    if (kind.kind === 'language') return kind.language === 'python';
    if (imageRepository(builder).endsWith('gcp-builder')) return true;
  }
  return Object.keys(fn.buildEnv).some((k) => k.startsWith('GOOGLE_FUNCTION_') || k === 'FUNC_SRC');
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
