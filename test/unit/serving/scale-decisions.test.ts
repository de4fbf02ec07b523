import { describe, expect, it } from 'vitest';
import {
  MIN_RETRY_MS,
  decideMin,
  decideOnNewBuild,
  decideOnRequest,
  decideOnTick,
  decideScaleTo,
  maxInstances,
  planShrink,
  type PoolLoad,
  type ScalePolicy,
  type ScaleSlot,
  type TickState,
} from '../../../src/serving/scale-decisions.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// The pool's scale decisions on their own: a state the test writes, time from a clock it moves.

const IDLE_WINDOW_MS = 60_000;

function policy(overrides: Partial<Omit<ScalePolicy, 'scale'>> & { scale?: Partial<ScalePolicy['scale']> } = {}): ScalePolicy {
  const { scale, ...rest } = overrides;
  return {
    maxInstancesCap: 10,
    idleWindowMs: IDLE_WINDOW_MS,
    zeroMode: 'stop',
    externalScale: false,
    ...rest,
    scale: { min: 0, max: 3, target: 1, ...scale },
  };
}

/** Slots by their in-flight requests; `retiring` and `reloading` as named. */
function slots(...inFlight: number[]): ScaleSlot[] {
  return inFlight.map((n) => ({ inFlight: n, retiring: false }));
}

function load(overrides: Partial<PoolLoad> = {}): PoolLoad {
  return { slots: [], starting: 0, held: 0, hasSpec: true, ...overrides };
}

function tickState(clock: ManualClock, overrides: Partial<TickState> = {}): TickState {
  return { ...load(), peakConcurrency: 0, lastActivityAt: clock.now(), lastMinAttemptAt: 0, desired: 0, ...overrides };
}

describe('the upper bound on instances', () => {
  it("is the manifest's max, or the cap where Knative's max 0 means unlimited", () => {
    expect(maxInstances(policy({ scale: { max: 3 }, maxInstancesCap: 10 }))).toBe(3);
    expect(maxInstances(policy({ scale: { max: 0 }, maxInstancesCap: 10 }))).toBe(10);
  });
});

describe('a request', () => {
  it('served at once starts another instance when concurrency passes the target', () => {
    expect(decideOnRequest(policy(), load({ slots: slots(2) }), { held: false })).toEqual({ kind: 'start', count: 1, reason: 'concurrency' });
    expect(decideOnRequest(policy({ scale: { target: 2 } }), load({ slots: slots(2) }), { held: false })).toEqual({ kind: 'none' });
  });

  it('counts instances on their way as capacity', () => {
    expect(decideOnRequest(policy(), load({ slots: slots(2), starting: 1 }), { held: false })).toEqual({ kind: 'none' });
    expect(decideOnRequest(policy(), load({ slots: slots(3), starting: 1 }), { held: false })).toEqual({ kind: 'start', count: 1, reason: 'concurrency' });
  });

  it('starts nothing past max, and a max of 0 is capped', () => {
    expect(decideOnRequest(policy({ scale: { max: 2 } }), load({ slots: slots(5, 5) }), { held: false })).toEqual({ kind: 'none' });
    expect(decideOnRequest(policy({ scale: { max: 0 }, maxInstancesCap: 2 }), load({ slots: slots(5, 5) }), { held: false })).toEqual({ kind: 'none' });
    expect(decideOnRequest(policy({ scale: { max: 0 }, maxInstancesCap: 3 }), load({ slots: slots(5, 5) }), { held: false })).toEqual({ kind: 'start', count: 1, reason: 'concurrency' });
  });

  it("does not count a retiring instance's requests or the instance itself", () => {
    const old = { inFlight: 9, retiring: true };
    expect(decideOnRequest(policy(), load({ slots: [old, { inFlight: 1, retiring: false }] }), { held: false })).toEqual({ kind: 'none' });
  });

  it('held at zero wakes an instance', () => {
    expect(decideOnRequest(policy(), load({ held: 1 }), { held: true })).toEqual({ kind: 'start', count: 1, reason: 'request at zero' });
  });

  it('held while one starts waits for it unless concurrency needs more', () => {
    expect(decideOnRequest(policy({ scale: { target: 100 } }), load({ held: 2, starting: 1 }), { held: true })).toEqual({ kind: 'none' });
    expect(decideOnRequest(policy(), load({ held: 2, starting: 1 }), { held: true })).toEqual({ kind: 'start', count: 1, reason: 'request at zero' });
  });

  it('held with every instance full starts one, within max', () => {
    const full = load({ slots: slots(1), held: 1 });
    expect(decideOnRequest(policy({ scale: { target: 100 } }), full, { held: true })).toEqual({ kind: 'start', count: 1, reason: 'concurrency' });
    expect(decideOnRequest(policy({ scale: { target: 100, max: 1 } }), full, { held: true })).toEqual({ kind: 'none' });
  });

  it('held while an instance reloads in place, or with no build, starts nothing', () => {
    const reloading = load({ slots: [{ inFlight: 0, retiring: false, reloading: true }], held: 1 });
    expect(decideOnRequest(policy(), reloading, { held: true })).toEqual({ kind: 'none' });
    expect(decideOnRequest(policy(), load({ held: 1, hasSpec: false }), { held: true })).toEqual({ kind: 'none' });
  });
});

describe('a new build', () => {
  it('starts one instance for held requests, within max', () => {
    expect(decideOnNewBuild(policy(), load({ held: 3 }))).toEqual({ kind: 'start', count: 1, reason: 'held requests' });
    expect(decideOnNewBuild(policy(), load())).toEqual({ kind: 'none' });
    expect(decideOnNewBuild(policy({ scale: { max: 1 } }), load({ held: 3, starting: 1 }))).toEqual({ kind: 'none' });
  });
});

describe('minReplicas at start', () => {
  it('starts what min lacks, never past max', () => {
    expect(decideMin(policy({ scale: { min: 2 } }), load())).toEqual({ kind: 'start', count: 2, reason: 'minReplicas' });
    expect(decideMin(policy({ scale: { min: 2 } }), load({ slots: slots(0), starting: 1 }))).toEqual({ kind: 'none' });
    expect(decideMin(policy({ scale: { min: 5, max: 2 } }), load())).toEqual({ kind: 'start', count: 2, reason: 'minReplicas' });
    expect(decideMin(policy({ scale: { min: 2 } }), load({ hasSpec: false }))).toEqual({ kind: 'none' });
  });
});

describe('the tick', () => {
  it('shrinks to zero once the idle window has passed with no traffic', () => {
    const clock = new ManualClock();
    const state = tickState(clock, { slots: slots(0) });
    clock.advance(IDLE_WINDOW_MS - 1);
    expect(decideOnTick(policy(), state, clock.now())).toEqual({ kind: 'none' });
    clock.advance(1);
    expect(decideOnTick(policy(), state, clock.now())).toEqual({ kind: 'shrink', to: 0, reason: 'idle' });
  });

  it('shrinks only to min after the idle window', () => {
    const clock = new ManualClock();
    const state = tickState(clock, { slots: slots(0, 0, 0) });
    clock.advance(IDLE_WINDOW_MS);
    expect(decideOnTick(policy({ scale: { min: 2 } }), state, clock.now())).toEqual({ kind: 'shrink', to: 2, reason: 'lower concurrency' });
    expect(decideOnTick(policy({ scale: { min: 3 } }), state, clock.now())).toEqual({ kind: 'none' });
  });

  it('is not idle while a request is in flight, even on an instance of an older build', () => {
    const clock = new ManualClock();
    const retiringBusy = { inFlight: 1, retiring: true };
    const state = tickState(clock, { slots: [...slots(0), retiringBusy] });
    clock.advance(2 * IDLE_WINDOW_MS);
    expect(decideOnTick(policy(), state, clock.now())).toEqual({ kind: 'none' });
  });

  it("keeps what the window's peak asks for, and shrinks to it when the peak falls", () => {
    const clock = new ManualClock();
    const three = slots(0, 0, 0);
    expect(decideOnTick(policy(), tickState(clock, { slots: three, peakConcurrency: 3 }), clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(policy(), tickState(clock, { slots: three, peakConcurrency: 1 }), clock.now())).toEqual({ kind: 'shrink', to: 1, reason: 'lower concurrency' });
  });

  it('shrinks nothing while an instance starts or a request is held', () => {
    const clock = new ManualClock();
    const idle = { slots: slots(0, 0), lastActivityAt: clock.now() - IDLE_WINDOW_MS };
    expect(decideOnTick(policy(), tickState(clock, { ...idle, starting: 1 }), clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(policy(), tickState(clock, { ...idle, held: 1 }), clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(policy(), tickState(clock, idle), clock.now())).toEqual({ kind: 'shrink', to: 0, reason: 'idle' });
  });

  it('below min after failed starts, tries again only once the retry spacing has passed', () => {
    const clock = new ManualClock();
    const p = policy({ scale: { min: 1 } });
    const failedJustNow = tickState(clock, { lastMinAttemptAt: clock.now() });
    clock.advance(MIN_RETRY_MS);
    expect(decideOnTick(p, failedJustNow, clock.now())).toEqual({ kind: 'none' });
    clock.advance(1);
    expect(decideOnTick(p, failedJustNow, clock.now())).toEqual({ kind: 'retry-min', reason: 'minReplicas' });
  });

  it('does not retry min while enough instances start, nor without a build', () => {
    const clock = new ManualClock();
    const p = policy({ scale: { min: 2 } });
    clock.advance(MIN_RETRY_MS + 1);
    expect(decideOnTick(p, tickState(clock, { slots: slots(0), starting: 1 }), clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(p, tickState(clock, { hasSpec: false }), clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(p, tickState(clock, { slots: slots(0) }), clock.now())).toEqual({ kind: 'retry-min', reason: 'minReplicas' });
  });

  it('retries min no higher than max', () => {
    const clock = new ManualClock();
    clock.advance(MIN_RETRY_MS + 1);
    const p = policy({ scale: { min: 4, max: 2 } });
    expect(decideOnTick(p, tickState(clock, { slots: slots(0, 0), lastActivityAt: clock.now() }), clock.now())).toEqual({ kind: 'none' });
  });
});

describe('externalScale (the KEDA-like scaler sets the count)', () => {
  const external = policy({ externalScale: true, scale: { min: 0, max: 3 } });

  it('starts the missing instances or shrinks to the count asked for, bounded by max', () => {
    expect(decideScaleTo(external, load({ slots: slots(0) }), 3, 'backlog 30')).toEqual({ desired: 3, decision: { kind: 'start', count: 2, reason: 'backlog 30' } });
    expect(decideScaleTo(external, load({ slots: slots(0) }), 9, 'backlog 90')).toEqual({ desired: 3, decision: { kind: 'start', count: 2, reason: 'backlog 90' } });
    expect(decideScaleTo(external, load({ slots: slots(0, 0, 0) }), 1, 'backlog 5')).toEqual({ desired: 1, decision: { kind: 'shrink', to: 1, reason: 'backlog 5' } });
    expect(decideScaleTo(external, load({ slots: slots(0, 0) }), 2, 'backlog 20')).toEqual({ desired: 2, decision: { kind: 'none' } });
    expect(decideScaleTo(external, load({ slots: slots(0), starting: 1 }), 2, 'backlog 20')).toEqual({ desired: 2, decision: { kind: 'none' } });
  });

  it('never shrinks on idleness or concurrency: it keeps the count asked for', () => {
    const clock = new ManualClock();
    const state = tickState(clock, { slots: slots(0, 0), desired: 2 });
    clock.advance(10 * IDLE_WINDOW_MS);
    expect(decideOnTick(external, state, clock.now())).toEqual({ kind: 'none' });
    expect(decideOnTick(policy({ scale: { min: 0, max: 3 } }), state, clock.now())).toEqual({ kind: 'shrink', to: 0, reason: 'idle' });
  });

  it('starts one again when below the count asked for, at the retry spacing', () => {
    const clock = new ManualClock();
    const state = tickState(clock, { slots: slots(0), desired: 2, lastMinAttemptAt: clock.now() });
    clock.advance(MIN_RETRY_MS);
    expect(decideOnTick(external, state, clock.now())).toEqual({ kind: 'none' });
    clock.advance(1);
    expect(decideOnTick(external, state, clock.now())).toEqual({ kind: 'retry-min', reason: 'replicas set by the scaler' });
    expect(decideOnTick(external, { ...state, desired: 1 }, clock.now())).toEqual({ kind: 'none' });
  });
});

describe('a shrink', () => {
  it('removes the newest idle instances first, never a busy, reloading or retiring one', () => {
    const [a, b, c, d, e] = [
      { inFlight: 0, retiring: false },
      { inFlight: 2, retiring: false },
      { inFlight: 0, retiring: false, reloading: true },
      { inFlight: 0, retiring: false },
      { inFlight: 0, retiring: true },
    ];
    expect(planShrink(policy(), [a!, b!, c!, d!, e!], 3)).toEqual({ remove: [d] });
    expect(planShrink(policy(), [a!, b!, c!, d!, e!], 0)).toEqual({ remove: [d, a] });
  });

  it('parks the last instance at zero by the zeroMode, for the next cold start', () => {
    const [older, newer] = slots(0, 0);
    expect(planShrink(policy({ zeroMode: 'stop' }), [older!, newer!], 0)).toEqual({ remove: [newer], park: { slot: older, mode: 'stop' } });
    expect(planShrink(policy({ zeroMode: 'pause' }), [older!, newer!], 0)).toEqual({ remove: [newer], park: { slot: older, mode: 'pause' } });
  });

  it('parks nothing above zero', () => {
    const [older, newer] = slots(0, 0);
    expect(planShrink(policy({ zeroMode: 'pause' }), [older!, newer!], 1)).toEqual({ remove: [newer] });
  });

  it('has nothing to do when no instance is idle or the pool is at the count', () => {
    expect(planShrink(policy(), slots(1, 1), 0)).toBeUndefined();
    expect(planShrink(policy(), slots(0, 0), 2)).toBeUndefined();
  });
});
