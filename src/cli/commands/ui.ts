import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';
import { plainLine } from '../plain-log.js';
import { loadTui } from '../../tui/load.js';
import { wantsTui } from '../../tui/terminal.js';

export interface UiOptions {
  project?: string;
  /** Plain output only: also build output and every instance event. */
  verbose?: boolean;
}

/**
 * Attaches the live UI to a running daemon (`up --detach`); `q` closes the UI and leaves the daemon
 * running. Without a terminal it prints the journal as plain timestamped lines until Ctrl-C.
 */
export async function uiCommand(opts: UiOptions, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const stdout = io.stdout as NodeJS.WriteStream;
  if (io.stdout === process.stdout && wantsTui(stdout, process.stdin, process.env)) {
    const { runTui } = await loadTui();
    await runTui({ client, mode: 'attach', stdout, stdin: process.stdin });
    return 0;
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for await (const e of client.journal.read({ follow: true }, ac.signal)) {
      const line = plainLine(e, opts.verbose);
      if (line) io.stdout.write(line + '\n');
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
