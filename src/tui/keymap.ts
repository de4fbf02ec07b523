import type { UiState } from './ui-state.js';

/** What a key asks for. The store applies the view changes; the controller does the side effects. */
export type Action =
  | { type: 'select'; delta: number }
  | { type: 'pane'; pane: 'logs' | 'events' }
  | { type: 'help' }
  | { type: 'invoke' }
  | { type: 'rebuild' }
  | { type: 'scale-to-zero' }
  | { type: 'dismiss' }
  | { type: 'quit' }
  | { type: 'prompt-input'; text: string }
  | { type: 'prompt-backspace' }
  | { type: 'prompt-submit' }
  | { type: 'prompt-cancel' };

export interface Binding {
  /** Key names as `keyName` gives them. */
  keys: readonly string[];
  /** How the footer and help show the keys. */
  label: string;
  /** Footer text (absent: help only). */
  hint?: string;
  help: string;
  action: Action;
}

/** Every key of the UI, as data: the footer, the help screen and the input handler read this. */
export const BINDINGS: readonly Binding[] = [
  { keys: ['up', 'k'], label: '↑ k', hint: '↑↓ select', help: 'select the previous function', action: { type: 'select', delta: -1 } },
  { keys: ['down', 'j'], label: '↓ j', help: 'select the next function', action: { type: 'select', delta: 1 } },
  { keys: ['return', 'l'], label: 'enter l', hint: 'enter logs', help: "the selected function's logs: instance output, build output, scaling and reloads", action: { type: 'pane', pane: 'logs' } },
  { keys: ['e'], label: 'e', hint: 'e events', help: 'requests (and, with eventing, events and their hops) as they happen', action: { type: 'pane', pane: 'events' } },
  { keys: ['i'], label: 'i', hint: 'i invoke', help: 'invoke the selected function through the gateway: type a body (empty: GET, else POST), enter sends', action: { type: 'invoke' } },
  { keys: ['r'], label: 'r', hint: 'r rebuild', help: 'rebuild the selected function and swap it in when ready', action: { type: 'rebuild' } },
  { keys: ['s'], label: 's', hint: 's to zero', help: 'scale the selected function to zero now', action: { type: 'scale-to-zero' } },
  { keys: ['x', 'escape'], label: 'x esc', help: 'dismiss the error banner or the invoke answer', action: { type: 'dismiss' } },
  { keys: ['?'], label: '?', hint: '? help', help: 'show or hide this help', action: { type: 'help' } },
  { keys: ['q', 'ctrl+c'], label: 'q ctrl-c', hint: 'q quit', help: 'quit', action: { type: 'quit' } },
];

/** What `q` does, said where the user sees it. */
export function quitHelp(mode: 'foreground' | 'attach'): string {
  return mode === 'foreground' ? 'quit: stop every function and the daemon (as Ctrl-C does)' : 'close this UI; the daemon keeps running (`ofn-local down` stops it)';
}

/** The footer's key hints (`q` says what it does in this mode). */
export function footerHints(mode: 'foreground' | 'attach'): string[] {
  return BINDINGS.flatMap((b) => (b.hint ? [b.action.type === 'quit' && mode === 'attach' ? 'q close' : b.hint] : []));
}

/** The subset of ink's `Key` this module reads. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  tab?: boolean;
}

/** One name per keypress: `up`, `down`, `return`, `escape`, `backspace`, `ctrl+c`, or the character typed. */
export function keyName(input: string, key: KeyFlags): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (key.backspace || key.delete) return 'backspace';
  if (key.tab) return 'tab';
  if (key.ctrl) return `ctrl+${input}`;
  return input;
}

/** The action of a keypress in the current UI state (a prompt takes the keys as text). */
export function resolveKey(name: string, input: string, ui: Pick<UiState, 'prompt'>): Action | undefined {
  if (name === 'ctrl+c') return { type: 'quit' };
  if (ui.prompt) {
    if (name === 'return') return { type: 'prompt-submit' };
    if (name === 'escape') return { type: 'prompt-cancel' };
    if (name === 'backspace') return { type: 'prompt-backspace' };
    if (name.startsWith('ctrl+') || name === 'up' || name === 'down' || name === 'tab') return undefined;
    // A paste arrives as one input; newlines become spaces (the body is one line).
    return input ? { type: 'prompt-input', text: input.replace(/\r?\n/g, ' ') } : undefined;
  }
  return BINDINGS.find((b) => b.keys.includes(name))?.action;
}
