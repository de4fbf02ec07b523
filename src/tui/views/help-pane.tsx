import { BINDINGS, quitHelp } from '../keymap.js';
import { cut, fit } from '../format.js';
import type { Theme } from '../theme.js';
import { fitHeight, Lines, type Line } from './lines.js';

export interface HelpPaneProps {
  mode: 'foreground' | 'attach';
  width: number;
  height: number;
  theme: Theme;
}

/** Every key, from the keymap, and what the states mean. */
export function helpLines(p: Omit<HelpPaneProps, 'theme'>): Line[] {
  const lines: Line[] = [[{ text: 'KEYS', bold: true, tone: 'accent' }, { text: '  (? or esc closes)', tone: 'muted' }]];
  for (const b of BINDINGS) {
    const help = b.action.type === 'quit' ? quitHelp(p.mode) : b.help;
    lines.push([{ text: '  ' + fit(b.label, 10), bold: true }, { text: cut(help, Math.max(1, p.width - 12)) }]);
  }
  lines.push([]);
  lines.push([
    { text: '  STATES ', bold: true, tone: 'accent' },
    { text: 'ready', tone: 'ok' },
    { text: ' serving · ' },
    { text: 'at zero', tone: 'info' },
    { text: ' no instance, the next request starts one · ' },
    { text: 'building', tone: 'warn' },
    { text: ' · ' },
    { text: 'reloading', tone: 'warn' },
    { text: ' · ' },
    { text: 'failed', tone: 'error' },
    { text: ' with its reason' },
  ]);
  lines.push([{ text: '  INST ', bold: true, tone: 'accent' }, { text: 'instances now, then min-max · REQ/S over the last 10 s · P50 of the last 200 requests' }]);
  return fitHeight(lines, p.height);
}

export function HelpPane(p: HelpPaneProps) {
  return <Lines lines={helpLines(p)} theme={p.theme} width={p.width} />;
}
