import type { Outcome } from '../protocol/project-state.js';

/** What the user looks at (as opposed to what the project does): pure, changed by `uiReducer`. */
export interface UiState {
  /** The selected function (`ns/name`); the first one when unset or gone. */
  selected?: string;
  pane: 'events' | 'logs' | 'answer';
  help: boolean;
  /** The invoke prompt, while the user types a body. */
  prompt?: { fn: string; text: string };
  /** The last invoke's answer (the `answer` pane). */
  answer?: InvokeAnswer;
  /** A one-line message in the footer (an action's outcome). */
  toast?: { text: string; tone?: Outcome; at: number };
}

export interface InvokeAnswer {
  fn: string;
  method: string;
  url: string;
  pending: boolean;
  status?: number;
  durationMs?: number;
  body?: string;
  error?: string;
}

export type UiChange =
  | { type: 'select'; delta: number; order: readonly string[] }
  | { type: 'pane'; pane: UiState['pane'] }
  | { type: 'help' }
  | { type: 'prompt-open'; fn: string }
  | { type: 'prompt-input'; text: string }
  | { type: 'prompt-backspace' }
  | { type: 'prompt-close' }
  | { type: 'answer'; answer: InvokeAnswer }
  | { type: 'dismiss-answer' }
  | { type: 'toast'; text: string; tone?: Outcome; at: number };

export function initialUi(): UiState {
  return { pane: 'events', help: false };
}

/** The selected function, falling back to the first one. */
export function selectedKey(ui: UiState, order: readonly string[]): string | undefined {
  return ui.selected && order.includes(ui.selected) ? ui.selected : order[0];
}

/** Bodies longer than this are cut in the prompt. */
const MAX_BODY = 4096;

export function uiReducer(ui: UiState, c: UiChange): UiState {
  switch (c.type) {
    case 'select': {
      if (c.order.length === 0) return ui;
      const current = selectedKey(ui, c.order);
      const at = current ? c.order.indexOf(current) : 0;
      const next = c.order[Math.max(0, Math.min(c.order.length - 1, at + c.delta))];
      return next === ui.selected ? ui : { ...ui, selected: next };
    }
    case 'pane':
      return { ...ui, pane: c.pane, help: false };
    case 'help':
      return { ...ui, help: !ui.help };
    case 'prompt-open':
      return { ...ui, help: false, prompt: { fn: c.fn, text: '' } };
    case 'prompt-input':
      return ui.prompt ? { ...ui, prompt: { ...ui.prompt, text: (ui.prompt.text + c.text).slice(0, MAX_BODY) } } : ui;
    case 'prompt-backspace':
      return ui.prompt ? { ...ui, prompt: { ...ui.prompt, text: [...ui.prompt.text].slice(0, -1).join('') } } : ui;
    case 'prompt-close':
      return ui.prompt ? { ...ui, prompt: undefined } : ui;
    case 'answer':
      return { ...ui, pane: 'answer', help: false, answer: c.answer };
    case 'dismiss-answer':
      return { ...ui, pane: ui.pane === 'answer' ? 'events' : ui.pane, help: false };
    case 'toast':
      return { ...ui, toast: { text: c.text, tone: c.tone, at: c.at } };
  }
}
