import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Daemon } from '../../daemon/daemon.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import { OfnError } from '../../errors.js';
import { replay, type ProjectState } from '../../protocol/project-state.js';
import type { DaprMode } from '../../protocol/status.js';
import { loadWarnings } from '../load-warnings.js';
import { registerInRun } from '../../shared/run-registry.js';
import type { RuntimeKind } from '../../runtime/runtime.js';
import type { CliIo } from '../io.js';
import { renderError } from '../render-error.js';
import { printedLine } from './logs.js';

export interface ExecOptions {
  port: number;
  runtime?: RuntimeKind;
  readyTimeout: number;
  baseImage?: string;
  dapr?: DaprMode;
  daprdVersion?: string;
  /** `up --ci`: without a command, only check that the project starts (as `tilt ci`). */
  allowNoCommand?: boolean;
}

/** `OFN_LOCAL_URL_<NAME>`: the function name in upper snake case. */
export function urlVariable(name: string): string {
  return `OFN_LOCAL_URL_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * Headless CI mode, like Firebase's `emulators:exec`: start the project, wait until it is ready, run
 * the test command with the URLs in its environment, tear everything down, and exit with the
 * command's exit code. A project that does not start exits 1 with the reason.
 *
 * It runs as a session of its own (as the test API does): its own containers, network, gateway port
 * and `.ofn-local/sessions/<id>/`, sharing only the builds, so an `up` of the same folder keeps
 * running untouched and two execs never meet. Its teardown removes exactly what it started.
 */
export async function execCommand(inputs: string[], command: string[], opts: ExecOptions, io: CliIo): Promise<number> {
  if (command.length === 0 && !opts.allowNoCommand) {
    throw new OfnError('ERR_NO_COMMAND', 'no command to run', {}, 'put it after --, e.g. ofn-local exec fixtures/hello-node -- npm test');
  }
  const say = (line: string) => io.stdout.write(`ofn-local: ${line}\n`);
  const session = `x${randomBytes(3).toString('hex')}`;
  const root = projectRoot(inputs, io.cwd);
  const stateDir = path.join(root, '.ofn-local', 'sessions', session);
  const unregister = registerInRun({ projectId: `${projectId(root)}-${session}`, root, stateDir });
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      session,
      inputs,
      cwd: io.cwd,
      port: opts.port,
      idleTimeoutMs: 300_000,
      readyTimeoutMs: opts.readyTimeout * 1000,
      runtime: opts.runtime,
      zeroMode: 'stop',
      baseImage: opts.baseImage,
      dapr: opts.dapr,
      daprdVersion: opts.daprdVersion,
      notice: say,
      // "Does every function build and start": each is started once, one at zero too.
      warmUp: true,
    });
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
    unregister();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await daemon.stop().catch((err: unknown) => void io.stderr.write(renderError(err)));
      await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
      unregister();
    })());
  try {
    for (const w of await loadWarnings(daemon.journal)) io.stderr.write(`warning: ${w}\n`);
    const failures = daemon.failures();
    if (failures.length > 0) {
      for (const f of failures) io.stderr.write(`error: ${f}\n`);
      io.stderr.write('error: the project did not start; the command was not run\n');
      return 1;
    }
    const status = daemon.status();
    const env: Record<string, string> = { OFN_LOCAL_GATEWAY: status.gateway };
    for (const f of status.functions) if (f.url) env[urlVariable(f.name)] = f.url;
    say(`ready (${status.runtime} runtime): ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    if (command.length === 0) {
      say(`every function got ready: ${status.functions.map((f) => `${f.namespace}/${f.name} (${f.runtime})`).join(', ') || 'no functions'}`);
      return 0;
    }
    const code = await run(command, { ...process.env, ...env }, io.cwd, stop);
    const served = replay(daemon.journal.since(0));
    say(`${command.join(' ')} exited with ${code}; ${served.totals.requests} request(s) served, ${served.totals.errors} with a 5xx`);
    if (code !== 0) io.stdout.write(logTails(served));
    return code;
  } finally {
    await stop();
  }
}

function run(command: string[], env: NodeJS.ProcessEnv, cwd: string, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: 'inherit' });
    // Ctrl-C reaches the command through the terminal; the project is torn down after it.
    const onSignal = () => void stop();
    process.once('SIGTERM', onSignal);
    child.once('error', (err) => reject(new OfnError('ERR_COMMAND', `cannot run ${command[0]}: ${err.message}`)));
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', onSignal);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

/** The last lines each function printed (and how its build or instances failed), for a failing run. */
function logTails(state: ProjectState, lines = 20): string {
  const printed = new Set(['instance.log', 'build.failed', 'instance.failed']);
  return state.order
    .map((fn) => [fn, (state.functions[fn]?.logs ?? []).filter((l) => printed.has(l.kind)).slice(-lines)] as const)
    .filter(([, l]) => l.length > 0)
    .map(([fn, l]) => `--- last output of ${fn} ---\n${l.map(printedLine).join('\n')}\n`)
    .join('');
}
