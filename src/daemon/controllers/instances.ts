/**
 * The functions' instances: one pool per function (src/serving/pool.ts with the activator,
 * autoscaler, liveness, rollout), made when the function appears, given each build to serve, swapped
 * for a new pool when the manifest changes how it serves, drained when it goes. Once a pool serves a
 * build it says so on the bus (`function.serving`: the scaler attaches, hot reload adopts the build's
 * app folder); a removed function is journaled (`function.removed`). Also what reaches a running
 * instance from outside the gateway: `publish` through its sidecar, `invokeInput` as daprd would.
 * Answers the bus's `instances.*` requests (bus.ts): the project controller asks for them there.
 */
import { errorMessage, OfnError } from '../../errors.js';
import { FunctionPool } from '../../serving/pool.js';
import { daprPlan } from '../../model/dapr-plan.js';
import type { LoadedFunction } from '../../model/types.js';
import type { InstanceSpec, ZeroMode } from '../../runtime/runtime.js';
import { waitForSidecarHealth } from '../../runtime/sidecar-health.js';
import { GrpcAppChannel } from '../../sidecar/app-channel/grpc-app-channel.js';
import { CONTROL_TOKEN_HEADER } from '../../sidecar/http/public-server.js';
import type { Logger } from '../../shared/logger.js';
import { kedaSettings } from '../async-scaler.js';
import type { DaprMode } from '../dapr-mode.js';
import { describe, fnKey, RecentLines, type ControllerContext } from './context.js';

/** Knative's max-scale 0 means unlimited; a laptop gets this many at most. */
const MAX_INSTANCES_CAP = 10;
/** A stack frame line of a Node error (`    at fn (file:1:2)`). */
const STACK_FRAME = /^\s+at /;
/** Lines of each instance's output kept to quote when it fails to start. */
const RECENT_LINES = 50;

export interface InstancesControllerOptions extends ControllerContext {
  /** Where instances run (what a pool asks of the Docker or process runtime). */
  runtime: ConstructorParameters<typeof FunctionPool>[0]['runtime'];
  /** Idle time before a function scales to its minimum (Knative: stable window + grace). */
  idleTimeoutMs: number;
  zeroMode: ZeroMode;
  /** How long a held request waits for an instance. */
  readyTimeoutMs: number;
  /** Start every function once while starting, one at zero too (`up --ci`, `exec`, `up --detach`). */
  warmUp: boolean;
  /** Whose sidecar runs beside functions: `publish` reaches ofn-local's and daprd's differently. */
  dapr?: DaprMode;
  /** The gateway's idle keep-alive sockets to an instance that is going away. */
  dropIdleSockets(address: { host: string; port: number }): void;
}

export class InstancesController {
  readonly #o: InstancesControllerOptions;
  readonly #pools = new Map<string, FunctionPool>();
  readonly #recentLogs: RecentLines;

  constructor(o: InstancesControllerOptions) {
    this.#o = o;
    this.#recentLogs = new RecentLines(o.bus, RECENT_LINES);
    o.bus.handle('instances.add', ({ fn }) => this.add(fn));
    o.bus.handle('instances.building', ({ key }) => this.building(key));
    o.bus.handle('instances.failed', ({ key, message }) => this.failed(key, message));
    o.bus.handle('instances.serve', ({ fn, spec }) => this.serve(fn, spec));
    o.bus.handle('instances.replace', ({ fn, spec }) => this.replace(fn, spec));
    o.bus.handle('instances.remove', ({ key }) => this.remove(key));
  }

  pool(key: string): FunctionPool | undefined {
    return this.#pools.get(key);
  }

  keys(): string[] {
    return [...this.#pools.keys()];
  }

  /** A pool for a function that appeared (at start, or in an edit): it holds requests until it has a build. */
  add(fn: LoadedFunction): void {
    this.#pools.set(fnKey(fn), this.#newPool(fn));
  }

  /** The function is being built (its requests wait). */
  building(key: string): void {
    this.#pools.get(key)?.setBuilding();
  }

  /** Its build failed: requests get the reason. */
  failed(key: string, message: string): void {
    this.#pools.get(key)?.setFailed(message);
  }

  /** Serves a build: its minimum started (and one warm-up start when asked), then `function.serving`. */
  async serve(fn: LoadedFunction, spec: InstanceSpec): Promise<void> {
    const key = fnKey(fn);
    const pool = this.#pools.get(key);
    if (!pool) return;
    await pool.setSpec(spec);
    try {
      await pool.ensureMin();
      if (this.#o.warmUp && pool.replicas === 0) await pool.warmUp('start check');
    } catch (err) {
      this.#o.bus.emit({ type: 'daemon.error', source: key, code: 'ERR_START_FAILED', message: errorMessage(err) });
    }
    await this.#o.bus.dispatch({ type: 'function.serving', fn, pool, spec });
  }

  /**
   * The manifest changed how the function serves (scale, env, port belong to the pool): a new pool
   * with the new build takes over, once it has proved it starts if the old one was serving at all;
   * else the previous version keeps serving.
   */
  async replace(fn: LoadedFunction, spec: InstanceSpec): Promise<void> {
    const key = fnKey(fn);
    const old = this.#pools.get(key);
    const pool = this.#newPool(fn);
    await pool.setSpec(spec);
    if ((old?.replicas ?? 0) > 0 || fn.scale.min > 0) {
      try {
        await pool.warmUp('new version');
        await pool.ensureMin();
      } catch (err) {
        await pool.dispose();
        this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'slow', message: `the edited function did not start, the previous version keeps serving: ${describe(err)}` });
        return;
      }
    }
    this.#pools.set(key, pool);
    await this.#o.bus.dispatch({ type: 'function.serving', fn, pool, spec });
    await old?.drainAndDispose();
    this.#o.bus.emit({ type: 'reload.finished', fn: key, path: 'slow', timings: { detectMs: 0, syncMs: 0, restartMs: 0, totalMs: 0 } });
  }

  /** The function is gone from the manifests: journaled at once, its instances drained. */
  remove(key: string): Promise<void> {
    const pool = this.#pools.get(key);
    this.#pools.delete(key);
    this.#o.bus.emit({ type: 'function.removed', fn: key });
    return pool?.drainAndDispose() ?? Promise.resolve();
  }

  /** Scales the function to its minimum now (`ofn-local` TUI's `z`, the control API); an unknown function is ERR_NO_FUNCTION. */
  async scaleToZero(key: string, reason: string): Promise<void> {
    const pool = this.#pools.get(key);
    if (!pool) throw new OfnError('ERR_NO_FUNCTION', `no function ${key}`);
    await pool.scaleToZero(reason);
  }

  /** Stops every instance; resolves to what failed. */
  async dispose(): Promise<unknown[]> {
    const errors: unknown[] = [];
    await Promise.all([...this.#pools.values()].map((p) => p.dispose().catch((e: unknown) => errors.push(e))));
    return errors;
  }

  /**
   * Publishes to a topic through the sidecar of a running function that has the pubsub component
   * (an in-memory pubsub lives in its sidecar, so it must be that sidecar). Resolves to the
   * sidecar's answer status.
   */
  async publish(namespace: string, pubsub: string, topic: string, body: Buffer, contentType: string): Promise<{ status: number; via: string; body: string }> {
    const project = this.#o.project();
    const candidates = project.functions.filter((fn) => {
      if (fn.namespace !== namespace) return false;
      return (daprPlan(fn, project)?.components ?? []).some(
        (c) => (c.metadata as { name?: string }).name === pubsub && String((c.spec as { type?: string }).type).startsWith('pubsub.'),
      );
    });
    if (candidates.length === 0) {
      throw new OfnError('ERR_NO_PUBSUB', `no function in namespace ${namespace} has a pubsub component named ${pubsub}`, {}, 'name one of the pubsub components of your Functions (or standalone Components)');
    }
    for (const fn of candidates) {
      const slot = this.#pools.get(fnKey(fn))?.instances.find((s) => s.instance.dapr && s.instance.state === 'running');
      if (!slot) continue;
      const { host, port, controlToken, apiPort } = slot.instance.dapr!;
      // The real daprd has no control token: its API is reached where it listens, which the daemon
      // shares on the process runtime only (on Docker it is the pod's own loopback).
      if (this.#o.dapr === 'daprd' && apiPort === undefined) {
        throw new OfnError('ERR_NOT_AVAILABLE', `ofn-local publish cannot reach daprd's API on the docker runtime: it listens on the pod's loopback only`, {}, `publish to the broker itself (a pubsub with a real broker), or run with --runtime process or --dapr embedded`);
      }
      // A sidecar that is still starting is waited for until it is whole: its components connected
      // and its app's subscriptions read (an in-memory topic keeps nothing for a subscriber that is
      // not there yet). A sidecar whose app never answers gets the message once its components are up.
      await waitForSidecarHealth(slot.instance, { timeoutMs: Math.min(this.#o.readyTimeoutMs, 30_000), path: '/v1.0/healthz' }).catch(() =>
        waitForSidecarHealth(slot.instance, { timeoutMs: this.#o.readyTimeoutMs, path: '/v1.0/healthz/outbound' }),
      );
      const token = daprPlan(fn, project)?.tokens.api;
      // The sidecar's API listens on its pod's loopback; the daemon comes in by its public port.
      const res =
        this.#o.dapr === 'daprd'
          ? await fetch(`http://127.0.0.1:${apiPort}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}`, { method: 'POST', headers: { 'content-type': contentType, ...(token ? { 'dapr-api-token': token } : {}) }, body })
          : await fetch(`http://${host}:${port}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}`, {
              method: 'POST',
              headers: { 'content-type': contentType, [CONTROL_TOKEN_HEADER]: controlToken },
              body,
            });
      return { status: res.status, via: slot.instance.id, body: await res.text() };
    }
    throw new OfnError('ERR_NOT_RUNNING', `no instance with pubsub ${pubsub} runs now (functions: ${candidates.map(fnKey).join(', ')})`, {}, 'invoke one of them first, or give it minReplicas: 1');
  }

  /**
   * Delivers `body` to an async function as an event of one of its input bindings, the way daprd
   * does (POST /<binding or its route> on the app port), waking it when it is at zero. `input` may
   * be left out when the function has one binding input. Resolves to the app's answer.
   */
  async invokeInput(namespace: string, name: string, input: string | undefined, body: Buffer, contentType: string): Promise<{ status: number; body: string; input: string; via: string }> {
    const key = `${namespace}/${name}`;
    const project = this.#o.project();
    const fn = project.functions.find((f) => fnKey(f) === key);
    const pool = this.#pools.get(key);
    if (!fn || !pool) throw new OfnError('ERR_NO_FUNCTION', `no function ${key} in this project`);
    const plan = daprPlan(fn, project);
    const triggers = fn.resource.spec.serving?.triggers?.dapr ?? [];
    const bindings = triggers.filter((t) => (t.type ?? '').startsWith('bindings.')).map((t) => t.name);
    if (bindings.length === 0) {
      const pubsubs = triggers.filter((t) => (t.type ?? '').startsWith('pubsub.'));
      throw new OfnError('ERR_NO_INPUT_BINDING', `${key} has no input binding to deliver to`, {}, pubsubs.length ? `it subscribes to ${pubsubs.map((t) => `${t.name}/${t.topic}`).join(', ')}: use ofn-local publish <pubsub> <topic>` : 'give it a dapr trigger of a bindings.* type');
    }
    const chosen = input ?? (bindings.length === 1 ? bindings[0]! : undefined);
    if (!chosen || !bindings.includes(chosen)) {
      throw new OfnError('ERR_NO_INPUT_BINDING', `${input ? `${key} has no input binding ${input}` : `${key} has several input bindings`}: ${bindings.join(', ')}`, {}, 'name one with --input <binding>');
    }
    // daprd posts to the component's `route` metadata when it has one, else to /<name>.
    const component = plan?.components.find((c) => (c.metadata as { name?: string }).name === chosen);
    const route = ((component?.spec as { metadata?: { name?: string; value?: unknown }[] } | undefined)?.metadata ?? []).find((m) => m.name === 'route')?.value;
    const target = String(route ?? `/${chosen}`).replace(/^(?!\/)/, '/');
    const started = Date.now();
    const lease = await pool.acquire();
    try {
      const { host, port } = lease.slot.instance.address;
      // A gRPC app (an async Go function) takes the event as daprd gives it: OnBindingEvent.
      const answer =
        lease.slot.instance.spec.sidecar?.appProtocol === 'grpc'
          ? await grpcBindingEvent(host, port, chosen, body, plan?.appId ?? key)
          : await fetch(`http://${host}:${port}${target}`, { method: 'POST', headers: { 'content-type': contentType }, body }).then(async (res) => ({ status: res.status, body: await res.text() }));
      this.#o.bus.emit({ type: 'request.completed', fn: key, method: 'POST', path: target, status: answer.status, durationMs: Date.now() - started, cold: lease.cold, instance: lease.slot.instance.id });
      return { status: answer.status, body: answer.body, input: chosen, via: lease.slot.instance.id };
    } finally {
      pool.release(lease.slot);
    }
  }

  #newPool(fn: LoadedFunction): FunctionPool {
    return new FunctionPool({
      namespace: fn.namespace,
      name: fn.name,
      runtime: this.#o.runtime,
      // Async functions start with one replica (a Deployment's); with KEDA triggers their scaler
      // sets the count from then on, without them it stays fixed (as on a cluster).
      scale: fn.runtime === 'async' ? { ...fn.scale, min: Math.max(1, fn.scale.min) } : fn.scale,
      externalScale: fn.runtime === 'async' && kedaSettings(fn) !== undefined,
      idleWindowMs: this.#o.idleTimeoutMs,
      zeroMode: this.#o.zeroMode,
      readyTimeoutMs: this.#o.readyTimeoutMs,
      maxInstancesCap: MAX_INSTANCES_CAP,
      emit: (e) => this.#o.bus.emit(e),
      // A start failure quotes the instance's last lines: the error, not the stack frames after it.
      recentLogs: (id) => this.#recentLogs.of(id).filter((l) => !STACK_FRAME.test(l)),
      dropIdleSockets: (address) => this.#o.dropIdleSockets(address),
    });
  }
}

/** One input binding event to a gRPC app, through the sidecar's own gRPC app channel client. */
async function grpcBindingEvent(host: string, port: number, name: string, body: Buffer, appId: string): Promise<{ status: number; body: string }> {
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, enabled: () => false, child: () => quiet } as unknown as Logger;
  const channel = new GrpcAppChannel({ address: host, port, protocol: 'http', appId, maxConcurrency: -1, maxBodySize: 4 << 20, log: quiet });
  try {
    const answer = await channel.request({ method: 'POST', path: `/${name}`, body, timeoutMs: 60_000, kind: { type: 'binding', name, metadata: {} } });
    return { status: answer.status, body: answer.body.toString('utf8') };
  } finally {
    channel.close();
  }
}
