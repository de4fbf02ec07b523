/**
 * KEDA for one async function: polls the backlog of the inputs its `scaleOptions.keda.triggers`
 * name, every `keda.scaledObject.pollingInterval` seconds, and sets its replicas as KEDA and the HPA
 * would (src/scaling/decide.ts): up from zero when a backlog appears, by the backlog's count per
 * threshold, back to zero after `cooldownPeriod` without one. While at zero the broker keeps the
 * messages (Kafka offsets, stream entries, JetStream consumers) and the next poll wakes the function:
 * nothing is lost.
 */
import { errorMessage } from '../errors.js';
import type { FunctionPool } from '../serving/pool.js';
import type { LoadedFunction } from '../model/types.js';
import { decideReplicas, probeFor, type KedaTrigger, type ResolveHost, type TriggerProbe } from '../scaling/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { OfnEvent } from '../protocol/journal.js';
import type { BacklogStatus } from '../protocol/status.js';

/** KEDA's defaults. */
const DEFAULT_POLLING_SECONDS = 30;
const DEFAULT_COOLDOWN_SECONDS = 300;

/** What the status shows of a scaler: the protocol's (src/protocol/status.ts). */
export type { BacklogStatus };

export interface KedaSettings {
  triggers: (KedaTrigger & { index: number })[];
  pollingInterval: number;
  cooldownPeriod: number;
}

/** The KEDA triggers and timings of a function, or undefined when it has none (fixed replicas). */
export function kedaSettings(fn: LoadedFunction, cooldownOverride?: number): KedaSettings | undefined {
  const keda = fn.resource.spec.serving?.scaleOptions?.keda;
  const triggers = (keda?.triggers ?? []).map((t, index) => ({
    type: t.type,
    metadata: { ...t.metadata },
    ...(t.name ? { name: t.name } : {}),
    index,
  }));
  if (triggers.length === 0) return undefined;
  return {
    triggers,
    pollingInterval: keda?.scaledObject?.pollingInterval ?? DEFAULT_POLLING_SECONDS,
    cooldownPeriod: cooldownOverride ?? keda?.scaledObject?.cooldownPeriod ?? DEFAULT_COOLDOWN_SECONDS,
  };
}

/** What the scaler needs of a function's pool: its count, its bound, and a way to set the count. */
export type ScaledPool = Pick<FunctionPool, 'replicas' | 'maxInstances' | 'scaleTo'>;

export interface AsyncScalerOptions {
  fn: LoadedFunction;
  pool: ScaledPool;
  settings: KedaSettings;
  /** Broker addresses in manifests (`kafka:9092`) to where the daemon reaches them. */
  resolveHost: ResolveHost;
  emit: (event: OfnEvent) => void;
  /** Polls and the cooldown run on it (the system's by default). */
  clock?: Clock;
  /** The probe of each trigger (the brokers' own by default: src/scaling). */
  probeFor?: typeof probeFor;
}

export class AsyncScaler {
  readonly #o: AsyncScalerOptions;
  readonly #probes: TriggerProbe[];
  readonly #clock: Clock;
  readonly #stopTimer: () => void;
  readonly #createdAt: number;
  #lastActiveAt: number | undefined;
  #polling: Promise<void> | undefined;
  #status: BacklogStatus | undefined;
  #stopped = false;
  #lastError = '';

  /** Throws ScalingError naming the trigger field when a trigger cannot be probed. */
  constructor(o: AsyncScalerOptions) {
    this.#o = o;
    const base = ['spec', 'serving', 'scaleOptions', 'keda', 'triggers'];
    this.#probes = o.settings.triggers.map((t) => (o.probeFor ?? probeFor)(t, o.resolveHost, { file: o.fn.origin.file, path: [...base, t.index].join('.') }));
    this.#clock = o.clock ?? systemClock;
    this.#createdAt = this.#clock.now();
    this.#stopTimer = this.#clock.every(o.settings.pollingInterval * 1000, () => void this.poll());
  }

  get backlog(): BacklogStatus | undefined {
    return this.#status;
  }

  /** One KEDA poll (also the first one, right after start). */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimer();
    await this.#polling?.catch(() => undefined);
    await Promise.all(this.#probes.map((p) => p.probe.close().catch(() => undefined)));
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    const { fn, pool, settings } = this.#o;
    const now = this.#clock.now();
    const readings = await Promise.all(
      this.#probes.map(async (p) => {
        try {
          return { p, reading: await p.probe.read() };
        } catch (err) {
          return { p, error: errorMessage(err) };
        }
      }),
    );
    if (this.#stopped) return;
    const ok = readings.filter((r) => r.reading);
    const failed = readings.find((r) => r.error);
    if (failed?.error && failed.error !== this.#lastError) {
      this.#o.emit({ type: 'daemon.error', source: `${fn.namespace}/${fn.name}`, code: 'ERR_SCALER', message: `cannot read the backlog (${failed.p.probe.describe}): ${failed.error}`, hint: 'the replicas stay as they are until it can' });
    }
    this.#lastError = failed?.error ?? '';
    // KEDA: active if any trigger is; the HPA takes the highest count any trigger asks for.
    const top = ok.sort((a, b) => b.reading!.value / b.p.threshold - a.reading!.value / a.p.threshold)[0];
    const active = ok.some((r) => r.reading!.activity > r.p.activationThreshold);
    const shown = top ?? readings[0]!;
    this.#status = {
      trigger: shown.p.type,
      value: top ? top.reading!.value : null,
      threshold: shown.p.threshold,
      at: new Date(now).toISOString(),
      ...(failed?.error ? { error: failed.error } : {}),
      pollingInterval: settings.pollingInterval,
      cooldownPeriod: settings.cooldownPeriod,
    };
    const decision = decideReplicas(
      {
        minReplicas: fn.scale.min,
        maxReplicas: pool.maxInstances,
        current: pool.replicas,
        // A trigger that cannot be read changes nothing (KEDA without `fallback`).
        backlog: failed || !top ? null : top.reading!.value,
        activity: active ? 1 : 0,
        threshold: top?.p.threshold ?? shown.p.threshold,
        cooldownPeriodSeconds: settings.cooldownPeriod,
        lastActiveAt: this.#lastActiveAt,
        createdAt: this.#createdAt,
      },
      () => now,
    );
    this.#lastActiveAt = decision.lastActiveAt;
    if (decision.replicas === pool.replicas) return;
    const why =
      decision.reason === 'scale-to-zero'
        ? `no backlog for ${settings.cooldownPeriod} s (cooldownPeriod)`
        : `backlog ${top?.reading?.value ?? 0} on ${shown.p.probe.describe} (threshold ${shown.p.threshold})`;
    await pool.scaleTo(decision.replicas, `keda: ${why}`).catch((err: unknown) => {
      this.#o.emit({ type: 'daemon.error', source: `${fn.namespace}/${fn.name}`, code: 'ERR_START_FAILED', message: errorMessage(err) });
    });
  }
}
