/**
 * Go's `time.Duration` text (`"30s"`, `"1h30m"`, `"-5m"`, `"0"`), as `time.ParseDuration` reads and
 * `Duration.String` writes it. The model wants nanoseconds (metav1.Duration fields such as
 * `spec.build.timeout`), the sidecar milliseconds (component metadata, resiliency, timers): the
 * unit is named at each call, and each unit has its own table so no result passes through a
 * division (`1.1ms` is 1.1, not 1.1000000000000003).
 */
export type DurationUnit = 'ns' | 'ms';

const UNITS: Record<DurationUnit, Record<string, number>> = {
  ns: { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 },
  ms: { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 },
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** The duration in `unit` (fractions kept), or undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string, unit: DurationUnit): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  // Go accepts a bare 0, and no other number without a unit.
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const table = UNITS[unit];
  let total = 0;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (table[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total === 0 ? 0 : sign * total;
}

/** Milliseconds as Go prints a time.Duration (`1m30s`, `250ms`, `2h0m0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
