import { describe, expect, it } from 'vitest';

import { cronScheduleProblem, nextFiring, parseCronSchedule, readCronSchedule } from '../../../../src/shared/go-compat/cron.js';

describe('readCronSchedule (Dapr cron syntax)', () => {
  it.each([
    '@every 2s',
    '@every 1h30m',
    '@every 0s',
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
    '*/5 * * * *',
    '0 */5 * * * *',
    '30 0 9 * * MON-FRI',
    '0 0 0 1 JAN *',
    'CRON_TZ=Europe/Berlin 0 30 8 * * *',
    'TZ=UTC @daily',
  ])('accepts %j', (schedule) => {
    expect(readCronSchedule(schedule).ok).toBe(true);
    expect(cronScheduleProblem(schedule)).toBeUndefined();
    expect(() => parseCronSchedule(schedule)).not.toThrow();
  });

  it('reads @every with Go durations, rounded down to whole seconds (at least one)', () => {
    expect(parseCronSchedule('@every 2s')).toEqual({ kind: 'every', intervalMs: 2000 });
    expect(parseCronSchedule('@every 1m30s')).toMatchObject({ intervalMs: 90_000 });
    expect(parseCronSchedule('@every 1500ms')).toMatchObject({ intervalMs: 1000 });
    expect(parseCronSchedule('@every 10ms')).toMatchObject({ intervalMs: 1000 });
  });

  it('reads 5 fields (seconds 0) and 6 fields (seconds first), descriptors and CRON_TZ', () => {
    const from = new Date('2024-05-01T10:00:07Z');
    expect(nextFiring(parseCronSchedule('*/15 * * * * *'), from)?.toISOString()).toBe('2024-05-01T10:00:15.000Z');
    expect(nextFiring(parseCronSchedule('CRON_TZ=UTC 30 * * * *'), from)?.toISOString()).toBe('2024-05-01T10:30:00.000Z');
    expect(nextFiring(parseCronSchedule('CRON_TZ=UTC @hourly'), from)?.toISOString()).toBe('2024-05-01T11:00:00.000Z');
    expect(parseCronSchedule('TZ=Europe/Berlin 0 0 * * *')).toMatchObject({ timezone: 'Europe/Berlin' });
  });

  // Each refusal in the model's words (for a manifest's author) and in daprd's (the cron binding).
  it.each([
    ['', 'empty', 'empty spec string'],
    ['@every', 'unknown descriptor @every (expected @every <duration>', 'unrecognized descriptor: @every'],
    ['@every 5 seconds', '"5 seconds" is not a Go duration', 'failed to parse duration @every 5 seconds'],
    ['@every5s', 'unknown descriptor @every5s', 'unrecognized descriptor: @every5s'],
    ['@often', 'unknown descriptor @often', 'unrecognized descriptor: @often'],
    ['* * * *', 'expected 5 or 6 fields, found 4', 'expected 5 to 6 fields, found 4: [* * * *]'],
    ['0 0 0 * * * 2024', 'expected 5 or 6 fields, found 7', 'expected 5 to 6 fields, found 7'],
    ['0 61 * * * *', 'Invalid value for minute: 61', 'Invalid value for minute: 61'],
    ['0 0 25 * * *', 'Invalid value for hour: 25', 'Invalid value for hour: 25'],
    ['0 */0 * * * *', 'illegal stepping', 'illegal stepping'],
    ['CRON_TZ=Mars/Olympus @daily', 'unknown time zone "Mars/Olympus"', 'provided bad location Mars/Olympus'],
  ])('refuses %j', (schedule, modelWords, daprdWords) => {
    expect(readCronSchedule(schedule).ok).toBe(false);
    expect(cronScheduleProblem(schedule)).toContain(modelWords);
    expect(() => parseCronSchedule(schedule)).toThrow(daprdWords);
  });
});
