/**
 * What functions sent to output bindings and topics, as the daemon journals it (`output.sent`, from
 * the sidecar's capture), and the matching that `outputs()` and `waitFor()` use.
 */
import type { EventOf, JournalEntry } from '../protocol/journal.js';

export interface Output {
  /** Journal sequence number: later outputs have larger ones. */
  seq: number;
  /** ISO time the daemon saw it. */
  ts: string;
  /** `<namespace>/<name>` of the function that sent it. */
  fn: string;
  kind: 'binding' | 'topic';
  /** The binding or pubsub component. */
  component: string;
  /** The binding operation, or the topic. */
  target: string;
  contentType: string;
  /** The payload as the app sent it (for bindings: JSON, as daprd passes it on). */
  data: Buffer;
  /** Set when the payload was over 64 KiB and `data` is its beginning. */
  truncated: boolean;
  text(): string;
  json<T = unknown>(): T;
}

/** Which outputs to take; every field given must match. */
export interface OutputFilter {
  /** Function name, or `<namespace>/<name>`. */
  fn?: string;
  /** An output binding's component name. */
  binding?: string;
  /** A topic (of any pubsub unless `pubsub` is given). */
  topic?: string;
  pubsub?: string;
  /** Binding operation (`create`, `post`, …). */
  operation?: string;
  /** Any other test on the output (e.g. on its JSON). */
  where?: (output: Output) => boolean;
}

export function toOutput(e: JournalEntry & EventOf<'output.sent'>): Output {
  const data = Buffer.from(e.data, e.encoding === 'base64' ? 'base64' : 'utf8');
  return {
    seq: e.seq,
    ts: e.ts,
    fn: e.fn,
    kind: e.kind,
    component: e.component,
    target: e.target,
    contentType: e.contentType,
    data,
    truncated: e.truncated,
    text: () => data.toString('utf8'),
    json: <T>() => JSON.parse(data.toString('utf8')) as T,
  };
}

export function matches(o: Output, f: OutputFilter): boolean {
  if (f.fn !== undefined && o.fn !== f.fn && o.fn !== `default/${f.fn}` && o.fn.split('/')[1] !== f.fn) return false;
  if (f.binding !== undefined && (o.kind !== 'binding' || o.component !== f.binding)) return false;
  if (f.operation !== undefined && (o.kind !== 'binding' || o.target !== f.operation)) return false;
  if (f.topic !== undefined && (o.kind !== 'topic' || o.target !== f.topic)) return false;
  if (f.pubsub !== undefined && (o.kind !== 'topic' || o.component !== f.pubsub)) return false;
  if (f.where && !safeWhere(f.where, o)) return false;
  return true;
}

// A `where` that throws (e.g. JSON.parse on text) is a non-match, not a crash of waitFor.
function safeWhere(where: (o: Output) => boolean, o: Output): boolean {
  try {
    return where(o);
  } catch {
    return false;
  }
}

export function describeFilter(f: OutputFilter): string {
  const parts = Object.entries(f)
    .filter(([k, v]) => v !== undefined && k !== 'where')
    .map(([k, v]) => `${k} ${String(v)}`);
  if (f.where) parts.push('a where() test');
  return parts.length ? parts.join(', ') : 'any output';
}

/** One line per output, for messages: `default/sender → binding kafka-out (create) 18 B: {"n":1}`. */
export function describeOutput(o: Output): string {
  const where = o.kind === 'topic' ? `topic ${o.target} of ${o.component}` : `binding ${o.component} (${o.target})`;
  const text = o.text();
  const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return `${o.fn} → ${where} ${o.data.length} B: ${shown}`;
}
