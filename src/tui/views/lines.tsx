import { Box, Transform } from 'ink';
import { cut } from '../format.js';
import { SGR, type Theme, type Tone } from '../theme.js';

/** A run of text with one meaning (tone) and emphasis. */
export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export type Line = readonly Segment[];

/** Exactly `height` lines (cut or padded with empty ones). */
export function fitHeight(lines: readonly Line[], height: number, keep: 'head' | 'tail' = 'head'): Line[] {
  const cutLines = keep === 'head' ? lines.slice(0, height) : lines.slice(Math.max(0, lines.length - height));
  return [...cutLines, ...Array.from({ length: Math.max(0, height - cutLines.length) }, () => [] as Line)];
}

/** Plain text of lines (tests, and the no-colour path reads the same). */
export function plainText(lines: readonly Line[]): string {
  return lines.map((l) => l.map((s) => s.text).join('')).join('\n');
}

/** The line cut to `width` cells (the last piece that does not fit ends with `…`). */
export function clip(line: Line, width: number): Line {
  let used = 0;
  const out: Segment[] = [];
  for (const s of line) {
    const n = [...s.text].length;
    if (used + n <= width) {
      out.push(s);
      used += n;
      continue;
    }
    if (width - used > 0) out.push({ ...s, text: cut(s.text, width - used) });
    break;
  }
  return out;
}

/** One line as one string: plain without colour, else with its SGR escape codes. */
export function styled(line: Line, theme: Theme): string {
  if (!theme.color) return line.map((s) => s.text).join('');
  let out = '';
  for (const s of line) {
    const codes = [s.tone ? SGR[s.tone] : '', s.bold ? '1' : '', s.inverse ? '7' : ''].filter(Boolean);
    out += codes.length ? `\x1b[${codes.join(';')}m${s.text}\x1b[0m` : s.text;
  }
  return out;
}

/**
 * Renders lines, each cut to the width; the only place segments become elements. ink lays out a
 * blank line of the same width and the line itself replaces it on output (a Transform): ink keeps
 * every text it ever measured in a module-level cache with no bound, so measuring only blanks (one
 * per width) keeps its memory flat however many distinct lines stream by, and skips measuring them.
 */
export function Lines({ lines, theme, width }: { lines: readonly Line[]; theme: Theme; width: number }) {
  const blank = ' '.repeat(Math.max(1, width));
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {lines.map((line, i) => {
        const text = styled(clip(line, width), theme);
        return (
          <Transform key={i} transform={() => text}>
            {blank}
          </Transform>
        );
      })}
    </Box>
  );
}
