/**
 * Checks a schedule in Dapr's cron binding syntax (robfig/cron with optional seconds and
 * descriptors): `@every <Go duration>`, `@yearly`/`@annually`, `@monthly`, `@weekly`,
 * `@daily`/`@midnight`, `@hourly`, or 5 fields (`m h dom mon dow`) or 6 (seconds first), with an
 * optional `CRON_TZ=<zone>` prefix. Only checks: the sidecar's cron binding runs schedules.
 */
import { Cron } from 'croner';
import { parseGoDuration } from '../../model/go-duration.js';

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** What is wrong with `schedule`, or undefined when Dapr accepts it. */
export function cronScheduleProblem(schedule: string): string | undefined {
  let rest = schedule.trim();
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (tz) {
    if (!isTimeZone(tz[1] ?? '')) return `unknown time zone "${tz[1]}"`;
    rest = rest.slice(tz[0].length).trim();
  }
  if (rest === '') return 'empty';
  if (rest === '@every' || rest.startsWith('@every ')) {
    const duration = rest.slice('@every'.length).trim();
    return parseGoDuration(duration) === undefined ? `"${duration}" is not a Go duration such as 10s, 5m or 1h30m` : undefined;
  }
  if (rest.startsWith('@')) {
    return DESCRIPTORS.includes(rest) ? undefined : `unknown descriptor ${rest} (expected @every <duration>, ${DESCRIPTORS.join(', ')})`;
  }
  const fields = rest.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return `expected 5 or 6 fields, found ${fields.length}`;
  try {
    // Validation only: a paused job never fires.
    new Cron(fields.length === 5 ? `0 ${rest}` : rest, { paused: true, mode: '6-part', sloppyRanges: true });
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
  return undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
