import type { DaemonClient } from '../../daemon/client.js';
import { OfnError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

const LOG_TYPES = ['build.log', 'build.failed', 'instance.log', 'instance.failed', 'reload.finished', 'reload.failed'];

/** Build output and instance output of one function, from the journal; `-f` keeps following. */
export async function logsCommand(name: string, opts: { namespace: string; follow?: boolean; project?: string }, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const key = `${opts.namespace}/${name}`;
  const known = (await client.status()).functions.map((f) => `${f.namespace}/${f.name}`);
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
    for await (const e of client.journal({ fn: key, types: LOG_TYPES, follow: opts.follow }, ac.signal)) {
      if (e.type === 'build.log') io.stdout.write(`[build] ${e.line}\n`);
      else if (e.type === 'build.failed') io.stdout.write(`[build] FAILED: ${e.message}\n`);
      else if (e.type === 'instance.log') io.stdout.write(`[${e.instance}] ${e.line}\n`);
      else if (e.type === 'instance.failed') io.stdout.write(`[${e.instance}] FAILED: ${e.message}\n`);
      else if (e.type === 'reload.finished') io.stdout.write(`[reload] ${e.path} path, ${e.timings.totalMs} ms\n`);
      else if (e.type === 'reload.failed') io.stdout.write(`[reload] FAILED (${e.path} path): ${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.message}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  return 0;
}

/** Whether the journal holds any log line of `fn`. */
async function hasLines(client: DaemonClient, fn: string): Promise<boolean> {
  const ac = new AbortController();
  try {
    for await (const _ of client.journal({ fn, types: LOG_TYPES }, ac.signal)) return true;
    return false;
  } finally {
    ac.abort();
  }
}
