import { footerHints } from '../keymap.js';
import type { UiState } from '../ui-state.js';
import { clean, cut } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines, type Line } from './lines.js';

export interface FooterProps {
  ui: UiState;
  mode: 'foreground' | 'attach';
  now: number;
  width: number;
  theme: Theme;
}

/** How long an action's message stays in the footer. */
export const TOAST_MS = 6000;

/** One line: the invoke prompt while typing, else a fresh action message, else the keys. */
export function footerLine(p: Omit<FooterProps, 'theme'>): Line {
  const { ui } = p;
  if (ui.prompt) {
    const label = `invoke ${ui.prompt.fn}, body (empty: GET; enter sends, esc cancels): `;
    const room = Math.max(1, p.width - [...label].length - 1);
    const text = [...ui.prompt.text];
    return [{ text: label, tone: 'accent', bold: true }, { text: text.slice(Math.max(0, text.length - room)).join('') }, { text: '█', tone: 'accent' }];
  }
  if (ui.toast && p.now - ui.toast.at < TOAST_MS) return [{ text: cut(clean(ui.toast.text), p.width), tone: ui.toast.tone ?? 'info' }];
  return [{ text: cut(footerHints(p.mode).join('  '), p.width), tone: 'muted' }];
}

export function Footer(p: FooterProps) {
  return <Lines lines={[footerLine(p)]} theme={p.theme} width={p.width} />;
}
