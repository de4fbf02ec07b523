/**
 * Runs a program that cannot watch ofn-local itself (the real daprd, on the process runtime) as its
 * child, and stops it when the ofn-local that started this one dies without stopping it (killed):
 *
 *   node ofn-parent-bound.cjs <program> [args...]
 *
 * Signals sent to this process are passed on to the program; this process exits when the program
 * does, with its exit code. Output is the program's own (inherited). It ships alone: node's built-ins.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import { exitWithParent } from '../shared/parent-watch.js';

/** How long the program may take to stop after SIGTERM once ofn-local is gone, before SIGKILL. */
const STOP_GRACE_MS = 3_000;
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

export function runParentBound(argv: string[], env: NodeJS.ProcessEnv): void {
  const [program, ...args] = argv;
  if (!program) {
    process.stderr.write('usage: ofn-parent-bound <program> [args...]\n');
    process.exit(2);
  }
  const child = spawn(program, args, { stdio: 'inherit', env });
  child.once('error', (err) => {
    process.stderr.write(`ofn-parent-bound: cannot start ${program}: ${err.message}\n`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  for (const signal of FORWARDED) {
    process.on(signal, () => {
      child.kill(signal);
      // A program that ignores the stop is killed, so nothing outlives ofn-local for long.
      if (signal === 'SIGTERM') setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
    });
  }
  // ofn-local gone: this process is sent SIGTERM, which stops the program as above.
  exitWithParent(env);
}
