import { describe, expect, it } from 'vitest';
import { decideReplicas, ScalingError, type ScaleInput } from '../../../src/scaling/index.js';

const NOW = 1_000_000_000_000;
const clock = () => NOW;
const base: ScaleInput = { minReplicas: 0, maxReplicas: 10, current: 0, backlog: 0, threshold: 20, cooldownPeriodSeconds: 60 };

describe('decideReplicas (KEDA + HPA)', () => {
  it('stays at zero without backlog', () => {
    expect(decideReplicas(base, clock)).toEqual({ replicas: 0, active: false, reason: 'idle' });
  });

  it('activates from zero on any backlog (activation threshold 0) and records the time', () => {
    expect(decideReplicas({ ...base, backlog: 1 }, clock)).toEqual({ replicas: 1, active: true, lastActiveAt: NOW, reason: 'activate' });
  });

  it('goes from zero straight to the count the HPA computes next', () => {
    expect(decideReplicas({ ...base, backlog: 95 }, clock)).toMatchObject({ replicas: 5, reason: 'activate' });
    expect(decideReplicas({ ...base, minReplicas: 0, backlog: 10_000 }, clock).replicas).toBe(10);
  });

  it('does not activate at or below the activation threshold', () => {
    expect(decideReplicas({ ...base, backlog: 5, activationThreshold: 5 }, clock)).toMatchObject({ replicas: 0, active: false, reason: 'idle' });
    expect(decideReplicas({ ...base, backlog: 6, activationThreshold: 5 }, clock)).toMatchObject({ replicas: 1, active: true });
  });

  it('uses activity (not the capped metric) for activation when given', () => {
    expect(decideReplicas({ ...base, backlog: 0, activity: 3 }, clock)).toMatchObject({ active: true, replicas: 1 });
  });

  it('scales with ceil(backlog / threshold) between max(min, 1) and max', () => {
    expect(decideReplicas({ ...base, current: 1, backlog: 41 }, clock)).toMatchObject({ replicas: 3, reason: 'hpa', lastActiveAt: NOW });
    expect(decideReplicas({ ...base, current: 3, backlog: 1 }, clock).replicas).toBe(1);
    expect(decideReplicas({ ...base, current: 3, backlog: 1, minReplicas: 2 }, clock).replicas).toBe(2);
    expect(decideReplicas({ ...base, current: 2, backlog: 500 }, clock).replicas).toBe(10);
  });

  it('keeps the current count within the HPA tolerance of 10 %', () => {
    // 4 replicas, 84 messages, target 20: ratio 1.05, no change (ceil would say 5).
    expect(decideReplicas({ ...base, current: 4, backlog: 84 }, clock).replicas).toBe(4);
    expect(decideReplicas({ ...base, current: 4, backlog: 84, tolerance: 0 }, clock).replicas).toBe(5);
    expect(decideReplicas({ ...base, current: 4, backlog: 89 }, clock).replicas).toBe(5);
  });

  it('keeps the HPA minimum during the cooldown, then scales to zero', () => {
    const lastActiveAt = NOW - 30_000;
    expect(decideReplicas({ ...base, current: 3, lastActiveAt }, clock)).toEqual({ replicas: 1, active: false, lastActiveAt, reason: 'cooldown' });
    // Exactly at the end of the cooldown KEDA still waits (lastActive + cooldown must be before now).
    expect(decideReplicas({ ...base, current: 1, lastActiveAt: NOW - 60_000 }, clock).reason).toBe('cooldown');
    expect(decideReplicas({ ...base, current: 1, lastActiveAt: NOW - 60_001 }, clock)).toEqual({ replicas: 0, active: false, lastActiveAt: NOW - 60_001, reason: 'scale-to-zero' });
  });

  it('scales to zero at once when never active, unless the initial cooldown runs', () => {
    expect(decideReplicas({ ...base, current: 1 }, clock).replicas).toBe(0);
    expect(decideReplicas({ ...base, current: 1, createdAt: NOW - 1000, initialCooldownPeriodSeconds: 10 }, clock).reason).toBe('cooldown');
  });

  it('never scales to zero with minReplicas > 0, and raises to it', () => {
    expect(decideReplicas({ ...base, minReplicas: 2, current: 2, lastActiveAt: NOW - 3_600_000 }, clock)).toMatchObject({ replicas: 2, reason: 'hpa' });
    expect(decideReplicas({ ...base, minReplicas: 2, current: 0 }, clock)).toMatchObject({ replicas: 2, reason: 'min-replicas' });
    expect(decideReplicas({ ...base, minReplicas: 3, current: 0, backlog: 1 }, clock)).toMatchObject({ replicas: 3, reason: 'activate' });
  });

  it('changes nothing when the probe failed', () => {
    expect(decideReplicas({ ...base, current: 2, backlog: null, lastActiveAt: NOW - 3_600_000 }, clock)).toEqual({ replicas: 2, active: false, lastActiveAt: NOW - 3_600_000, reason: 'probe-error' });
  });

  it('reads the clock it is given', () => {
    let t = NOW;
    const tick = () => t;
    const first = decideReplicas({ ...base, current: 1, backlog: 10 }, tick);
    t += 61_000;
    const later = decideReplicas({ ...base, current: 1, backlog: 0, lastActiveAt: first.lastActiveAt }, tick);
    expect(later.replicas).toBe(0);
  });

  it('refuses a threshold that is not positive', () => {
    expect(() => decideReplicas({ ...base, threshold: 0 }, clock)).toThrow(ScalingError);
  });
});
