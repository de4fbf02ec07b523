import type { InvokeAnswer } from '../ui-state.js';
import { clean, cut, duration } from '../format.js';
import type { Theme } from '../theme.js';
import { fitHeight, Lines, type Line, type Segment } from './lines.js';

export interface AnswerPaneProps {
  answer?: InvokeAnswer;
  width: number;
  height: number;
  theme: Theme;
}

/** The answer of the last `i`: status, time and the body's first lines. */
export function answerLines(p: Omit<AnswerPaneProps, 'theme'>): Line[] {
  const a = p.answer;
  if (!a) return fitHeight([[{ text: 'INVOKE', bold: true, tone: 'accent' }, { text: '  press i to invoke the selected function', tone: 'muted' }]], p.height);
  const title: Segment[] = [{ text: 'INVOKE ', bold: true, tone: 'accent' }, { text: `${a.method} ${a.url}`, bold: true }];
  if (a.pending) {
    title.push({ text: '  waiting for the answer… (from zero, the gateway holds it while an instance starts)', tone: 'warn' });
    return fitHeight([title], p.height);
  }
  if (a.error) {
    title.push({ text: `  failed after ${duration(a.durationMs)}`, tone: 'error' });
    return fitHeight([title, [{ text: '  ' + cut(clean(a.error), p.width - 2), tone: 'error' }]], p.height);
  }
  const status = a.status ?? 0;
  title.push({ text: '  → ', tone: 'muted' }, { text: `HTTP ${status}`, tone: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'ok', bold: true }, { text: ` in ${duration(a.durationMs)}`, tone: 'muted' }, { text: '   (x: close)', tone: 'muted' });
  const body = (a.body ?? '').split('\n');
  if (body[body.length - 1] === '') body.pop();
  const lines: Line[] = [title, ...body.map((l): Line => [{ text: '  ' + cut(clean(l), p.width - 2) }])];
  if (body.length === 0) lines.push([{ text: '  (empty body)', tone: 'muted' }]);
  if (lines.length > p.height && p.height > 0) return [...lines.slice(0, p.height - 1), [{ text: `  … ${lines.length - p.height + 1} more lines`, tone: 'muted' }]];
  return fitHeight(lines, p.height);
}

export function AnswerPane(p: AnswerPaneProps) {
  return <Lines lines={answerLines(p)} theme={p.theme} width={p.width} />;
}
