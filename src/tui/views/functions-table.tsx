import { p50, requestsPerSecond, type FunctionView, type ProjectState } from '../../protocol/project-state.js';
import { ago, clean, count, duration, fit, layoutColumns, rate, type Column } from '../format.js';
import type { Theme, Tone } from '../theme.js';
import { fitHeight, Lines, type Line, type Segment } from './lines.js';

export interface FunctionsTableProps {
  project: ProjectState;
  selected?: string;
  now: number;
  width: number;
  /** Lines available, the column titles included. */
  height: number;
  theme: Theme;
}

const COLUMNS: readonly Column[] = [
  { id: 'sel', width: 1 },
  { id: 'name', width: 24, flex: true, min: 12 },
  { id: 'ns', width: 10, drop: 2 },
  { id: 'type', width: 6, drop: 1 },
  { id: 'state', width: 9 },
  { id: 'inst', width: 8 },
  { id: 'req', width: 6 },
  { id: 'rps', width: 6 },
  { id: 'p50', width: 7 },
  { id: 'last', width: 16 },
  { id: 'url', width: 80, flex: true, min: 30, drop: 3 },
];

const TITLES: Record<string, string> = {
  sel: '',
  name: 'NAME',
  ns: 'NAMESPACE',
  type: 'TYPE',
  state: 'STATE',
  inst: 'INST',
  req: 'REQ',
  rps: 'REQ/S',
  p50: 'P50',
  last: 'LAST BUILD',
  url: 'URL',
};

const RIGHT = new Set(['req', 'rps', 'p50']);

/** The word and colour of a function's state (a reload in progress shows as `reloading`). */
export function stateLabel(fn: FunctionView): [string, Tone] {
  if (fn.change?.phase === 'running' && fn.change.what === 'reload' && fn.state !== 'failed') return ['reloading', 'warn'];
  switch (fn.state) {
    case 'ready':
      return ['ready', 'ok'];
    case 'scaled-to-zero':
      return ['at zero', 'info'];
    case 'building':
      return ['building', 'warn'];
    case 'failed':
      return ['failed', 'error'];
    case 'pending':
      return ['pending', 'muted'];
    case 'removed':
      return ['removed', 'muted'];
  }
}

/** The last build or reload, its duration and how long ago: `fast 180ms 2m`, `built 2.1s 5m`, `fast FAILED 3s`. */
export function lastChange(fn: FunctionView, now: number): [string, Tone | undefined] {
  const c = fn.change;
  if (!c) return ['-', 'muted'];
  if (c.phase === 'running') return [`${c.what === 'build' ? 'building' : `${c.path ?? ''} reload`.trim()}${c.step ? ` (${c.step})` : ''}…`, 'warn'];
  if (c.phase === 'failed') return [`${c.what === 'reload' ? (c.path ?? 'reload') : 'build'} FAILED ${ago(c.startedAt, now)}`, 'error'];
  const what = c.what === 'reload' ? (c.path ?? 'reload') : c.cached ? 'cached' : 'built';
  return [`${what}${c.cached && c.what === 'build' ? '' : ` ${duration(c.durationMs)}`} ${ago(c.startedAt, now)}`, undefined];
}

function instances(fn: FunctionView): string {
  return fn.min !== undefined && fn.max !== undefined ? `${fn.instances} ${fn.min}-${fn.max}` : String(fn.instances);
}

/** First row shown so that the selected one is visible in `rows` rows. */
function scrollTop(index: number, total: number, rows: number): number {
  if (total <= rows) return 0;
  return Math.max(0, Math.min(total - rows, index - Math.floor(rows / 2)));
}

export function tableLines(p: Omit<FunctionsTableProps, 'theme'>): Line[] {
  const cols = layoutColumns(COLUMNS, p.width);
  const hasNs = cols.some((c) => c.id === 'ns');
  const title: Segment[] = [];
  cols.forEach((c, i) => {
    title.push({ text: (i ? ' ' : '') + fit(TITLES[c.id]!, c.width, RIGHT.has(c.id) ? 'right' : 'left'), tone: 'muted', bold: true });
  });
  const order = p.project.order;
  if (order.length === 0) return fitHeight([title, [{ text: '  no functions yet', tone: 'muted' }]], p.height);
  const rows = Math.max(1, p.height - 1);
  const sel = p.selected ? Math.max(0, order.indexOf(p.selected)) : 0;
  const top = scrollTop(sel, order.length, rows);
  const lines: Line[] = [title];
  for (const key of order.slice(top, top + rows)) {
    const fn = p.project.functions[key]!;
    lines.push(row(fn, cols, key === p.selected, hasNs, p.now));
  }
  return fitHeight(lines, p.height);
}

function row(fn: FunctionView, cols: { id: string; width: number }[], selected: boolean, hasNs: boolean, now: number): Line {
  const [state, stateTone] = stateLabel(fn);
  const [last, lastTone] = lastChange(fn, now);
  const cells: Record<string, [string, Tone | undefined]> = {
    sel: [selected ? '>' : ' ', 'accent'],
    name: [hasNs || fn.namespace === 'default' ? fn.name : `${fn.namespace}/${fn.name}`, undefined],
    ns: [fn.namespace, 'muted'],
    type: [fn.kind ?? '-', 'muted'],
    state: [state, stateTone],
    inst: [instances(fn), fn.instances > 0 ? 'ok' : 'muted'],
    req: [count(fn.requests.total), undefined],
    rps: [rate(requestsPerSecond(fn, now)), undefined],
    p50: [duration(p50(fn)), undefined],
    last: [last, lastTone],
    url: [fn.url ?? '', 'muted'],
  };
  const out: Segment[] = [];
  const stateAt = cols.findIndex((c) => c.id === 'state');
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const gap = i ? ' ' : '';
    // A broken function: its reason takes the rest of the row.
    if (fn.state === 'failed' && i > stateAt) {
      const rest = cols.slice(i).reduce((s, x) => s + x.width + 1, 0) - 1;
      out.push({ text: gap + fit(clean(fn.reason ?? fn.change?.message ?? 'failed'), rest), tone: 'error' });
      break;
    }
    const [text, tone] = cells[c.id]!;
    out.push({ text: gap + fit(text, c.width, RIGHT.has(c.id) ? 'right' : 'left'), tone, bold: selected && (c.id === 'name' || c.id === 'sel') });
  }
  return out;
}

export function FunctionsTable(p: FunctionsTableProps) {
  return <Lines lines={tableLines(p)} theme={p.theme} width={p.width} />;
}
