/** Text helpers of the views: pure, width in terminal cells (the UI writes no wide characters itself). */

// ANSI escape sequences (colour codes in instance output) and other control characters.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** A line safe to show: no escape sequences, tabs as spaces, no control characters. */
export function clean(text: string): string {
  return text.replace(ESCAPES, '').replace(/\t/g, '  ').replace(/\r?\n/g, ' ').replace(CONTROL, '');
}

/** Exactly `width` cells: cut with `…` when longer, padded with spaces when shorter. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? text + pad : pad + text;
}

/** At most `width` cells (cut with `…`), not padded. */
export function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? '…'.slice(0, Math.max(0, width)) : chars.slice(0, width - 1).join('') + '…';
}

export function cells(text: string): number {
  return [...text].length;
}

/** `0.4ms`, `12ms`, `1.2s`, `2m05s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `0`, `0.3`, `12`, `1.2k`. */
export function rate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  if (perSecond < 1000) return String(Math.round(perSecond));
  return `${(perSecond / 1000).toFixed(1)}k`;
}

/** `999`, `12345`, `123k`, `1.2M`. */
export function count(n: number): string {
  if (n < 100_000) return String(n);
  if (n < 10_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Local wall-clock time of an ISO timestamp: `14:03:07` (with `.123` when `ms`). */
export function clock(ts: string, ms = false): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '--:--:--';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${ms ? `.${p(d.getMilliseconds(), 3)}` : ''}`;
}

/** `3s`, `5m`, `2h`, `4d` since `ts`. */
export function ago(ts: string, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(ts)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** An instance id without the project and function prefix: `ofn-local-p-1a2b-default-hello-3` → `hello-3`. */
export function shortInstance(id: string, fnKey: string): string {
  const [ns, name] = fnKey.split('/') as [string, string | undefined];
  const marker = `${ns}-${name ?? ''}-`;
  const at = id.lastIndexOf(marker);
  return at < 0 ? id : `${name}-${id.slice(at + marker.length)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface Column {
  id: string;
  /** Width (for a flex column: the most it takes). */
  width: number;
  /** A flex column shares what is left, from `min` up to `width`. */
  flex?: boolean;
  min?: number;
  /** Dropped when the line is too narrow; higher numbers go first. */
  drop?: number;
}

/**
 * Widths of the columns that fit in `total` cells (one space between columns): optional columns are
 * dropped highest `drop` first, then flex columns share the rest. Returns the kept columns in order.
 */
export function layoutColumns(columns: readonly Column[], total: number): { id: string; width: number }[] {
  let kept = [...columns];
  const need = (cols: Column[]) => cols.reduce((s, c) => s + (c.flex ? (c.min ?? 1) : c.width), 0) + Math.max(0, cols.length - 1);
  while (need(kept) > total) {
    const droppable = kept.filter((c) => c.drop !== undefined).sort((a, b) => b.drop! - a.drop!)[0];
    if (!droppable) break;
    kept = kept.filter((c) => c !== droppable);
  }
  let spare = Math.max(0, total - need(kept));
  const widths = new Map(kept.map((c) => [c.id, c.flex ? (c.min ?? 1) : c.width]));
  for (const c of kept) {
    if (!c.flex) continue;
    const add = Math.min(spare, c.width - widths.get(c.id)!);
    widths.set(c.id, widths.get(c.id)! + add);
    spare -= add;
  }
  return kept.map((c) => ({ id: c.id, width: widths.get(c.id)! }));
}
