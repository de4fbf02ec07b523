import type { DaemonApi } from '../../protocol/api.js';
import { logLine, type LogLine } from '../../protocol/project-state.js';
import { OfnError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

/** The kinds of a function's log lines (see the protocol's `logLine`) this command prints: its output, and how builds and reloads ended. */
const LOG_TYPES = ['build.log', 'build.failed', 'instance.log', 'instance.failed', 'reload.finished', 'reload.failed'];

/** `[build] added 3 packages`, `[default-hello-1] listening on 8080`, `[reload] fast path, 180 ms`. */
export function printedLine(l: LogLine): string {
  return `[${l.instance ?? l.source}] ${l.text}`;
}

/** Build output and instance output of one function, from the journal; `-f` keeps following. */
export async function logsCommand(name: string, opts: { namespace: string; follow?: boolean; project?: string }, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const key = `${opts.namespace}/${name}`;
  const status = await client.status();
  // A Deployment's pods log under its name too.
  const known = [...status.functions, ...(status.deployments ?? [])].map((f) => `${f.namespace}/${f.name}`);
  // A name the project does not have is a mistake (not an empty log), unless the journal has lines of
  // it: a function removed since, or a backing service (`-n service <name>`).
  if (!known.includes(key) && !(await hasLines(client, key))) {
    const elsewhere = known.filter((k) => k.endsWith(`/${name}`));
    throw new OfnError(
      'ERR_NO_FUNCTION',
      `no function ${key} in this project (functions: ${known.join(', ') || 'none'})`,
      {},
      elsewhere.length > 0 ? `name its namespace: ${elsewhere.map((k) => `ofn-local logs ${name} -n ${k.slice(0, -name.length - 1)}`).join(', or ')}` : undefined,
    );
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    for await (const e of client.journal.read({ fn: key, types: LOG_TYPES, follow: opts.follow }, ac.signal)) {
      const line = logLine(e);
      if (line) io.stdout.write(printedLine(line) + '\n');
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  return 0;
}

/** Whether the journal holds any log line of `fn`. */
async function hasLines(client: DaemonApi, fn: string): Promise<boolean> {
  const ac = new AbortController();
  try {
    for await (const _ of client.journal.read({ fn, types: LOG_TYPES }, ac.signal)) return true;
    return false;
  } finally {
    ac.abort();
  }
}
