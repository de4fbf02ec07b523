import type { FunctionView, LogLine } from '../../protocol/project-state.js';
import { clean, clock, cut, fit, shortInstance } from '../format.js';
import type { Theme } from '../theme.js';
import { fitHeight, Lines, type Line } from './lines.js';

export interface LogsPaneProps {
  fn?: FunctionView;
  width: number;
  /** Lines available, the title included. */
  height: number;
  theme: Theme;
}

/** The selected function's output: instances (stderr in red), its build, and ofn-local's own lines about it. */
export function logsLines(p: Omit<LogsPaneProps, 'theme'>): Line[] {
  const fn = p.fn;
  if (!fn) return fitHeight([[{ text: 'LOGS', bold: true, tone: 'accent' }, { text: '  no function selected', tone: 'muted' }]], p.height);
  const title: Line = [
    { text: 'LOGS ', bold: true, tone: 'accent' },
    { text: fn.key, bold: true },
    { text: fn.url ? `  ${fn.url}` : '', tone: 'muted' },
    { text: fn.hostUrl ? `  (or ${fn.hostUrl})` : '', tone: 'muted' },
  ];
  const rows = Math.max(0, p.height - 1);
  if (fn.logs.length === 0) return fitHeight([title, [{ text: '  nothing yet', tone: 'muted' }]], p.height);
  const shown = fn.logs.slice(Math.max(0, fn.logs.length - rows));
  const labelWidth = Math.min(MAX_LABEL, Math.max(...shown.map((l) => [...source(l, fn.key)].length)));
  return fitHeight([title, ...shown.map((l) => logLine(l, fn.key, p.width, labelWidth))], p.height);
}

function source(l: LogLine, fnKey: string): string {
  if (l.source === 'instance' || l.source === 'sidecar') return l.instance ? shortInstance(l.instance, fnKey) : l.source;
  return l.source;
}

/** Widest source label (an instance name) before it is cut. */
const MAX_LABEL = 16;

export function logLine(l: LogLine, fnKey: string, width: number, labelWidth = MAX_LABEL): Line {
  const label = fit(`[${cut(source(l, fnKey), labelWidth)}]`, labelWidth + 2);
  const textWidth = Math.max(1, width - 9 - (labelWidth + 2) - 1);
  return [
    { text: clock(l.ts) + ' ', tone: 'muted' },
    { text: label + ' ', tone: l.source === 'ofn' ? 'info' : 'muted' },
    { text: cut(clean(l.text), textWidth), tone: l.tone },
  ];
}

export function LogsPane(p: LogsPaneProps) {
  return <Lines lines={logsLines(p)} theme={p.theme} width={p.width} />;
}
