import type { Outcome } from '../protocol/project-state.js';

/** What a piece of text means; the theme turns it into a colour (or nothing, without colour). */
export type Tone = Outcome | 'info' | 'muted' | 'accent';

export interface Theme {
  color: boolean;
}

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org: present and not
 * empty) or TERM is `dumb`.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(isTTY);
}

/**
 * Green means it works, yellow means wait or look, red means broken; cyan, blue and grey only label.
 * The same word is always in the same colour. SGR codes of the 16 basic colours, so the terminal's own
 * palette (light or dark) decides the shade.
 */
export const SGR: Record<Tone, string> = { ok: '32', warn: '33', error: '31', info: '36', accent: '34', muted: '90' };
