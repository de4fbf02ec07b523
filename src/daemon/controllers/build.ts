/**
 * Builds: turns each function into the InstanceSpec its instances run (an image or an app folder,
 * env, limits, and its Dapr sidecar with the Component files written), with the builder OpenFunction
 * would use (spec.build.builder, confirmed by the folder): Node's fast builder, Go, Python, an image
 * as given, or the CNB lifecycle (`--build buildpacks`). In dev mode Node and Python code is synced
 * into a live folder, and a Go binary lives in a folder of its own so an edit rebuilds no image.
 * Remembers what it built (the language, the image) for status and for the reload paths. Answers
 * the bus's `build.*` requests (bus.ts): the project and reload controllers ask for builds there.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { BaseImage } from '../../builders/base-image.js';
import type { BuildContext, BuildResult } from '../../builders/builder.js';
import { assembleOfflineBuilder } from '../../builders/buildpacks/offline/assemble-builder.js';
import { BuildpacksBuilder } from '../../builders/buildpacks/buildpacks-builder.js';
import { languageForBuildpacks } from '../../builders/buildpacks/language.js';
import { FastBuilder } from '../../builders/fast/fast-builder.js';
import { sourceFiles } from '../../builders/fingerprint.js';
import { GO_BINARY, GoBuilder, builderImage } from '../../builders/go/go-builder.js';
import { imageExists, pullImage } from '../../builders/images.js';
import { PythonBuilder } from '../../builders/python/python-builder.js';
import { selectBuilder, type Language } from '../../builders/select-builder.js';
import { START_TIMEOUT_ENV } from '../../framework/restart-supervisor.js';
import { DEFAULT_TRUST_DOMAIN, accessControlFor } from '../../model/access-control.js';
import { daprPlan, deploymentDaprPlan, type DaprPlan } from '../../model/dapr-plan.js';
import { podLimits } from '../../model/pod-resources.js';
import type { DaprApp, LoadedFunction } from '../../model/types.js';
import { OfnError } from '../../errors.js';
import { RuntimeError } from '../../runtime/errors.js';
import type { InstanceSpec, RuntimeKind, SidecarSpec } from '../../runtime/runtime.js';
import type { AccessControlList } from '../../shared/access-control.js';
import { installLiveBinary, liveBinaryCommand } from '../../watch/live-binary.js';
import { mirrorSource } from '../../watch/sync-files.js';
import type { DaprMode } from '../dapr-mode.js';
import type { AppIdFileEntry } from '../dapr-resources.js';
import { daprTokenEnv, sidecarSpec } from '../sidecar-spec.js';
import type { OfnEvent } from '../../protocol/journal.js';
import { instanceEnv } from '../instance-env.js';
import { fnKey, type ControllerContext } from './context.js';

/** The user containers of images ofn-local built run as, unless the pod template names one. */
const NON_ROOT_USER = '1000:1000';

export interface BuildControllerOptions extends ControllerContext {
  /** This session's state folder, and the folder and id builds are shared under (every session's). */
  stateDir: string;
  sharedDir: string;
  buildsId: string;
  /** The engine, on the docker runtime. */
  docker: Docker | undefined;
  runtimeKind: RuntimeKind;
  /** Dev mode: code is synced into live folders and reloaded in place. */
  watch: boolean;
  /** How long an instance may take to come up (the reload supervisors give up a little before). */
  readyTimeoutMs: number;
  /** `--build`; else ofn-local.yaml's (configBuild), else fast. */
  build?: 'fast' | 'buildpacks';
  configBuild(): 'fast' | 'buildpacks' | undefined;
  builderImage?: string;
  /** `--base-image` of the fast builders. */
  baseImage?: string;
  dapr?: DaprMode;
  daprdVersion?: string;
  /** Each sync function's in-cluster host names → its stand-in, as pods reach it (Component files, app ids). */
  functionAddresses(from: 'pod'): Promise<ReadonlyMap<string, string>>;
}

export class BuildController {
  readonly #o: BuildControllerOptions;
  readonly #builder: FastBuilder;
  readonly #goBuilder: GoBuilder;
  readonly #pythonBuilder: PythonBuilder;
  /** The CNB lifecycle builder (`--build buildpacks`), made on first use; functions it built reload by rebuilding. */
  #cnb: BuildpacksBuilder | undefined;
  readonly #cnbBuilt = new Set<string>();
  /** The language each function was last built as (compiled ones reload by rebuilding). */
  readonly #languages = new Map<string, Language>();
  readonly #images = new Map<string, string>();
  #generation = 0;
  /** Where instances reach the backing services when not by name (the last `services.addresses`). */
  #pods: ReadonlyMap<string, string> = new Map();

  constructor(o: BuildControllerOptions) {
    this.#o = o;
    // Builds are content-addressed and shared by every session of the folder.
    this.#builder = new FastBuilder({ stateDir: o.sharedDir, projectId: o.buildsId, docker: o.docker, baseImage: o.baseImage });
    this.#goBuilder = new GoBuilder({ stateDir: o.sharedDir, mainDir: path.join(o.stateDir, 'go'), projectId: o.buildsId, docker: o.docker, baseImage: (ctx) => this.#builder.baseImage(ctx) });
    this.#pythonBuilder = new PythonBuilder({ stateDir: o.sharedDir, projectId: o.buildsId, docker: o.docker });
    o.bus.on('services.addresses', (addresses) => {
      this.#pods = addresses.pods;
    });
    o.bus.handle('build.spec', ({ fn }) => this.instanceSpec(fn));
    o.bus.handle('build.live-binary', ({ fn }) => this.rebuildLiveBinary(fn));
    o.bus.handle('build.language', ({ key }) => this.language(key));
    o.bus.handle('build.compiled', ({ key }) => this.compiled(key));
    o.bus.handle('build.serves-live-binary', ({ key, appDir }) => this.servesLiveBinary(key, appDir));
    o.bus.handle('build.sidecar', ({ app, plan, log }) => this.#sidecarFor(app, plan, log));
    o.bus.handle('build.base-image', async ({ log }) => (await this.baseImage(log)).ref);
  }

  /** The language the function was last built as. */
  language(key: string): Language | undefined {
    return this.#languages.get(key);
  }

  /** The image the function's instances run, when they run one. */
  image(key: string): string | undefined {
    return this.#images.get(key);
  }

  /** Whether an edit of its code means a rebuild (Go, or anything the CNB lifecycle built). */
  compiled(key: string): boolean {
    return this.#languages.get(key) === 'go' || this.#cnbBuilt.has(key);
  }

  /** Whether the function serves a live binary from `appDir` (a Go function in dev mode): an edit restarts it in place. */
  servesLiveBinary(key: string, appDir: string | undefined): boolean {
    return appDir === this.#liveBinaryDir(key);
  }

  /** The base image function images are built on (also the sidecar's, and the backing services' recipes'). */
  baseImage(log: (line: string) => void): Promise<BaseImage> {
    return this.#builder.baseImage({ log });
  }

  /**
   * Dev mode, compiled function: builds the binary again and puts it in the live folder its
   * instances run from; resolves to what puts the previous one back.
   */
  async rebuildLiveBinary(fn: LoadedFunction): Promise<() => Promise<void>> {
    const key = fnKey(fn);
    const built = await this.#goBuilder.build(fn, { log: (line: string) => this.#emit({ type: 'build.log', fn: key, line }) }, { image: false });
    return installLiveBinary(this.#liveBinaryDir(key), path.join(built.appDir, GO_BINARY), built.fingerprint);
  }

  #emit(event: OfnEvent): void {
    this.#o.bus.emit(event);
  }

  async instanceSpec(fn: LoadedFunction): Promise<InstanceSpec> {
    const key = fnKey(fn);
    const started = Date.now();
    const pod = podLimits(fn);
    for (const note of pod.notes) this.#emit({ type: 'build.log', fn: key, line: note });
    const base = { namespace: fn.namespace, name: fn.name, port: fn.port, generation: ++this.#generation, limits: pod.function };
    if (fn.source.kind === 'image') {
      if (!this.#o.docker) {
        throw new RuntimeError('ERR_RUNTIME_UNSUPPORTED', `${key} runs the image ${fn.source.image}, which needs the docker runtime`, { file: fn.origin.file, path: 'spec.image' }, 'start a Docker engine, or give the function a spec.build');
      }
      await ensureImage(this.#o.docker, fn.source.image);
      this.#images.set(key, fn.source.image);
      this.#emit({ type: 'build.finished', fn: key, image: fn.source.image, cached: true, durationMs: Date.now() - started });
      return { ...base, image: fn.source.image, env: instanceEnv(fn, this.#o.runtimeKind) };
    }
    if ((this.#o.build ?? this.#o.configBuild()) === 'buildpacks') return this.#buildpacksSpec(fn, fn.source.dir, key, base, pod, started);
    this.#cnbBuilt.delete(key);
    // The builder OpenFunction would use: spec.build.builder, confirmed by the folder.
    const language = selectBuilder({ builder: builderImage(fn) ?? 'openfunction/builder', dir: fn.source.dir, files: await sourceFiles(fn.source.dir) }).language;
    this.#languages.set(key, language);
    if (language === 'python') return this.#pythonSpec(fn, key, base, pod, started);
    const ctx = { log: (line: string) => this.#emit({ type: 'build.log', fn: key, line }) };
    // Dev mode: Node swaps code in place; a compiled function's binary is restarted in place (the
    // instance and its sidecar stay), from a live folder on the base image: an edit builds no image.
    const live = Boolean(this.#o.watch) && language === 'node';
    const liveBinary = Boolean(this.#o.watch) && language === 'go';
    const built = language === 'go' ? await this.#goBuilder.build(fn, ctx, { image: !liveBinary }) : await this.#builder.build(fn, ctx);
    const result = liveBinary ? await this.#installLiveBinary(key, built, ctx) : built;
    if (live) await mirrorSource(fn.source.dir, result.appDir);
    if (result.image) this.#images.set(key, result.image);
    this.#emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#o.runtimeKind, language);
    // Dev mode: the framework runs under its reload supervisor (SIGHUP swaps the code in place).
    if (live) env.OFN_LOCAL_RELOAD = '1';
    // The restart supervisor gives up on a new build a little before the daemon gives up on it.
    if (liveBinary) env[START_TIMEOUT_ENV] = String(Math.max(1000, Math.floor(this.#o.readyTimeoutMs * 0.8)));
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#o.project())));
    // Images ofn-local builds run as a user of their own, as buildpack images run as `cnb` (uid 1000).
    const limits = { user: NON_ROOT_USER, ...pod.function };
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits, image: result.image, appDir: result.appDir, env, liveAppDir: live || liveBinary, sidecar, ...(result.command ? { command: result.command } : {}) };
  }

  /** A buildpacks build (the CNB lifecycle in a builder image): the image runs as built, its entrypoint the launcher. */
  async #buildpacksSpec(fn: LoadedFunction, srcDir: string, key: string, base: Omit<InstanceSpec, 'image' | 'env'>, pod: ReturnType<typeof podLimits>, started: number): Promise<InstanceSpec> {
    if (!this.#o.docker) {
      throw new RuntimeError('ERR_RUNTIME_UNSUPPORTED', `${key}: buildpacks builds make images, which need the docker runtime`, {}, 'start a Docker engine, or build with --build fast');
    }
    const docker = this.#o.docker;
    this.#cnb ??= new BuildpacksBuilder({
      docker,
      stateDir: this.#o.sharedDir,
      projectId: this.#o.buildsId,
      ...(this.#o.builderImage ? { builderImage: this.#o.builderImage } : {}),
      offlineBuilder: async (log) => (await assembleOfflineBuilder({ docker, log })).image,
      onPhase: (f, phase) => this.#emit({ type: 'build.phase', fn: fnKey(f), phase, builder: this.#o.builderImage ?? 'buildpacks' }),
    });
    const language = languageForBuildpacks(await sourceFiles(srcDir));
    this.#languages.set(key, language);
    this.#cnbBuilt.add(key);
    const result = await this.#cnb.build(fn, { log: (line: string) => this.#emit({ type: 'build.log', fn: key, line }) });
    if (result.image) this.#images.set(key, result.image);
    this.#emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#o.runtimeKind, language);
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#o.project())));
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits: { user: NON_ROOT_USER, ...pod.function }, image: result.image, env, sidecar };
  }

  /** A compiled function's live folder for this session (see watch/live-binary.ts). */
  #liveBinaryDir(key: string): string {
    return path.join(this.#o.stateDir, 'live', key.replace('/', '-'));
  }

  /** Puts a fresh binary build in the function's live folder: what its instances run (on the base image on Docker). */
  async #installLiveBinary(key: string, built: BuildResult, ctx: BuildContext): Promise<BuildResult> {
    const dir = this.#liveBinaryDir(key);
    await installLiveBinary(dir, path.join(built.appDir, GO_BINARY), built.fingerprint);
    const image = this.#o.docker ? (await this.#builder.baseImage(ctx)).ref : undefined;
    return { ...built, appDir: dir, image, command: liveBinaryCommand(dir, this.#o.docker ? 'docker' : 'process') };
  }

  /**
   * A Python function's instance: its build (an environment keyed by its requirements, the code
   * beside it) run by ofn-local's launcher. In dev mode the launcher supervises the interpreter and
   * restarts it in place on SIGHUP after checking the synced code (the fast path, as Node's).
   */
  async #pythonSpec(fn: LoadedFunction, key: string, base: Omit<InstanceSpec, 'env'>, pod: ReturnType<typeof podLimits>, started: number): Promise<InstanceSpec> {
    if (fn.source.kind !== 'local') throw new OfnError('ERR_NO_SOURCE', `${key} has no source to build`);
    const result = await this.#pythonBuilder.build(fn, { log: (line: string) => this.#emit({ type: 'build.log', fn: key, line }) });
    const live = Boolean(this.#o.watch);
    if (live) await mirrorSource(fn.source.dir, result.appDir);
    if (result.image) this.#images.set(key, result.image);
    this.#emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#o.runtimeKind, 'python');
    if (live) {
      env.OFN_LOCAL_RELOAD = '1';
      // The launcher gives up on new code a little before the daemon gives up on the reload.
      env.OFN_LOCAL_START_TIMEOUT_MS = String(Math.max(1000, Math.floor(this.#o.readyTimeoutMs * 0.8)));
    }
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#o.project())));
    const limits = { user: NON_ROOT_USER, ...pod.function };
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits, image: result.image, appDir: result.appDir, env, liveAppDir: live, sidecar, ...(result.command ? { command: result.command } : {}) };
  }

  /**
   * Every Dapr app of the project, for service invocation between them: where each sync function's
   * stand-in answers, its identity's trust domain and the access control its sidecar applies (from
   * its `dapr.io/config` Configuration). A Configuration that does not load fails its own function's
   * build, not the others'.
   */
  #appIdEntries(functions: ReadonlyMap<string, string>): Map<string, AppIdFileEntry> {
    const entries = new Map<string, AppIdFileEntry>();
    for (const f of this.#o.project().functions) {
      const plan = daprPlan(f, this.#o.project(), daprLanguage(this.#languages.get(fnKey(f))));
      const address = f.runtime === 'knative' ? functions.get(`${f.name}.${f.namespace}`) : undefined;
      if (plan || address) entries.set(`${f.name}-${f.namespace}`, this.#appIdEntry(f, plan, address));
    }
    // Deployments with a sidecar (they run on Docker only): reached by their pod's name on the project network.
    for (const d of this.#o.project().deployments) {
      const plan = deploymentDaprPlan(d, this.#o.project());
      if (plan) entries.set(plan.appId, this.#appIdEntry(d, plan, plan.appPort > 0 ? `${d.name}.${d.namespace}:${plan.appPort}` : undefined));
    }
    return entries;
  }

  /** One app id's entry: where it answers, and the access control its sidecar applies (none when its Configuration does not load). */
  #appIdEntry(app: DaprApp, plan: DaprPlan | undefined, address: string | undefined): AppIdFileEntry {
    let accessControl: AccessControlList | undefined;
    try {
      accessControl = plan ? accessControlFor(app, this.#o.project(), plan.appProtocol) : undefined;
    } catch {
      accessControl = undefined;
    }
    return {
      ...(address ? { address } : {}),
      protocol: plan?.appProtocol ?? 'http',
      trustDomain: accessControl?.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      ...(accessControl ? { accessControl } : {}),
    };
  }


  /** The Dapr sidecar an instance needs (OpenFunction's rules), with its Component files written. */
  async #sidecarSpec(fn: LoadedFunction, key: string): Promise<InstanceSpec['sidecar']> {
    const plan = daprPlan(fn, this.#o.project(), daprLanguage(this.#languages.get(key)));
    if (!plan) return undefined;
    return this.#sidecarFor(fn, plan, (line) => this.#emit({ type: 'build.log', fn: key, line }));
  }

  /** A Dapr app's sidecar (a function's, or a Deployment's: `build.sidecar`), its files written. */
  async #sidecarFor(app: DaprApp, plan: DaprPlan, log: (line: string) => void): Promise<SidecarSpec> {
    // Its own access control must load (daprd does not start with a broken one).
    accessControlFor(app, this.#o.project(), plan.appProtocol);
    const functions = await this.#o.functionAddresses('pod');
    return sidecarSpec(app, plan, {
      stateDir: this.#o.stateDir,
      docker: this.#o.docker,
      dapr: this.#o.dapr,
      daprdVersion: this.#o.daprdVersion,
      project: this.#o.project(),
      pods: this.#pods,
      functions,
      // Other app ids of the project, for service invocation: each sync function's stand-in.
      appIds: this.#appIdEntries(functions),
      baseImage: (l) => this.#builder.baseImage({ log: l }),
      log,
    });
  }
}

/** The framework family daprPlan decides the app channel by (Go's and Python's async frameworks serve gRPC). */
function daprLanguage(language: Language | undefined): 'node' | 'go' | 'python' {
  return language === 'go' || language === 'python' ? language : 'node';
}

async function ensureImage(docker: Docker, ref: string): Promise<void> {
  if (await imageExists(docker, ref)) return;
  const why = await pullImage(docker, ref);
  if (why) {
    throw new RuntimeError('ERR_IMAGE_MISSING', `image ${ref} (spec.image) is not on this engine and cannot be pulled: ${why}`, { path: 'spec.image' }, 'build or load it into the engine first, or add spec.build so ofn-local builds it');
  }
}
