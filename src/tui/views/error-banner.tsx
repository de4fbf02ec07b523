import type { ProjectState } from '../../protocol/project-state.js';
import { clean, clock, cut } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines, type Line, type Segment } from './lines.js';

/**
 * The last error, with its file and line when known (two lines), else the last notice (one line),
 * else nothing. The error leaves once its function recovers, or with `x`.
 */
export function bannerLines(project: ProjectState, width: number): Line[] {
  const e = project.lastError;
  if (e) {
    const head: Segment[] = [{ text: ' ERROR ', tone: 'error', inverse: true }, { text: ` ${clock(e.ts)} `, tone: 'muted' }];
    if (e.fn) head.push({ text: `${e.fn} `, bold: true });
    head.push({ text: e.title, tone: 'error' });
    if (e.file) head.push({ text: ' at ', tone: 'muted' }, { text: `${e.file}${e.line ? `:${e.line}` : ''}`, tone: 'error', bold: true });
    head.push({ text: '  (x: dismiss)', tone: 'muted' });
    const detail = clean(e.message) + (e.hint ? `  (${clean(e.hint)})` : '');
    return [head, [{ text: '  ' + cut(detail, Math.max(1, width - 2)), tone: 'error' }]];
  }
  const notice = project.notices[project.notices.length - 1];
  if (notice) return [[{ text: 'note ', tone: 'warn', bold: true }, { text: cut(clean(notice), Math.max(1, width - 5)), tone: 'warn' }]];
  return [];
}

export function ErrorBanner({ project, width, theme }: { project: ProjectState; width: number; theme: Theme }) {
  const lines = bannerLines(project, width);
  return lines.length ? <Lines lines={lines} theme={theme} width={width} /> : null;
}
