/**
 * The project's `apps/v1` Deployments (model/deployment.ts): each one's pod template image run from
 * the local Docker engine `replicas` times, with a Dapr sidecar when its annotations ask for one, kept
 * at that count (an instance that dies is replaced, as a ReplicaSet replaces its pod). No build, no
 * route, no scaling: a Deployment runs as written. Edited ones are replaced, removed ones stopped.
 * Instances are journaled under `<namespace>/<name>` as functions are (logs, the UI).
 */
import type Docker from 'dockerode';
import { imageExists } from '../../builders/images.js';
import { OfnError } from '../../errors.js';
import { deploymentDaprPlan } from '../../model/dapr-plan.js';
import { deploymentKey } from '../../model/deployment.js';
import type { LoadedDeployment } from '../../model/types.js';
import type { FunctionState } from '../../protocol/journal.js';
import type { DeploymentStatus } from '../../protocol/status.js';
import type { InstanceSpec, RuntimeKind } from '../../runtime/runtime.js';
import { FunctionPool } from '../../serving/pool.js';
import type { PoolRuntime } from '../../serving/types.js';
import { daprTokenEnv } from '../sidecar-spec.js';
import { describe, RecentLines, SerialQueues, type ControllerContext } from './context.js';

/** Where a pod's app finds its sidecar, as Dapr's injector tells it. */
const POD_DAPR_ENV = { DAPR_HTTP_PORT: '3500', DAPR_GRPC_PORT: '50001' };
/** Lines of each instance's output kept to quote when it fails to start. */
const RECENT_LINES = 50;

export interface DeploymentsControllerOptions extends ControllerContext {
  runtime: PoolRuntime & { kind: RuntimeKind };
  /** The engine, on the docker runtime (Deployments run images: nothing runs without one). */
  docker: Docker | undefined;
  readyTimeoutMs: number;
}

interface Running {
  deployment: LoadedDeployment;
  /** Undefined while starting, and when it cannot run (`failure`). */
  pool?: FunctionPool;
  failure?: string;
  image?: string;
  appId?: string;
}

export class DeploymentsController {
  readonly #o: DeploymentsControllerOptions;
  readonly #running = new Map<string, Running>();
  readonly #queues = new SerialQueues();
  readonly #recentLogs: RecentLines;
  #generation = 0;

  constructor(o: DeploymentsControllerOptions) {
    this.#o = o;
    // An edit's project is in place: Deployments added, edited or removed follow.
    o.bus.on('project.replaced', () => {
      void this.sync().catch((err: unknown) => o.bus.emit({ type: 'daemon.error', source: 'deployments', code: 'ERR_START_FAILED', message: describe(err) }));
    });
    this.#recentLogs = new RecentLines(o.bus, RECENT_LINES, (fn) => this.#running.has(fn));
  }

  /** Brings the running Deployments in line with the project: new ones started, edited ones replaced, removed ones stopped. */
  async sync(): Promise<void> {
    const wanted = new Map(this.#o.project().deployments.map((d) => [deploymentKey(d), d]));
    const tasks: Promise<void>[] = [];
    for (const [key, running] of this.#running) {
      if (!wanted.has(key)) tasks.push(this.#queues.run(key, () => this.#remove(key)));
      // Edited, or saved again after it could not run (its image built since): started anew.
      else if (running.failure !== undefined || changed(running.deployment, wanted.get(key)!)) tasks.push(this.#queues.run(key, () => this.#replace(wanted.get(key)!)));
    }
    for (const [key, d] of wanted) if (!this.#running.has(key)) tasks.push(this.#queues.run(key, () => this.#start(d)));
    await Promise.all(tasks);
  }

  /** Every Deployment's state, for `status`. */
  status(): DeploymentStatus[] {
    return [...this.#running.values()].map(({ deployment: d, pool, failure, image, appId }) => ({
      name: d.name,
      namespace: d.namespace,
      state: failure !== undefined ? 'failed' : (pool?.state ?? 'pending'),
      ...(failure !== undefined ? { reason: failure } : {}),
      replicas: pool?.replicas ?? 0,
      desiredReplicas: d.replicas,
      image: image ?? d.container.image,
      ...(appId ? { daprAppId: appId } : {}),
    }));
  }

  /** Stops every Deployment's instances; resolves to what failed. */
  async stop(): Promise<unknown[]> {
    const errors: unknown[] = [];
    await Promise.all([...this.#running.values()].map((r) => r.pool?.dispose().catch((e: unknown) => errors.push(e))));
    this.#running.clear();
    return errors;
  }

  async #start(d: LoadedDeployment): Promise<void> {
    const key = deploymentKey(d);
    const entry: Running = { deployment: d };
    this.#running.set(key, entry);
    this.#o.bus.emit({ type: 'function.state', fn: key, state: 'pending' });
    let spec: InstanceSpec;
    try {
      spec = await this.#spec(d);
    } catch (err) {
      this.#fail(entry, describe(err));
      return;
    }
    if (this.#o.signal.aborted || this.#running.get(key) !== entry) return;
    entry.image = spec.image;
    entry.appId = spec.sidecar?.appId;
    const pool = this.#pool(d);
    entry.pool = pool;
    await pool.setSpec(spec);
    try {
      await pool.ensureMin();
    } catch (err) {
      this.#o.bus.emit({ type: 'daemon.error', source: key, code: 'ERR_START_FAILED', message: describe(err) });
    }
  }

  /** The Deployment was edited: its instances replaced by the new template's (a rollout, all at once). */
  async #replace(d: LoadedDeployment): Promise<void> {
    await this.#remove(deploymentKey(d), false);
    await this.#start(d);
  }

  async #remove(key: string, journal = true): Promise<void> {
    const running = this.#running.get(key);
    this.#running.delete(key);
    if (journal) this.#o.bus.emit({ type: 'function.removed', fn: key });
    await running?.pool?.drainAndDispose();
  }

  #fail(entry: Running, message: string): void {
    entry.failure = message;
    const key = deploymentKey(entry.deployment);
    this.#o.bus.emit({ type: 'function.state', fn: key, state: 'failed' satisfies FunctionState, reason: message });
    this.#o.bus.emit({ type: 'daemon.error', source: key, code: 'ERR_START_FAILED', message });
  }

  /** What each instance runs: the template's image, command, env and port, and its sidecar. */
  async #spec(d: LoadedDeployment): Promise<InstanceSpec> {
    const key = deploymentKey(d);
    const { docker } = this.#o;
    if (!docker || this.#o.runtime.kind !== 'docker') {
      throw new OfnError('ERR_RUNTIME_UNSUPPORTED', `Deployment ${key} (${d.origin.file}) runs the image ${d.container.image}, which needs the docker runtime`, { file: d.origin.file }, 'start a Docker engine and run with --runtime docker; functions keep running meanwhile');
    }
    if (!(await imageExists(docker, d.container.image))) {
      throw new OfnError(
        'ERR_IMAGE_MISSING',
        `Deployment ${key}: image ${d.container.image} (spec.template.spec.containers[0].image in ${d.origin.file}) is not in the local Docker engine`,
        { file: d.origin.file, path: 'spec.template.spec.containers[0].image' },
        `build it as a cluster's registry would get it, e.g. docker build -t ${d.container.image} <folder>; ofn-local starts it once the manifest is saved again`,
      );
    }
    const plan = deploymentDaprPlan(d, this.#o.project());
    const log = (line: string) => this.#o.bus.emit({ type: 'build.log', fn: key, line });
    const sidecar = plan ? await this.#o.bus.request('build.sidecar', { app: d, plan, log }) : undefined;
    if (sidecar && plan) sidecar.appPort = plan.appPort;
    const port = plan?.appPort || d.container.ports[0] || 0;
    return {
      pod: { holderImage: await this.#o.bus.request('build.base-image', { log }), aliases: serviceNames(d) },
      namespace: d.namespace,
      name: d.name,
      image: d.container.image,
      ...(d.container.command ? { entrypoint: d.container.command } : {}),
      ...(d.container.args ? { command: d.container.args } : {}),
      ...(d.container.workingDir ? { workingDir: d.container.workingDir } : {}),
      port,
      generation: ++this.#generation,
      env: { POD_NAMESPACE: d.namespace, ...(plan ? { ...POD_DAPR_ENV, ...daprTokenEnv(plan) } : {}), ...d.container.env },
      ...(sidecar ? { sidecar } : {}),
    };
  }

  #pool(d: LoadedDeployment): FunctionPool {
    return new FunctionPool({
      namespace: d.namespace,
      name: d.name,
      runtime: this.#o.runtime,
      // Exactly `replicas`, kept there: no idle window, no concurrency scaling.
      scale: { min: d.replicas, max: d.replicas, target: 100, containerConcurrency: 0 },
      externalScale: true,
      idleWindowMs: 60_000,
      zeroMode: 'stop',
      readyTimeoutMs: this.#o.readyTimeoutMs,
      maxInstancesCap: Math.max(1, d.replicas),
      emit: (e) => this.#o.bus.emit(e),
      recentLogs: (id) => this.#recentLogs.of(id),
    });
  }
}

/** Whether its pods must be replaced: the Deployment was edited, or the Services that pick its pods changed. */
function changed(before: LoadedDeployment, after: LoadedDeployment): boolean {
  return JSON.stringify([before.resource, before.services]) !== JSON.stringify([after.resource, after.services]);
}

/** The names cluster DNS gives the Deployment's Services, which reach its pods here too. */
function serviceNames(d: LoadedDeployment): string[] {
  return d.services.flatMap((svc) => [svc, `${svc}.${d.namespace}`, `${svc}.${d.namespace}.svc`, `${svc}.${d.namespace}.svc.cluster.local`]);
}
