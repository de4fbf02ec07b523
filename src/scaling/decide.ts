import { ScalingError } from './errors.js';

/**
 * One poll of a KEDA ScaledObject with one trigger, and the HPA it drives, as a pure function.
 *
 * KEDA (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go, RequestScale):
 * - active = the trigger's activity > activationThreshold (KEDA's activation thresholds default to 0,
 *   so any backlog activates);
 * - active at 0 replicas: scale to max(minReplicaCount, 1) (scaleFromZeroOrIdle); active otherwise:
 *   lastActiveTime = now and the HPA does the rest;
 * - inactive with replicas > 0 and minReplicaCount 0: scale to 0 once lastActiveTime + cooldownPeriod
 *   is before now (no lastActiveTime: once creation + initialCooldownPeriod, default 0, is), else wait;
 *   inactive below minReplicaCount: set minReplicaCount;
 * - a probe error (backlog null): no change, as KEDA without `fallback`.
 * HPA (External metric, AverageValue target = threshold), whenever replicas > 0:
 * - desired = ceil(backlog / threshold), kept at current when |backlog / (threshold × current) − 1|
 *   ≤ tolerance (0.1), bounded by [max(minReplicas, 1), maxReplicas] (KEDA gives the HPA min 1 when
 *   minReplicaCount is 0).
 * Simplification: activation from zero and the HPA's next sync happen in the same call (KEDA scales to
 * one replica and the HPA, within its 15 s period, to the backlog's count); the HPA's scaling
 * behaviour (scale-up rate limits, the 300 s scale-down stabilization window) is not modelled.
 */
export interface ScaleInput {
  /** KEDA minReplicaCount (default 0). */
  minReplicas: number;
  /** KEDA maxReplicaCount (default 100). */
  maxReplicas: number;
  current: number;
  /** The probe's metric value (BacklogReading.value); null when the probe failed. */
  backlog: number | null;
  /** What is compared with the activation threshold (BacklogReading.activity); defaults to backlog. */
  activity?: number;
  /** The trigger's target per replica (lagThreshold, pendingEntriesCount, …). */
  threshold: number;
  /** Default 0. */
  activationThreshold?: number;
  /** KEDA cooldownPeriod (default 300). */
  cooldownPeriodSeconds: number;
  /** When the trigger was last active (ms since the epoch), from the previous decision. */
  lastActiveAt?: number;
  /** For a ScaledObject that has never been active: its creation time and initialCooldownPeriod (0). */
  createdAt?: number;
  initialCooldownPeriodSeconds?: number;
  /** The HPA's tolerance (0.1). */
  tolerance?: number;
}

export type ScaleReason =
  /** Inactive, above zero, cooldown over: to zero. */
  | 'scale-to-zero'
  /** Active at zero: KEDA's activation, then the HPA's count. */
  | 'activate'
  /** The HPA's count from the backlog (possibly unchanged). */
  | 'hpa'
  /** Inactive and still cooling down: the HPA keeps its minimum. */
  | 'cooldown'
  /** Inactive below minReplicas: raised to it. */
  | 'min-replicas'
  /** Inactive at zero: stays. */
  | 'idle'
  /** The probe failed: unchanged. */
  | 'probe-error';

export interface ScaleDecision {
  replicas: number;
  active: boolean;
  /** Keep for the next call. */
  lastActiveAt?: number;
  reason: ScaleReason;
}

export function decideReplicas(input: ScaleInput, clock: () => number = Date.now): ScaleDecision {
  const { minReplicas, maxReplicas, current, backlog, threshold } = input;
  if (!(threshold > 0)) throw new ScalingError('ERR_SCALER_METADATA', `scaling threshold must be a positive number, got ${threshold}`);
  const now = clock();
  const keep = input.lastActiveAt !== undefined ? { lastActiveAt: input.lastActiveAt } : {};
  if (backlog === null) return { replicas: current, active: false, ...keep, reason: 'probe-error' };
  const active = (input.activity ?? backlog) > (input.activationThreshold ?? 0);
  const hpaMin = Math.max(minReplicas, 1);
  const hpa = (replicas: number): number => {
    const ratio = backlog / (threshold * replicas);
    const desired = Math.abs(ratio - 1) <= (input.tolerance ?? 0.1) ? replicas : Math.ceil(backlog / threshold);
    return Math.min(maxReplicas, Math.max(hpaMin, desired));
  };
  if (active) {
    if (current === 0) return { replicas: hpa(hpaMin), active, lastActiveAt: now, reason: 'activate' };
    return { replicas: hpa(current), active, lastActiveAt: now, reason: 'hpa' };
  }
  if (current > 0 && minReplicas === 0) {
    const since = input.lastActiveAt !== undefined ? input.lastActiveAt + input.cooldownPeriodSeconds * 1000 : (input.createdAt ?? -Infinity) + (input.initialCooldownPeriodSeconds ?? 0) * 1000;
    if (since < now) return { replicas: 0, active, ...keep, reason: 'scale-to-zero' };
    return { replicas: hpa(current), active, ...keep, reason: 'cooldown' };
  }
  if (current < minReplicas) return { replicas: minReplicas, active, ...keep, reason: 'min-replicas' };
  if (current === 0) return { replicas: 0, active, ...keep, reason: 'idle' };
  return { replicas: hpa(current), active, ...keep, reason: 'hpa' };
}
