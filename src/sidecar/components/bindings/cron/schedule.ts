/**
 * Dapr's cron schedule syntax (robfig/cron with optional seconds and descriptors):
 * 5 fields (`m h dom mon dow`), 6 fields (seconds first), `@every <Go duration>`,
 * `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`, and an
 * optional `CRON_TZ=<zone>` (or `TZ=<zone>`) prefix.
 */
import { Cron } from 'croner';

import { parseGoDuration } from '../../../go-duration.js';

export type CronSchedule =
  | { kind: 'every'; intervalMs: number; timezone?: string }
  | { kind: 'cron'; pattern: string; timezone?: string };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseCronSchedule(text: string): CronSchedule {
  let rest = text.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (tz) {
    timezone = tz[1];
    rest = rest.slice(tz[0].length).trim();
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new Error(`provided bad location ${timezone}`);
    }
  }
  if (rest.startsWith('@every ')) {
    const ms = parseGoDuration(rest.slice('@every '.length).trim());
    if (ms === undefined) throw new Error(`failed to parse duration ${rest}`);
    // robfig/cron rounds the delay down to whole seconds, with a one-second minimum.
    return { kind: 'every', intervalMs: Math.max(1000, Math.floor(ms / 1000) * 1000), timezone };
  }
  if (rest.startsWith('@')) {
    const pattern = DESCRIPTORS[rest];
    if (!pattern) throw new Error(`unrecognized descriptor: ${rest}`);
    return { kind: 'cron', pattern, timezone };
  }
  const fields = rest.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new Error(`expected 5 to 6 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const pattern = fields.length === 5 ? `0 ${rest}` : rest;
  try {
    new Cron(pattern, { paused: true, mode: '6-part', timezone, sloppyRanges: true });
  } catch (err) {
    throw new Error((err as Error).message);
  }
  return { kind: 'cron', pattern, timezone };
}

export interface ScheduleTimer {
  stop(): void;
}

/** Calls `tick` on every firing until stopped. */
export function startSchedule(schedule: CronSchedule, tick: () => void): ScheduleTimer {
  if (schedule.kind === 'every') {
    // robfig/cron fires on whole seconds: first at now + interval, truncated to the second.
    let timer: NodeJS.Timeout | undefined;
    let next = Math.floor(Date.now() / 1000) * 1000 + schedule.intervalMs;
    const arm = (): void => {
      timer = setTimeout(() => {
        next += schedule.intervalMs;
        // Skip missed firings after a suspend rather than bursting.
        while (next <= Date.now()) next += schedule.intervalMs;
        arm();
        tick();
      }, Math.max(0, next - Date.now()));
    };
    arm();
    return { stop: () => clearTimeout(timer) };
  }
  const job = new Cron(schedule.pattern, { mode: '6-part', timezone: schedule.timezone, sloppyRanges: true }, () => tick());
  return { stop: () => job.stop() };
}

/** Next firing time after `from` (for tests and logs). */
export function nextFiring(schedule: CronSchedule, from: Date): Date | undefined {
  if (schedule.kind === 'every') return new Date(Math.floor(from.getTime() / 1000) * 1000 + schedule.intervalMs);
  const job = new Cron(schedule.pattern, { paused: true, mode: '6-part', timezone: schedule.timezone, sloppyRanges: true });
  return job.nextRun(from) ?? undefined;
}
