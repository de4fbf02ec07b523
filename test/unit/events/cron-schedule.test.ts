import { describe, expect, it } from 'vitest';
import { cronScheduleProblem } from '../../../src/events/model/index.js';

describe('cronScheduleProblem (Dapr cron syntax)', () => {
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
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['@every', '"" is not a Go duration'],
    ['@every 5 seconds', '"5 seconds" is not a Go duration'],
    ['@every5s', 'unknown descriptor @every5s'],
    ['@often', 'unknown descriptor @often'],
    ['* * * *', 'expected 5 or 6 fields, found 4'],
    ['0 0 0 * * * 2024', 'expected 5 or 6 fields, found 7'],
    ['0 61 * * * *', 'Invalid value for minute: 61'],
    ['0 0 25 * * *', 'Invalid value for hour: 25'],
    ['0 */0 * * * *', 'illegal stepping'],
    ['CRON_TZ=Mars/Olympus @daily', 'unknown time zone "Mars/Olympus"'],
  ])('refuses %j', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toContain(problem);
  });
});
