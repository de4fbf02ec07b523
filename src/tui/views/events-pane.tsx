import type { EventRow, ProjectState } from '../../protocol/project-state.js';
import { clean, clock, count, duration, fit, layoutColumns, shortInstance, type Column } from '../format.js';
import type { Theme, Tone } from '../theme.js';
import { fitHeight, Lines, type Line, type Segment } from './lines.js';

export interface EventsPaneProps {
  project: ProjectState;
  width: number;
  /** Lines available, the title included. */
  height: number;
  theme: Theme;
}

const COLUMNS: readonly Column[] = [
  { id: 'time', width: 8 },
  { id: 'fn', width: 12, drop: 3 },
  { id: 'title', width: 36, flex: true, min: 24 },
  { id: 'status', width: 3 },
  { id: 'dur', width: 7 },
  { id: 'cold', width: 4, drop: 2 },
  { id: 'hops', width: 80, flex: true, min: 16, drop: 1 },
];

/** The pane's lines: a title, then the newest rows that fit, newest last. */
export function eventsLines(p: Omit<EventsPaneProps, 'theme'>): Line[] {
  const s = p.project;
  const title: Line = [
    { text: 'EVENTS', bold: true, tone: 'accent' },
    { text: `  requests as they happen, newest last · ${count(s.totals.requests)} requests`, tone: 'muted' },
  ];
  const rows = Math.max(0, p.height - 1);
  if (s.events.length === 0) return fitHeight([title, [{ text: '  no requests yet: call a function URL, or press i', tone: 'muted' }]], p.height);
  const cols = layoutColumns(COLUMNS, p.width);
  const shown = s.events.slice(Math.max(0, s.events.length - rows));
  return fitHeight([title, ...shown.map((r) => eventLine(r, cols))], p.height);
}

const OUTCOME_WORD: Record<EventRow['outcome'], string> = { ok: 'ok', warn: 'warn', error: 'ERR' };

/** One row: time, function, what, status (coloured by outcome), duration, cold, then its hops. */
export function eventLine(r: EventRow, cols: { id: string; width: number }[]): Line {
  const fnName = r.fn.startsWith('default/') ? r.fn.slice('default/'.length) : r.fn;
  const hops = r.hops.map((h) => (h.kind === 'instance' ? shortInstance(h.name, r.fn) : h.name));
  const out: Segment[] = [];
  cols.forEach((c, i) => {
    const gap = i ? ' ' : '';
    switch (c.id) {
      case 'time':
        return out.push({ text: gap + fit(clock(r.ts), c.width), tone: 'muted' });
      case 'fn':
        return out.push({ text: gap + fit(fnName, c.width) });
      case 'title':
        return out.push({ text: gap + fit(clean(r.title), c.width) });
      case 'status':
        return out.push({ text: gap + fit(r.status !== undefined ? String(r.status) : OUTCOME_WORD[r.outcome], c.width), tone: r.outcome, bold: r.outcome !== 'ok' });
      case 'dur':
        return out.push({ text: gap + fit(duration(r.durationMs), c.width, 'right') });
      case 'cold':
        return out.push({ text: gap + fit(r.cold ? 'cold' : '', c.width), tone: 'info' });
      case 'hops': {
        out.push({ text: gap });
        // The last hops matter most (where it ended): leading ones give way to `… → ` first.
        let first = 0;
        const len = (from: number) => hops.slice(from).join(' → ').length + (from > 0 ? 4 : 0);
        while (first < hops.length - 1 && len(first) > c.width) first++;
        if (first > 0) out.push({ text: '… → ', tone: 'muted' });
        let left = c.width - (first > 0 ? 4 : 0);
        for (let k = first; k < hops.length && left > 0; k++) {
          const text = (k > first ? ' → ' : '') + hops[k]!;
          const piece = fit(text, Math.min(left, [...text].length));
          left -= [...piece].length;
          out.push({ text: piece, tone: (r.hops[k]!.outcome ?? 'muted') as Tone });
        }
        return;
      }
    }
  });
  return out;
}

export function EventsPane(p: EventsPaneProps) {
  return <Lines lines={eventsLines(p)} theme={p.theme} width={p.width} />;
}
