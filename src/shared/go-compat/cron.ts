/**
 * Dapr's cron schedules (robfig/cron with optional seconds and descriptors): 5 fields
 * (`m h dom mon dow`), 6 (seconds first), `@every <Go duration>`, `@yearly`/`@annually`,
 * `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`, each with an optional `CRON_TZ=<zone>`
 * (or `TZ=<zone>`) prefix. One reader for the model (which checks a manifest's schedule and words
 * the problem for its author) and the cron binding (which runs it and words errors as daprd does);
 * croner matches the fields.
 */
import { Cron } from 'croner';

import { parseGoDuration } from './duration.js';

export type CronSchedule =
  | { kind: 'every'; intervalMs: number; timezone?: string }
  | { kind: 'cron'; pattern: string; timezone?: string };

/** Why a schedule was refused, in terms each caller words its own way. */
export type CronProblem =
  | { kind: 'time-zone'; zone: string }
  | { kind: 'empty' }
  | { kind: 'duration'; duration: string }
  | { kind: 'descriptor'; descriptor: string }
  | { kind: 'field-count'; fields: string[] }
  | { kind: 'fields'; message: string };

/** Descriptors as 6-field patterns. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const CRONER = { mode: '6-part', sloppyRanges: true } as const;

export function readCronSchedule(text: string): { ok: true; schedule: CronSchedule } | { ok: false; problem: CronProblem } {
  let rest = text.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (tz) {
    timezone = tz[1] as string;
    if (!isTimeZone(timezone)) return { ok: false, problem: { kind: 'time-zone', zone: timezone } };
    rest = rest.slice(tz[0].length).trim();
  }
  if (rest === '') return { ok: false, problem: { kind: 'empty' } };
  // robfig/cron takes `@every` only with a space after it: `@every5s` is an unknown descriptor.
  if (rest.startsWith('@every ')) {
    const duration = rest.slice('@every '.length).trim();
    const ms = parseGoDuration(duration, 'ms');
    if (ms === undefined) return { ok: false, problem: { kind: 'duration', duration } };
    // robfig/cron rounds the delay down to whole seconds, with a one-second minimum.
    return { ok: true, schedule: { kind: 'every', intervalMs: Math.max(1000, Math.floor(ms / 1000) * 1000), timezone } };
  }
  if (rest.startsWith('@')) {
    const pattern = DESCRIPTORS[rest];
    if (!pattern) return { ok: false, problem: { kind: 'descriptor', descriptor: rest } };
    return { ok: true, schedule: { kind: 'cron', pattern, timezone } };
  }
  const fields = rest.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return { ok: false, problem: { kind: 'field-count', fields } };
  const pattern = fields.length === 5 ? `0 ${rest}` : rest;
  try {
    // Checks the fields only: a paused job never fires.
    new Cron(pattern, { ...CRONER, paused: true, timezone });
  } catch (err) {
    return { ok: false, problem: { kind: 'fields', message: (err as Error).message } };
  }
  return { ok: true, schedule: { kind: 'cron', pattern, timezone } };
}

/** The model's wording, for a manifest's author: what is wrong, or undefined when Dapr accepts it. */
export function cronScheduleProblem(text: string): string | undefined {
  const read = readCronSchedule(text);
  if (read.ok) return undefined;
  const p = read.problem;
  switch (p.kind) {
    case 'time-zone':
      return `unknown time zone "${p.zone}"`;
    case 'empty':
      return 'empty';
    case 'duration':
      return `"${p.duration}" is not a Go duration such as 10s, 5m or 1h30m`;
    case 'descriptor':
      return `unknown descriptor ${p.descriptor} (expected @every <duration>, ${Object.keys(DESCRIPTORS).join(', ')})`;
    case 'field-count':
      return `expected 5 or 6 fields, found ${p.fields.length}`;
    case 'fields':
      return p.message.replace(/^CronPattern: /, '');
  }
}

/** The cron binding's reading: throws an Error worded as daprd's (robfig/cron's) message. */
export function parseCronSchedule(text: string): CronSchedule {
  const read = readCronSchedule(text);
  if (read.ok) return read.schedule;
  const p = read.problem;
  switch (p.kind) {
    case 'time-zone':
      throw new Error(`provided bad location ${p.zone}`);
    case 'empty':
      throw new Error('empty spec string');
    case 'duration':
      throw new Error(`failed to parse duration @every ${p.duration}`);
    case 'descriptor':
      throw new Error(`unrecognized descriptor: ${p.descriptor}`);
    case 'field-count':
      throw new Error(`expected 5 to 6 fields, found ${p.fields.length}: [${p.fields.join(' ')}]`);
    case 'fields':
      throw new Error(p.message);
  }
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
  const job = new Cron(schedule.pattern, { ...CRONER, timezone: schedule.timezone }, () => tick());
  return { stop: () => job.stop() };
}

/** Next firing time after `from` (for tests and logs). */
export function nextFiring(schedule: CronSchedule, from: Date): Date | undefined {
  if (schedule.kind === 'every') return new Date(Math.floor(from.getTime() / 1000) * 1000 + schedule.intervalMs);
  const job = new Cron(schedule.pattern, { ...CRONER, paused: true, timezone: schedule.timezone });
  return job.nextRun(from) ?? undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
