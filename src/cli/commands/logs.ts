import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

const LOG_TYPES = ['build.log', 'build.failed', 'instance.log', 'instance.failed', 'reload.finished', 'reload.failed'];

/** Build output and instance output of one function, from the journal; `-f` keeps following. */
export async function logsCommand(name: string, opts: { namespace: string; follow?: boolean; project?: string }, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    for await (const e of client.journal({ fn: `${opts.namespace}/${name}`, types: LOG_TYPES, follow: opts.follow }, ac.signal)) {
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
