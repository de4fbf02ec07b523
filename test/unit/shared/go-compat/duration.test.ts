import { describe, expect, it } from 'vitest';

import { formatGoDuration, parseGoDuration } from '../../../../src/shared/go-compat/duration.js';

describe('parseGoDuration', () => {
  it('reads Go durations in nanoseconds (the model: metav1.Duration fields)', () => {
    expect(parseGoDuration('30s', 'ns')).toBe(30e9);
    expect(parseGoDuration('1h30m', 'ns')).toBe(5400e9);
    expect(parseGoDuration('-1.5m', 'ns')).toBe(-90e9);
    expect(parseGoDuration('300ms', 'ns')).toBe(300e6);
    expect(parseGoDuration('2us', 'ns')).toBe(2000);
    expect(parseGoDuration('2µs', 'ns')).toBe(2000);
  });

  it('reads Go durations in milliseconds, fractions kept (the sidecar: metadata, resiliency)', () => {
    expect(parseGoDuration('1h2m3.5s', 'ms')).toBe(3_723_500);
    expect(parseGoDuration('250ms', 'ms')).toBe(250);
    expect(parseGoDuration('1.1ms', 'ms')).toBe(1.1);
    expect(parseGoDuration('500us', 'ms')).toBe(0.5);
    expect(parseGoDuration('.5s', 'ms')).toBe(500);
    expect(parseGoDuration('1.s', 'ms')).toBe(1000);
  });

  it('takes a bare 0, with or without a sign, and no other number without a unit', () => {
    for (const zero of ['0', '+0', '-0', '0s', '-0s']) {
      expect(Object.is(parseGoDuration(zero, 'ns'), 0)).toBe(true);
      expect(Object.is(parseGoDuration(zero, 'ms'), 0)).toBe(true);
    }
    for (const bad of ['30', 'soon', '', '-', '1S', ' 1s', '1s ', '1d', '1e3s', '.s']) {
      expect(parseGoDuration(bad, 'ns')).toBeUndefined();
      expect(parseGoDuration(bad, 'ms')).toBeUndefined();
    }
  });
});

describe('formatGoDuration', () => {
  it("writes milliseconds as Go's Duration.String", () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(250)).toBe('250ms');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(7_200_000)).toBe('2h0m0s');
    expect(formatGoDuration(-90_000)).toBe('-1m30s');
  });
});
