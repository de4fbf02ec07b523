import { countStates, requestsPerSecond, type ProjectState } from '../../protocol/project-state.js';
import type { Connection } from '../store.js';
import { count, plural, rate } from '../format.js';
import type { Theme, Tone } from '../theme.js';
import { Lines, type Line, type Segment } from './lines.js';

export interface HeaderProps {
  project: ProjectState;
  connection: Connection;
  mode: 'foreground' | 'attach';
  now: number;
  width: number;
  theme: Theme;
}

const SEP: Segment = { text: ' · ', tone: 'muted' };

/** Two lines: who and where (project, gateway, runtime, connection), then the counts. */
export function headerLines(p: Omit<HeaderProps, 'width' | 'theme'>): Line[] {
  const s = p.project;
  const name = s.root ? s.root.split(/[\\/]/).filter(Boolean).pop() : s.project;
  const first: Segment[] = [{ text: 'ofn-local', tone: 'accent', bold: true }];
  if (p.mode === 'attach') first.push({ text: ' (attached)', tone: 'muted' });
  if (name) first.push(SEP, { text: name, bold: true });
  const [word, tone] = connectionWord(p.connection, s.daemon);
  first.push(SEP, { text: word, tone });
  first.push(SEP, { text: 'gateway ', tone: 'muted' }, { text: s.gateway ?? '…' });
  if (s.runtime) first.push(SEP, { text: `${s.runtime} runtime` });
  if (s.dapr) first.push(SEP, { text: `dapr ${s.dapr}` });

  const c = countStates(s);
  const n = s.order.length;
  let instances = 0;
  let rps = 0;
  for (const key of s.order) {
    const fn = s.functions[key]!;
    instances += fn.instances;
    rps += requestsPerSecond(fn, p.now);
  }
  const states: Segment[] = [];
  const add = (k: keyof typeof c, label: string, t: Tone) => {
    if (c[k] === 0) return;
    if (states.length) states.push({ text: ', ' });
    states.push({ text: `${c[k]} ${label}`, tone: t });
  };
  add('ready', 'ready', 'ok');
  add('scaled-to-zero', 'at zero', 'info');
  add('building', 'building', 'warn');
  add('pending', 'pending', 'muted');
  add('failed', 'failed', 'error');
  add('removed', 'removed', 'muted');
  const second: Segment[] = [{ text: plural(n, 'function') }];
  if (states.length) second.push({ text: ': ' }, ...states);
  second.push(SEP, { text: plural(instances, 'instance') });
  second.push(SEP, { text: `${rate(rps)} req/s` });
  second.push(SEP, { text: `${count(s.totals.requests)} requests` });
  if (s.totals.errors) second.push(SEP, { text: `${count(s.totals.errors)} 5xx`, tone: 'error' });
  return [first, second];
}

function connectionWord(c: Connection, daemon: ProjectState['daemon']): [string, Tone] {
  if (c === 'closed') return ['daemon stopped', 'error'];
  if (c === 'lost') return ['daemon unreachable, retrying', 'error'];
  if (c === 'connecting') return ['connecting…', 'warn'];
  if (daemon === 'stopping') return ['stopping…', 'warn'];
  if (daemon === 'starting') return ['starting…', 'warn'];
  return ['live', 'ok'];
}

export function Header(p: HeaderProps) {
  return <Lines lines={headerLines(p)} theme={p.theme} width={p.width} />;
}
