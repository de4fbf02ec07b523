import { describe, expect, it } from 'vitest';
import { AsyncScaler, kedaSettings, type ScaledPool } from '../../../../src/daemon/async-scaler.js';
import { DaemonBus } from '../../../../src/daemon/bus.js';
import { ScalingController } from '../../../../src/daemon/controllers/scaling.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import type { FunctionPool } from '../../../../src/serving/pool.js';
import { loadProject } from '../../../../src/model/load.js';
import type { LoadedFunction } from '../../../../src/model/types.js';
import type { InstanceSpec } from '../../../../src/runtime/runtime.js';
import type { KedaTrigger, ResolveHost, TriggerProbe } from '../../../../src/scaling/index.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

/** A pool that does what it is told at once. */
class PoolInMemory implements ScaledPool {
  replicas = 0;
  readonly maxInstances = 5;
  readonly asked: [number, string][] = [];
  async scaleTo(count: number, reason: string): Promise<void> {
    this.asked.push([count, reason]);
    this.replicas = count;
  }
}

/** A broker whose backlog the test sets; it records where the probe was told to reach it. */
class BrokerInMemory {
  backlog = 0;
  reachedAt: string[] = [];
  closed = 0;
  probeFor = (trigger: KedaTrigger, resolveHost: ResolveHost = (h) => h): TriggerProbe => {
    const read = async () => {
      this.reachedAt.push(resolveHost(trigger.metadata.bootstrapServers ?? ''));
      return { value: this.backlog, activity: this.backlog };
    };
    return {
      type: 'kafka',
      threshold: Number(trigger.metadata.lagThreshold),
      activationThreshold: 0,
      ignored: [],
      probe: { describe: 'lag in memory', read, backlog: async () => (await read()).value, close: async () => void this.closed++ },
    };
  };
}

const kedaServing = (trigger: string) => `    triggers:
      dapr:
        - { name: orders, type: bindings.kafka }
    bindings:
      orders: { type: bindings.kafka, version: v1, metadata: [{ name: brokers, value: "kafka:9092" }, { name: topics, value: orders }, { name: consumerGroup, value: g }] }
    scaleOptions:
      minReplicas: 0
      maxReplicas: 5
      keda:
        scaledObject: { pollingInterval: 10, cooldownPeriod: 60 }
        triggers:
          - ${trigger}`;
const KAFKA = 'type: kafka\n            metadata: { bootstrapServers: "kafka:9092", consumerGroup: g, topic: orders, lagThreshold: "10" }';

async function fn(serving: string): Promise<LoadedFunction> {
  const dir = await tempProject({ 'functions.yaml': imageFunction('worker', serving) });
  const project = await loadProject([dir], { cwd: dir });
  return project.functions[0]!;
}

function setup() {
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const broker = new BrokerInMemory();
  const clock = new ManualClock();
  const halt = new AbortController();
  const controller = new ScalingController({ bus, signal: halt.signal, clock, probeFor: broker.probeFor });
  /** The daemon's announcement that a pool serves the function (the scaling controller only needs ScaledPool of it). */
  const serving = (f: LoadedFunction, pool: PoolInMemory) => bus.dispatch({ type: 'function.serving', fn: f, pool: pool as unknown as FunctionPool, spec: {} as InstanceSpec });
  return { bus, journal, broker, clock, halt, controller, serving };
}

describe('scaling controller', () => {
  it('leaves a function without KEDA triggers alone', async () => {
    const { controller, serving, journal } = setup();
    const pool = new PoolInMemory();
    await serving(await fn(''), pool);
    expect(pool.asked).toEqual([]);
    expect(controller.backlog('default/worker')).toBeUndefined();
    expect(journal).toEqual([]);
  });

  it('keeps the replicas of a function whose trigger it cannot probe, and says why', async () => {
    const pool = new PoolInMemory();
    const unsupported = await fn(kedaServing('type: cron\n            metadata: { timezone: UTC, start: "0 * * * *", end: "5 * * * *", desiredReplicas: "1" }'));
    // The real probes: cron is not one of them.
    const journal: OfnEvent[] = [];
    const bus = new DaemonBus((e) => journal.push(e));
    new ScalingController({ bus, signal: new AbortController().signal });
    await bus.dispatch({ type: 'function.serving', fn: unsupported, pool: pool as unknown as FunctionPool, spec: {} as InstanceSpec });
    expect(journal).toContainEqual(expect.objectContaining({ type: 'daemon.error', source: 'default/worker', code: 'ERR_SCALER' }));
    expect(pool.asked).toEqual([[1, 'no scaler']]);
  });

  it('polls as soon as a pool serves the function, reaching the broker where the backing services are', async () => {
    const { bus, serving, broker, controller } = setup();
    await bus.dispatch({ type: 'services.addresses', reach: new Map([['kafka:9092', '10.0.0.5:9092']]), pods: new Map() });
    broker.backlog = 25;
    const pool = new PoolInMemory();
    await serving(await fn(kedaServing(KAFKA)), pool);
    expect(broker.reachedAt).toEqual(['10.0.0.5:9092']);
    expect(pool.asked).toEqual([[3, 'keda: backlog 25 on lag in memory (threshold 10)']]);
    expect(controller.backlog('default/worker')).toMatchObject({ trigger: 'kafka', value: 25, threshold: 10, pollingInterval: 10, cooldownPeriod: 60 });
    await controller.stop();
  });

  it("stops a removed function's scaler, and a replaced one's before the next starts", async () => {
    const { bus, serving, broker, controller } = setup();
    const worker = await fn(kedaServing(KAFKA));
    await serving(worker, new PoolInMemory());
    await serving(worker, new PoolInMemory());
    expect(broker.closed).toBe(1);
    bus.emit({ type: 'function.removed', fn: 'default/worker' });
    await controller.stop();
    expect(broker.closed).toBe(2);
    expect(controller.backlog('default/worker')).toBeUndefined();
  });

  it('attaches nothing once the daemon is stopping', async () => {
    const { serving, broker, halt } = setup();
    halt.abort();
    await serving(await fn(kedaServing(KAFKA)), new PoolInMemory());
    expect(broker.reachedAt).toEqual([]);
  });
});

describe('async scaler', () => {
  it('scales with the backlog on every polling interval, and to zero after the cooldown without one', async () => {
    const worker = await fn(kedaServing(KAFKA));
    const broker = new BrokerInMemory();
    const clock = new ManualClock();
    const pool = new PoolInMemory();
    const journal: OfnEvent[] = [];
    const scaler = new AsyncScaler({ fn: worker, pool, settings: kedaSettings(worker)!, resolveHost: (h) => h, emit: (e) => journal.push(e), clock, probeFor: broker.probeFor });
    // One polling interval (10 s) and the poll it starts.
    const interval = async () => {
      clock.advance(10_000);
      await scaler.poll();
    };
    await scaler.poll();
    expect(pool.asked).toEqual([]);
    broker.backlog = 12;
    await interval();
    expect(pool.asked).toEqual([[2, 'keda: backlog 12 on lag in memory (threshold 10)']]);
    broker.backlog = 0;
    // Cooling down for 60 s after the last backlog: the HPA keeps its minimum of one.
    for (let i = 0; i < 6; i++) await interval();
    expect(pool.replicas).toBe(1);
    await interval();
    expect(pool.asked.at(-1)).toEqual([0, 'keda: no backlog for 60 s (cooldownPeriod)']);
    await scaler.stop();
    const polls = broker.reachedAt.length;
    clock.advance(60_000);
    expect(broker.reachedAt.length).toBe(polls);
  });

  it('changes nothing while the broker cannot be read, and says so once', async () => {
    const worker = await fn(kedaServing(KAFKA));
    const pool = new PoolInMemory();
    pool.replicas = 2;
    const journal: OfnEvent[] = [];
    const clock = new ManualClock();
    const failing = (t: KedaTrigger, r?: ResolveHost): TriggerProbe => {
      const probe = new BrokerInMemory().probeFor(t, r);
      return { ...probe, probe: { ...probe.probe, read: async () => Promise.reject(new Error('connection refused')) } };
    };
    const scaler = new AsyncScaler({ fn: worker, pool, settings: kedaSettings(worker)!, resolveHost: (h) => h, emit: (e) => journal.push(e), clock, probeFor: failing });
    await scaler.poll();
    clock.advance(10_000);
    await scaler.poll();
    expect(pool.asked).toEqual([]);
    expect(journal.filter((e) => e.type === 'daemon.error')).toHaveLength(1);
    expect(scaler.backlog).toMatchObject({ value: null, error: 'connection refused' });
    await scaler.stop();
  });
});
