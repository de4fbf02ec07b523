/**
 * When a pool starts, shrinks and parks instances, as pure decisions: the pool gathers its state,
 * asks one of these, and carries out the answer. Time is the caller's (the pool's clock), so every
 * rule is unit-tested without processes or waiting. How many instances a concurrency asks for is
 * Knative's rule in autoscaler.ts.
 */
import type { ScaleSettings } from '../model/types.js';
import type { ZeroMode } from '../runtime/runtime.js';
import { desiredInstances } from './autoscaler.js';

/** How often a pool below its floor tries again while starts keep failing. */
export const MIN_RETRY_MS = 3000;

/** The rules one pool scales by, fixed when it is made. */
export interface ScalePolicy {
  scale: Pick<ScaleSettings, 'min' | 'max' | 'target'>;
  /** Cap used when the manifest leaves max unlimited (Knative's 0). */
  maxInstancesCap: number;
  /** No traffic for this long scales to `scale.min` (possibly zero). */
  idleWindowMs: number;
  /** How the last instance is parked at zero. */
  zeroMode: ZeroMode;
  /** Replicas set from outside (the KEDA-like scaler): no idle or concurrency scaling, only the count asked for. */
  externalScale: boolean;
}

/** What the decisions read of an instance (the pool's Slot). */
export interface ScaleSlot {
  inFlight: number;
  /** Of an older build: removed once idle, not counted as a replica. */
  retiring: boolean;
  reloading?: boolean;
}

/** The pool's load at the moment it asks. */
export interface PoolLoad<S extends ScaleSlot = ScaleSlot> {
  /** Its instances, retiring ones of older builds too, oldest first. */
  slots: readonly S[];
  /** Instances being started. */
  starting: number;
  /** Requests the activator holds. */
  held: number;
  /** There is a build to start instances of. */
  hasSpec: boolean;
}

/** What the once-a-second tick reads besides the load. */
export interface TickState extends PoolLoad {
  /** The highest concurrency the window saw. */
  peakConcurrency: number;
  /** When the last request ended or the last instance became ready. */
  lastActivityAt: number;
  /** When the tick last started an instance to reach the floor. */
  lastMinAttemptAt: number;
  /** externalScale: the count the scaler asked for (min until it asks). */
  desired: number;
}

export type ScaleDecision =
  | { kind: 'none' }
  /** Start `count` instances. */
  | { kind: 'start'; count: number; reason: string }
  /** Below the floor: start one and note the attempt, so failing starts are tried only every MIN_RETRY_MS. */
  | { kind: 'retry-min'; reason: string }
  /** Remove idle instances down to `to`; planShrink says which, and which one is parked. */
  | { kind: 'shrink'; to: number; reason: string };

const NONE: ScaleDecision = { kind: 'none' };

/** The upper bound on instances: the manifest's max, or the cap where Knative's 0 means unlimited. */
export function maxInstances(policy: ScalePolicy): number {
  return policy.scale.max > 0 ? policy.scale.max : policy.maxInstancesCap;
}

/** minReplicas, never above the upper bound. */
export function minInstances(policy: ScalePolicy): number {
  return Math.min(policy.scale.min, maxInstances(policy));
}

/** Instances serving the current build. */
export function replicasOf(load: PoolLoad): number {
  return load.slots.filter((s) => !s.retiring).length;
}

function live(load: PoolLoad): number {
  return replicasOf(load) + load.starting;
}

function hasRoom(policy: ScalePolicy, load: PoolLoad): boolean {
  return live(load) < maxInstances(policy);
}

/** More capacity wanted: every live instance is at the target and there is room to grow. */
function needsMore(policy: ScalePolicy, load: PoolLoad): boolean {
  if (!hasRoom(policy, load)) return false;
  const concurrency = load.slots.reduce((n, s) => n + (s.retiring ? 0 : s.inFlight), 0) + load.held;
  return concurrency > live(load) * policy.scale.target;
}

/**
 * A request arrived and was either served at once (`held: false`) or held by the activator: start
 * an instance when concurrency passes the target, or when a held request has none on its way (at
 * zero, or every instance full). Nothing starts while an instance reloads in place: the held
 * requests wait for it.
 */
export function decideOnRequest(policy: ScalePolicy, load: PoolLoad, request: { held: boolean }): ScaleDecision {
  if (!request.held) return needsMore(policy, load) ? { kind: 'start', count: 1, reason: 'concurrency' } : NONE;
  const reloading = load.slots.some((s) => s.reloading);
  if (!load.hasSpec || reloading || !hasRoom(policy, load)) return NONE;
  if (load.starting > 0 && !needsMore(policy, load)) return NONE;
  return { kind: 'start', count: 1, reason: replicasOf(load) === 0 ? 'request at zero' : 'concurrency' };
}

/** A new build arrived with no instance serving: held requests get one started for them. */
export function decideOnNewBuild(policy: ScalePolicy, load: PoolLoad): ScaleDecision {
  if (!load.hasSpec || load.held === 0 || !hasRoom(policy, load)) return NONE;
  return { kind: 'start', count: 1, reason: 'held requests' };
}

/** Starting up: as many instances as minReplicas lacks. */
export function decideMin(policy: ScalePolicy, load: PoolLoad): ScaleDecision {
  if (!load.hasSpec) return NONE;
  const missing = minInstances(policy) - live(load);
  return missing > 0 ? { kind: 'start', count: missing, reason: 'minReplicas' } : NONE;
}

/**
 * externalScale: the scaler asks for `count` instances. `desired` is the count kept from now on
 * (bounded by max); the decision starts the missing ones or shrinks to it.
 */
export function decideScaleTo(policy: ScalePolicy, load: PoolLoad, count: number, reason: string): { desired: number; decision: ScaleDecision } {
  const desired = Math.max(0, Math.min(count, maxInstances(policy)));
  const missing = desired - live(load);
  if (missing > 0) return { desired, decision: load.hasSpec ? { kind: 'start', count: missing, reason } : NONE };
  if (desired < replicasOf(load)) return { desired, decision: { kind: 'shrink', to: desired, reason } };
  return { desired, decision: NONE };
}

/**
 * The once-a-second tick. Below the floor (minReplicas, or the count an external scaler asked for:
 * a crashed instance, a first start that failed and was fixed) it starts one, at most every
 * MIN_RETRY_MS while starts keep failing. With Knative's autoscaling, once nothing starts and
 * nothing is held, it shrinks to what the window's peak concurrency asks for: to min once the idle
 * window passed with no traffic.
 */
export function decideOnTick(policy: ScalePolicy, state: TickState, now: number): ScaleDecision {
  const floor = Math.min(policy.externalScale ? state.desired : policy.scale.min, maxInstances(policy));
  if (state.hasSpec && live(state) < floor && now - state.lastMinAttemptAt > MIN_RETRY_MS) {
    return { kind: 'retry-min', reason: policy.externalScale ? 'replicas set by the scaler' : 'minReplicas' };
  }
  if (policy.externalScale || state.starting > 0 || state.held > 0) return NONE;
  // Retiring instances' requests count too: the pool is not idle while an old build still answers.
  const inFlight = state.slots.reduce((n, s) => n + s.inFlight, 0);
  const desired = desiredInstances({
    peakConcurrency: state.peakConcurrency,
    target: policy.scale.target,
    min: policy.scale.min,
    max: maxInstances(policy),
    idleMs: inFlight > 0 ? 0 : now - state.lastActivityAt,
    idleWindowMs: policy.idleWindowMs,
  });
  if (desired >= replicasOf(state)) return NONE;
  return { kind: 'shrink', to: desired, reason: desired === 0 ? 'idle' : 'lower concurrency' };
}

/** Which instances a shrink removes, and the one it parks. */
export interface ShrinkPlan<S> {
  remove: S[];
  /** At zero the last instance is parked (stopped or paused) so the next cold start reuses it. */
  park?: { slot: S; mode: ZeroMode };
}

/**
 * Shrinking to `to`: only idle instances go (none in flight, none reloading), the newest first; the
 * one left when the pool reaches zero is parked by the policy's zeroMode. Undefined when no idle
 * instance can go.
 */
export function planShrink<S extends ScaleSlot>(policy: ScalePolicy, slots: readonly S[], to: number): ShrinkPlan<S> | undefined {
  const replicas = slots.filter((s) => !s.retiring).length;
  const idleNewestFirst = slots.filter((s) => !s.retiring && !s.reloading && s.inFlight === 0).reverse();
  const surplus = idleNewestFirst.slice(0, Math.max(0, replicas - to));
  if (surplus.length === 0) return undefined;
  if (to > 0 || surplus.length < replicas) return { remove: surplus };
  const last = surplus[surplus.length - 1]!;
  return { remove: surplus.slice(0, -1), park: { slot: last, mode: policy.zeroMode } };
}
