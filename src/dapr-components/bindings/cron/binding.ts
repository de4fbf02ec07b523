/**
 * bindings.cron (input only): fires the schedule with an empty body and metadata
 * `timeZone` and `readTimeUTC` (Go's time text). Errors from the app are ignored; the
 * next firing happens anyway.
 */
import type { Logger } from '../../../shared/logger.js';
import type { Binding, InputHandler } from '../../component.js';
import { startSchedule, type CronSchedule, type ScheduleTimer } from '../../../shared/go-compat/cron.js';

/** Go's `time.Time.String()` of a UTC instant: `2024-05-01 10:00:00.123 +0000 UTC`. */
export function goUtcTimeText(date: Date): string {
  const iso = date.toISOString(); // 2024-05-01T10:00:00.123Z
  const [day, time] = iso.slice(0, -1).split('T') as [string, string];
  const [hms, frac = ''] = time.split('.');
  const fraction = frac.replace(/0+$/, '');
  return `${day} ${hms}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

export class CronBinding implements Binding {
  private timer: ScheduleTimer | undefined;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly schedule: CronSchedule,
    private readonly log: Logger,
  ) {}

  async init(): Promise<void> {}

  async read(handler: InputHandler): Promise<void> {
    if (this.closed) throw new Error('binding is closed');
    const timeZone = this.schedule.timezone ?? 'Local';
    this.timer = startSchedule(this.schedule, () => {
      this.log.debug(`name: ${this.name}, schedule fired: ${new Date().toISOString()}`);
      handler({ data: Buffer.alloc(0), metadata: { timeZone, readTimeUTC: goUtcTimeText(new Date()) } }).catch(() => {
        // upstream ignores the app's answer
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.stop();
  }
}
