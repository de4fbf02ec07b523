import { readDataOption } from '../data-option.js';
import type { EventOf, JournalEntry } from '../../protocol/journal.js';
import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

export interface EventsOptions {
  follow?: boolean;
  json?: boolean;
  namespace?: string;
  project?: string;
}

type Hop = JournalEntry & EventOf<'event.hop'>;

/**
 * `ofn-local events`: every event's path from its source through the bus and triggers to sinks and
 * topics, one line per hop (`--json`: the journal entries), `--follow` to keep printing.
 */
export async function eventsCommand(opts: EventsOptions, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const stop = new AbortController();
  if (opts.follow) process.once('SIGINT', () => stop.abort());
  for await (const e of client.journal.read({ types: ['event.hop'], follow: Boolean(opts.follow) }, stop.signal)) {
    if (e.type !== 'event.hop' || (opts.namespace && e.namespace !== opts.namespace)) continue;
    io.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `${hopLine(e)}\n`);
  }
  return 0;
}

/** `12:00:01.123 3f2a9c1e default/orders.created  trigger  default/shop  ok  2.1 ms`. */
export function hopLine(e: Hop): string {
  const extra = [e.attempt ? `attempt ${e.attempt}` : '', e.trigger && e.stage !== 'trigger' ? `via ${e.trigger}` : '', e.message ?? ''].filter(Boolean).join(', ');
  return [e.ts.slice(11, 23), e.id.slice(0, 8), `${e.namespace}/${e.eventSource}.${e.event}`, e.stage.padEnd(11), e.target, e.status, `${e.latencyMs} ms`].join('  ') + (extra ? `  (${extra})` : '');
}

export interface EventsPublishOptions {
  namespace: string;
  data?: string;
  project?: string;
}

/** `ofn-local events publish <eventsource> <event> --data ...`: as if the source produced it. */
export async function eventsPublishCommand(eventSource: string, event: string, opts: EventsPublishOptions, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const { body, contentType } = await readDataOption(opts.data ?? '{}', io.cwd);
  const id = await client.emitEvent(opts.namespace, eventSource, event, body, contentType);
  io.stdout.write(`event ${id} from ${opts.namespace}/${eventSource}.${event}: see its hops with ofn-local events\n`);
  return 0;
}
