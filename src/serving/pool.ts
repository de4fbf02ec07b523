import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, OfnError } from '../errors.js';
import type { FunctionState, OfnEvent } from '../protocol/journal.js';
import type { ScaleSettings } from '../model/types.js';
import type { Instance, InstanceSpec, ZeroMode } from '../runtime/runtime.js';
import { waitForPort } from '../runtime/wait-for-port.js';
import { waitForSidecarHealth } from '../runtime/sidecar-health.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Activator } from './activator.js';
import { ConcurrencyWindow } from './autoscaler.js';
import { Liveness } from './liveness.js';
import { reloadSlotsInPlace, until } from './rollout.js';
import {
  decideMin,
  decideOnNewBuild,
  decideOnRequest,
  decideOnTick,
  decideScaleTo,
  maxInstances,
  minInstances,
  planShrink,
  type PoolLoad,
  type ScaleDecision,
  type ScalePolicy,
} from './scale-decisions.js';
import type { Lease, PoolRuntime, Slot } from './types.js';

export type PoolErrorCode = 'ERR_NOT_READY' | 'ERR_START_FAILED' | 'ERR_BUILD_FAILED' | 'ERR_DISPOSED';

/** A request the pool could not serve; the gateway answers 503 with the message. */
export class PoolError extends OfnError<PoolErrorCode> {}

export interface PoolOptions {
  namespace: string;
  name: string;
  runtime: PoolRuntime;
  scale: ScaleSettings;
  /** No traffic for this long scales to `scale.min` (possibly zero). */
  idleWindowMs: number;
  zeroMode: ZeroMode;
  /** How long a held request waits for an instance (and an instance for readiness). */
  readyTimeoutMs: number;
  /** Cap used when the manifest leaves max unlimited (Knative's 0). */
  maxInstancesCap: number;
  emit: (event: OfnEvent) => void;
  /** Last lines an instance printed, to explain why it failed to start. */
  recentLogs: (instanceId: string) => string[];
  /** Forget kept-alive connections to an instance (its code changed under them). */
  dropIdleSockets?: (address: { host: string; port: number }) => void;
  /**
   * Replicas are set from outside (scaleTo: the KEDA-like scaler of an async function): no idle or
   * concurrency scaling here; the ticker only keeps the count asked for.
   */
  externalScale?: boolean;
  /** Time for the idle window, held requests' deadline and the liveness loop (default: the system's). */
  clock?: Clock;
}

/**
 * The instances of one function and the Knative behaviour around them: the activator
 * (serving/activator.ts) holds requests while an instance starts (from zero or for more capacity),
 * new instances are added when concurrency per instance passes the target, after an idle window the
 * pool shrinks to min, parking the last instance (stopped or paused) so the next cold start reuses
 * it. When to do which is decided in serving/scale-decisions.ts; the pool gathers its state, asks,
 * and carries out the answer. Liveness (serving/liveness.ts) and hot reload in place
 * (serving/rollout.ts) work on its slots.
 */
export class FunctionPool {
  readonly key: string;
  readonly #o: PoolOptions;
  readonly #policy: ScalePolicy;
  readonly #slots: Slot[] = [];
  #parked: Instance | undefined;
  #parking: Promise<void> | undefined;
  #starting = 0;
  readonly #activator: Activator<Lease>;
  #spec: InstanceSpec | undefined;
  #failure: PoolError | undefined;
  #state: FunctionState = 'pending';
  readonly #clock: Clock;
  #lastActivity: number;
  readonly #window: ConcurrencyWindow;
  readonly #liveness: Liveness;
  readonly #stopTicker: () => void;
  #disposed = false;
  #lastMinAttempt = 0;
  /** externalScale: the count asked for by scaleTo (min until then). */
  #desired: number;

  constructor(opts: PoolOptions) {
    this.#o = opts;
    this.#policy = {
      scale: opts.scale,
      maxInstancesCap: opts.maxInstancesCap,
      idleWindowMs: opts.idleWindowMs,
      zeroMode: opts.zeroMode,
      externalScale: opts.externalScale ?? false,
    };
    this.key = `${opts.namespace}/${opts.name}`;
    this.#desired = opts.scale.min;
    this.#clock = opts.clock ?? systemClock;
    this.#lastActivity = this.#clock.now();
    this.#activator = new Activator<Lease>(this.#clock);
    this.#window = new ConcurrencyWindow(opts.idleWindowMs);
    this.#liveness = new Liveness({
      key: this.key,
      runtime: opts.runtime,
      clock: this.#clock,
      readyTimeoutMs: opts.readyTimeoutMs,
      slots: () => this.#slots,
      emit: opts.emit,
      setState: (state, reason) => this.#setState(state, reason),
      markDead: (slot, reason) => this.markDead(slot, reason),
      dispatch: () => this.#dispatch(),
    });
    this.#stopTicker = this.#clock.every(1000, () => this.#tick());
  }

  get state(): FunctionState {
    return this.#state;
  }

  get replicas(): number {
    return this.#slots.filter((s) => !s.retiring).length;
  }

  get maxInstances(): number {
    return maxInstances(this.#policy);
  }

  get instances(): readonly Slot[] {
    return this.#slots;
  }

  setBuilding(): void {
    this.#setState('building');
  }

  /** A new build is ready: later instances use it; running ones of older builds retire when idle. */
  async setSpec(spec: InstanceSpec): Promise<void> {
    this.#spec = spec;
    this.#failure = undefined;
    for (const s of this.#slots) s.retiring = true;
    const parked = this.#parked;
    this.#parked = undefined;
    if (parked) await this.#o.runtime.remove(parked).catch(() => undefined);
    this.#removeIdleRetired();
    this.#setState(this.#o.scale.min > 0 ? 'pending' : 'scaled-to-zero');
    void this.#carryOut(decideOnNewBuild(this.#policy, this.#load()));
  }

  /** The build failed: requests get the reason until a good build arrives. */
  setFailed(reason: string): void {
    this.#failure = new PoolError('ERR_BUILD_FAILED', `${this.key} failed to build: ${reason}`);
    this.#setState('failed', reason);
    this.#rejectWaiters(this.#failure);
  }

  /** Starts `scale.min` instances and waits until they are ready. */
  async ensureMin(): Promise<void> {
    if (this.#disposed || !this.#spec) return;
    await this.#carryOut(decideMin(this.#policy, this.#load()));
    if (this.replicas < minInstances(this.#policy) && this.#failure) throw this.#failure;
  }

  /**
   * externalScale: sets the number of instances (bounded by max). Up starts them and waits; down
   * removes idle ones, the last parked for the next start.
   */
  async scaleTo(count: number, reason: string): Promise<void> {
    if (this.#disposed) return;
    const { desired, decision } = decideScaleTo(this.#policy, this.#load(), count, reason);
    this.#desired = desired;
    await this.#carryOut(decision);
  }

  /** Starts one instance and waits for it; throws the reason when it does not become ready. */
  async warmUp(reason: string): Promise<void> {
    await this.#scaleUp(reason);
    if (this.replicas === 0) throw this.#failure ?? new PoolError('ERR_START_FAILED', `${this.key} did not start`);
  }

  /** Gets an instance for one request: at once when one has room, else held until one is ready. */
  acquire(): Promise<Lease> {
    if (this.#disposed) return Promise.reject(new PoolError('ERR_DISPOSED', `${this.key} is shutting down`));
    const slot = this.#pick();
    if (slot) {
      slot.inFlight++;
      this.#sample();
      void this.#carryOut(decideOnRequest(this.#policy, this.#load(), { held: false }));
      return Promise.resolve({ slot, cold: false });
    }
    if (!this.#spec && this.#failure) return Promise.reject(this.#failure);
    const held = this.#activator.hold(this.#o.readyTimeoutMs, () => {
      const why = this.#failure ? `: ${this.#failure.message}` : '';
      return new PoolError('ERR_NOT_READY', `no instance of ${this.key} became ready within ${this.#o.readyTimeoutMs} ms${why}`);
    });
    this.#sample();
    void this.#carryOut(decideOnRequest(this.#policy, this.#load(), { held: true }));
    return held;
  }

  release(slot: Slot): void {
    slot.inFlight--;
    this.#lastActivity = this.#clock.now();
    this.#dispatch();
    if (slot.retiring && slot.inFlight === 0) this.#removeIdleRetired();
  }

  /** The instance failed mid-request (connection refused/reset): take it out. */
  async markDead(slot: Slot, reason: string): Promise<void> {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    this.#o.emit({ type: 'instance.failed', fn: this.key, instance: slot.instance.id, message: reason });
    await this.#o.runtime.remove(slot.instance).catch(() => undefined);
    this.#o.emit({ type: 'instance.removed', fn: this.key, instance: slot.instance.id });
    if (this.replicas === 0) this.#setState(this.#o.scale.min > 0 ? 'pending' : 'scaled-to-zero');
  }

  /**
   * A connection to the instance broke before its answer: if the instance is gone (killed, crashed),
   * take it out now rather than at the next liveness round, so later requests go elsewhere.
   */
  async verify(slot: Slot): Promise<void> {
    // The reset can come a moment before the engine or the OS reports the exit: look twice.
    for (const delayMs of [0, 50]) {
      if (!this.#slots.includes(slot)) return;
      if (delayMs) await sleep(delayMs);
      const alive = await this.#o.runtime.isAlive(slot.instance).catch(() => true);
      if (!alive && this.#slots.includes(slot)) {
        await this.markDead(slot, `instance ${slot.instance.id} exited`);
        return;
      }
    }
  }

  /** Scales to zero now (the TUI's `s`, and tests). */
  async scaleToZero(reason = 'requested'): Promise<void> {
    // minReplicas holds here too, as on a cluster.
    await this.#shrinkTo(minInstances(this.#policy), reason);
  }

  /**
   * Hot reload, fast path: `reloadOne` swaps the code inside each running instance. Meanwhile that
   * instance's new requests are held; its in-flight ones finish on the old code; its idle sockets
   * are dropped before the held requests go on, so they reach the new code. With `drainFirst` (a
   * program restarted in place) in-flight requests finish before `reloadOne` is called. Throws the
   * first failure after every instance was tried (a failed instance keeps serving its old code).
   */
  async reloadInPlace(reloadOne: (instance: Instance) => Promise<void>, opts: { drainFirst?: boolean } = {}): Promise<void> {
    const parked = this.#parked;
    if (parked?.state === 'paused') {
      // Frozen with the old code in memory: the next cold start gets a fresh one instead.
      this.#parked = undefined;
      await this.#o.runtime.remove(parked).catch(() => undefined);
    }
    await reloadSlotsInPlace(
      this.#slots.filter((s) => !s.retiring),
      { reloadOne, drainFirst: opts.drainFirst, timeoutMs: this.#o.readyTimeoutMs, dropIdleSockets: this.#o.dropIdleSockets, dispatch: () => this.#dispatch() },
    );
  }

  /**
   * Slow path (new build): starts an instance of `spec` while the old ones serve, then retires the
   * old ones (removed once idle). If the new instance does not start, the old build keeps serving
   * and this throws the reason.
   */
  async rollTo(spec: InstanceSpec): Promise<void> {
    const previous = this.#spec;
    const hadInstances = this.replicas > 0;
    this.#spec = spec;
    const parked = this.#parked;
    this.#parked = undefined;
    if (parked) await this.#o.runtime.remove(parked).catch(() => undefined);
    if (!hadInstances) {
      this.#failure = undefined;
      void this.#carryOut(decideOnNewBuild(this.#policy, this.#load()));
      return;
    }
    const old = this.#slots.filter((s) => !s.retiring);
    this.#failure = undefined;
    // Beyond max for a moment: the old build serves until the new one is ready.
    await this.#scaleUp('new build');
    const fresh = this.#slots.some((s) => s.instance.spec.generation === spec.generation);
    if (!fresh) {
      const failure = this.#failure as PoolError | undefined; // set by #scaleUp
      const why = failure?.message ?? 'the new instance did not start';
      this.#spec = previous;
      this.#failure = undefined;
      this.#setState('ready');
      throw new PoolError('ERR_START_FAILED', why);
    }
    for (const s of old) s.retiring = true;
    this.#removeIdleRetired();
  }

  /** Stops taking requests, lets in-flight ones finish (up to the ready timeout), then disposes. */
  async drainAndDispose(): Promise<void> {
    this.#rejectWaiters(new PoolError('ERR_DISPOSED', `${this.key} was removed`));
    for (const s of this.#slots) s.retiring = true;
    await until(() => this.#slots.every((s) => s.inFlight === 0), this.#o.readyTimeoutMs).catch(() => undefined);
    await this.dispose();
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopTicker();
    this.#rejectWaiters(new PoolError('ERR_DISPOSED', `${this.key} is shutting down`));
    await this.#parking?.catch(() => undefined);
    const all = [...this.#slots.map((s) => s.instance), ...(this.#parked ? [this.#parked] : [])];
    this.#slots.length = 0;
    this.#parked = undefined;
    await Promise.all(all.map((i) => this.#o.runtime.remove(i).catch(() => undefined)));
  }

  #pick(): Slot | undefined {
    const cc = this.#o.scale.containerConcurrency;
    let best: Slot | undefined;
    for (const s of this.#slots) {
      if (s.retiring || s.reloading || s.sidecarDown || (cc > 0 && s.inFlight >= cc)) continue;
      if (!best || s.inFlight < best.inFlight) best = s;
    }
    return best;
  }

  /** What the scale decisions read, now. */
  #load(): PoolLoad {
    return { slots: this.#slots, starting: this.#starting, held: this.#activator.length, hasSpec: this.#spec !== undefined };
  }

  /**
   * Carries out a scale decision. The starts are counted in `#starting` before this returns its
   * promise, so the next decision already sees them.
   */
  async #carryOut(decision: ScaleDecision): Promise<void> {
    switch (decision.kind) {
      case 'none':
        return;
      case 'start':
        await Promise.all(Array.from({ length: decision.count }, () => this.#scaleUp(decision.reason)));
        return;
      case 'retry-min':
        this.#lastMinAttempt = this.#clock.now();
        await this.#scaleUp(decision.reason);
        return;
      case 'shrink':
        await this.#shrinkTo(decision.to, decision.reason);
        return;
    }
  }

  /**
   * Starts one instance of the current spec (the parked one when it is of the same build). Whether
   * to is decided by the caller: warmUp and rollTo start one even at max (a rollout briefly runs
   * old and new).
   */
  async #scaleUp(reason: string): Promise<void> {
    if (!this.#spec || this.#disposed) return;
    this.#starting++;
    const from = this.replicas;
    const cold = from === 0;
    const started = this.#clock.now();
    let instance: Instance | undefined;
    try {
      await this.#parking;
      instance = this.#parked;
      this.#parked = undefined;
      if (instance && instance.spec.generation === this.#spec.generation) {
        this.#o.emit({ type: 'instance.starting', fn: this.key, instance: instance.id, cold });
        await this.#o.runtime.resume(instance);
      } else {
        if (instance) await this.#o.runtime.remove(instance).catch(() => undefined);
        instance = await this.#o.runtime.start(this.#spec);
        if (this.#disposed) {
          // Disposed while the container was created: it must not outlive the pool.
          await this.#o.runtime.remove(instance).catch(() => undefined);
          return;
        }
        this.#o.emit({ type: 'instance.starting', fn: this.key, instance: instance.id, cold });
      }
      await this.#waitReady(instance);
      if (this.#disposed) {
        // The function was removed or replaced while this instance started.
        await this.#o.runtime.remove(instance).catch(() => undefined);
        return;
      }
      this.#slots.push({ instance, inFlight: 0, retiring: false });
      this.#o.emit({ type: 'instance.ready', fn: this.key, instance: instance.id, cold, durationMs: this.#clock.now() - started });
      this.#o.emit({ type: 'function.scaled', fn: this.key, from, to: this.replicas, reason });
      this.#setState('ready');
      this.#lastActivity = this.#clock.now();
    } catch (err) {
      const logs = instance ? this.#o.recentLogs(instance.id).slice(-10) : [];
      const message = errorMessage(err) + (logs.length ? `\n${logs.join('\n')}` : '');
      this.#failure = new PoolError('ERR_START_FAILED', `${this.key} failed to start: ${message}`);
      if (instance) {
        this.#o.emit({ type: 'instance.failed', fn: this.key, instance: instance.id, message });
        await this.#o.runtime.remove(instance).catch(() => undefined);
      }
      if (this.replicas === 0) this.#setState('failed', message);
    } finally {
      this.#starting--;
    }
    this.#dispatch();
    if (this.#activator.length > 0 && this.replicas === 0 && this.#starting === 0 && this.#failure) {
      this.#rejectWaiters(this.#failure);
    }
  }

  /**
   * Ready as a pod is: the function listens and, when it has a Dapr sidecar, the sidecar answers
   * its readiness probe (a function woken by a request may call its sidecar at once).
   */
  async #waitReady(instance: Instance): Promise<void> {
    const deadline = Date.now() + this.#o.readyTimeoutMs;
    let lastCheck = 0;
    // A Deployment that declares no port is ready once it runs (as a pod without a readiness probe).
    if (instance.spec.port > 0) await waitForPort(instance.address.host, instance.address.port, {
      timeoutMs: this.#o.readyTimeoutMs,
      check: async () => {
        // Asking the engine is slower than a connect attempt: at most every 100 ms.
        if (Date.now() - lastCheck < 100) return;
        lastCheck = Date.now();
        if (!(await this.#o.runtime.isAlive(instance))) throw new Error(`instance ${instance.id} exited before it listened on port ${instance.spec.port}`);
      },
    });
    if (!instance.dapr) return;
    await waitForSidecarHealth(instance, {
      timeoutMs: Math.max(0, deadline - Date.now()),
      check: async () => {
        if (!(await this.#o.runtime.isAlive(instance))) throw new Error(`instance ${instance.id} exited while its Dapr sidecar started`);
      },
    });
  }

  #dispatch(): void {
    this.#activator.dispatch(() => {
      const slot = this.#pick();
      if (!slot) return undefined;
      slot.inFlight++;
      return { slot, cold: true };
    });
  }

  #rejectWaiters(err: Error): void {
    this.#activator.rejectAll(err);
  }

  #sample(): void {
    this.#window.sample(this.#slots.reduce((n, s) => n + s.inFlight, 0) + this.#activator.length);
  }

  #tick(): void {
    const now = this.#clock.now();
    this.#sample();
    this.#liveness.check();
    // An external scaler decides the count itself: the window is not read.
    if (!this.#o.externalScale) this.#window.roll(now);
    const decision = decideOnTick(
      this.#policy,
      { ...this.#load(), peakConcurrency: this.#window.peak, lastActivityAt: this.#lastActivity, lastMinAttemptAt: this.#lastMinAttempt, desired: this.#desired },
      now,
    );
    void this.#carryOut(decision);
  }

  async #shrinkTo(count: number, reason: string): Promise<void> {
    if (this.#parking) return;
    const from = this.replicas;
    const plan = planShrink(this.#policy, this.#slots, count);
    if (!plan) return;
    for (const s of [...plan.remove, ...(plan.park ? [plan.park.slot] : [])]) this.#slots.splice(this.#slots.indexOf(s), 1);
    const toPark = plan.park;
    this.#parking = (async () => {
      await Promise.all(
        plan.remove.map(async (s) => {
          await this.#o.runtime.remove(s.instance).catch(() => undefined);
          this.#o.emit({ type: 'instance.removed', fn: this.key, instance: s.instance.id });
        }),
      );
      if (toPark) {
        const { instance } = toPark.slot;
        try {
          await this.#o.runtime.suspend(instance, toPark.mode);
          this.#parked = instance;
          this.#o.emit({ type: 'instance.suspended', fn: this.key, instance: instance.id, mode: toPark.mode });
        } catch (err) {
          await this.#o.runtime.remove(instance).catch(() => undefined);
          this.#o.emit({ type: 'instance.failed', fn: this.key, instance: instance.id, message: errorMessage(err) });
        }
      }
      this.#o.emit({ type: 'function.scaled', fn: this.key, from, to: this.replicas, reason });
      if (this.replicas === 0) this.#setState('scaled-to-zero');
    })().finally(() => {
      this.#parking = undefined;
    });
    await this.#parking;
  }

  #removeIdleRetired(): void {
    for (const s of this.#slots.filter((x) => x.retiring && x.inFlight === 0)) {
      this.#slots.splice(this.#slots.indexOf(s), 1);
      void this.#o.runtime.remove(s.instance).then(
        () => this.#o.emit({ type: 'instance.removed', fn: this.key, instance: s.instance.id }),
        () => undefined,
      );
    }
  }

  #setState(state: FunctionState, reason?: string): void {
    if (state === this.#state && !reason) return;
    this.#state = state;
    this.#o.emit({ type: 'function.state', fn: this.key, state, reason });
  }
}
