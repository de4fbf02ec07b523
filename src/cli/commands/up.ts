import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonHost, StartFailures } from '../../daemon/host.js';
import type { DaemonStatus, DaprMode } from '../../protocol/status.js';
import { loadWarnings } from '../load-warnings.js';
import { daemonAlive, daemonFile, readDaemonInfo, removeDaemonInfo } from '../../daemon/daemon-file.js';
import { DaemonClient } from '../../daemon/client.js';
import { sweepState } from '../../daemon/folder-sweep.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import { OfnError } from '../../errors.js';
import type { RuntimeKind, ZeroMode } from '../../runtime/runtime.js';
import type { CliIo } from '../io.js';
import { plainLine } from '../plain-log.js';
import { renderError } from '../render-error.js';
import { loadTui } from '../../tui/load.js';
import { TuiStore } from '../../tui/store.js';
import { wantsTui } from '../../tui/terminal.js';

export interface UpOptions {
  port: number;
  detach?: boolean;
  idleTimeout: number;
  readyTimeout: number;
  runtime?: RuntimeKind;
  zero: ZeroMode;
  baseImage?: string;
  /** `--build`: fast (default) or buildpacks (the CNB lifecycle). */
  build?: 'fast' | 'buildpacks';
  /** `--builder-image`: the buildpacks builder instead of spec.build.builder. */
  builderImage?: string;
  verbose?: boolean;
  /** Hot reload (commander's --no-watch sets false). */
  watch?: boolean;
  /** Address the gateway and control API listen on (default 127.0.0.1; 0.0.0.0 in a container). */
  host?: string;
  dapr?: DaprMode;
  daprdVersion?: string;
  /** Overrides KEDA's cooldownPeriod of async functions. */
  cooldown?: number;
  /** Control API port (default any free one). */
  controlPort?: number;
  /** Internal: this process is the detached daemon started by `up --detach`. */
  daemonChild?: boolean;
}


const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'ofn-local.js');

export async function upCommand(inputs: string[], opts: UpOptions, io: CliIo): Promise<number> {
  const root = projectRoot(inputs, io.cwd);
  const running = await readDaemonInfo(daemonFile(root));
  if (running && daemonAlive(running) && running.pid !== process.pid) {
    throw new OfnError('ERR_ALREADY_RUNNING', `ofn-local already runs for ${root} (pid ${running.pid}, gateway ${running.gatewayUrl})`, {}, 'run `ofn-local down` first, or use that one');
  }
  if (!opts.daemonChild) await adoptFolder(root, running !== undefined, io);
  if (opts.detach) return detach(inputs, opts, io, root);
  return foreground(inputs, opts, io);
}

/**
 * The folder's daemon is not running: whatever an earlier one left (it crashed, or was killed)
 * ends before this one starts, so nothing keeps serving on old ports or is lost to a later `down`.
 * The host processes it recorded always (cheap); its containers when its state file says it crashed
 * (the Docker runtime's prepare() removes them too, but the process runtime has no engine to ask).
 */
async function adoptFolder(root: string, crashed: boolean, io: CliIo): Promise<void> {
  const id = projectId(root);
  const swept = await sweepState(path.join(root, '.ofn-local'), id, crashed ? 'connect' : 'none');
  if (crashed) await removeDaemonInfo({ root, projectId: id }).catch(() => undefined);
  const what = [...(swept.processes.length ? [`${swept.processes.length} process(es)`] : []), ...(swept.containers ? [`${swept.containers} container(s)`] : [])];
  if (what.length) io.stdout.write(`notice: ended ${what.join(' and ')} an earlier ofn-local left running for ${root}\n`);
}

async function foreground(inputs: string[], opts: UpOptions, io: CliIo): Promise<number> {
  const stdout = io.stdout as NodeJS.WriteStream;
  // The live UI on a terminal; plain timestamped lines otherwise (CI, pipes, the detached child).
  const tui = !opts.daemonChild && io.stdout === process.stdout && wantsTui(stdout, process.stdin, process.env) ? startTui(stdout) : undefined;
  const print = (s: string) => (tui ? tui.store.notice(s) : io.stdout.write(s + '\n'));
  // q or Ctrl-C in the UI before the daemon is up does what Ctrl-C at the terminal does then (no handler
  // is installed yet): SIGINT to the foreground process group, so this process and its builds (npm) end.
  // Should something handle SIGINT, the daemon stops once it is up (below).
  let phase: 'starting' | 'started' | 'failed' = 'starting';
  void tui?.quit.then(() => {
    if (phase === 'starting') process.kill(0, 'SIGINT');
  });
  let host: DaemonHost;
  try {
    host = await DaemonHost.start({
      inputs,
      cwd: io.cwd,
      port: opts.port,
      host: opts.host,
      controlPort: opts.controlPort,
      controlToken: process.env.OFN_LOCAL_CONTROL_TOKEN,
      cooldownSeconds: opts.cooldown,
      dapr: opts.dapr,
      daprdVersion: opts.daprdVersion,
      idleTimeoutMs: opts.idleTimeout * 1000,
      readyTimeoutMs: opts.readyTimeout * 1000,
      runtime: opts.runtime,
      zeroMode: opts.zero,
      baseImage: opts.baseImage,
      ...(opts.build ? { build: opts.build } : {}),
      ...(opts.builderImage ? { builderImage: opts.builderImage } : {}),
      watch: opts.watch !== false,
      // --detach reports ready only once every function has started (one at zero too); a detached
      // start that did not fully work is a failed start: nothing is left running.
      warmUp: opts.daemonChild,
      requireAllStarted: opts.daemonChild,
      notice: (line) => print(`notice: ${line}`),
      print,
      onEvent: (e) => {
        // Until the control API listens, the UI gets the daemon's entries here; then it follows the journal.
        if (tui) {
          if (tui.feeding) tui.store.push(e);
          return;
        }
        const line = plainLine(e, opts.verbose);
        if (line) print(line);
      },
      // The UI observes the shutdown: it closes first, so what follows prints on a normal screen.
      beforeStop: async () => {
        await tui?.close();
        if (tui) io.stdout.write('stopping\n');
      },
      onStopError: (err) => io.stderr.write(renderError(err)),
    });
  } catch (err) {
    phase = 'failed';
    await tui?.close(err instanceof StartFailures ? undefined : err);
    if (err instanceof StartFailures) {
      io.stderr.write(err.failures.map((f) => `error: ${f}\n`).join(''));
      return 1;
    }
    throw err;
  }
  phase = 'started';
  if (tui) {
    // From here on the UI is a client of the control API like `ofn-local ui`; q or Ctrl-C in it stops everything.
    tui.connect(new DaemonClient(host.info));
    void tui.quit.then(() => host.stop());
  } else {
    print(summary(host.daemon.status()));
    for (const f of host.daemon.failures()) io.stderr.write(`error: ${f}\n`);
  }
  await host.done;
  if (tui) io.stdout.write('stopped\n');
  return 0;
}

/**
 * The live UI of a foreground `up`: shown at once, fed the daemon's entries while it starts, then
 * connected to its control API. `quit` settles when the user quits; `close` takes the UI down (and
 * lets the terminal go) before the caller prints or stops anything.
 */
function startTui(stdout: NodeJS.WriteStream) {
  const store = new TuiStore();
  const ac = new AbortController();
  let connect!: (client: DaemonClient) => void;
  let fail!: (err: unknown) => void;
  const client = new Promise<DaemonClient>((resolve, reject) => {
    connect = resolve;
    fail = reject;
  });
  client.catch(() => undefined);
  const quit = loadTui().then(({ runTui }) => runTui({ client, mode: 'foreground', store, stdout, stdin: process.stdin, signal: ac.signal }));
  const tui = {
    store,
    /** True until the UI follows the journal itself (it resumes after the last entry it was fed). */
    feeding: true,
    quit,
    connect(c: DaemonClient) {
      tui.feeding = false;
      connect(c);
    },
    async close(err?: unknown) {
      if (err !== undefined) fail(err);
      ac.abort();
      await quit;
    },
  };
  return tui;
}

/** Starts the daemon as a background process and returns once it is ready (or has failed). */
async function detach(inputs: string[], opts: UpOptions, io: CliIo, root: string): Promise<number> {
  await mkdir(path.join(root, '.ofn-local'), { recursive: true });
  const logFile = path.join(root, '.ofn-local', 'daemon.log');
  const out = openSync(logFile, 'w');
  const args = [BIN, 'up', ...inputs, '--port', String(opts.port), '--idle-timeout', String(opts.idleTimeout), '--ready-timeout', String(opts.readyTimeout), '--zero', opts.zero, '--daemon-child'];
  if (opts.runtime) args.push('--runtime', opts.runtime);
  if (opts.baseImage) args.push('--base-image', opts.baseImage);
  if (opts.build) args.push('--build', opts.build);
  if (opts.builderImage) args.push('--builder-image', opts.builderImage);
  if (opts.verbose) args.push('--verbose');
  if (opts.watch === false) args.push('--no-watch');
  if (opts.host) args.push('--host', opts.host);
  if (opts.cooldown !== undefined) args.push('--cooldown', String(opts.cooldown));
  if (opts.dapr) args.push('--dapr', opts.dapr);
  if (opts.daprdVersion) args.push('--daprd-version', opts.daprdVersion);
  if (opts.controlPort !== undefined) args.push('--control-port', String(opts.controlPort));
  const child = spawn(process.execPath, args, { cwd: io.cwd, detached: true, stdio: ['ignore', out, out] });
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (exited !== undefined) {
      io.stderr.write(tail(logFile, 30));
      io.stderr.write(`error: ofn-local did not start (exit ${exited}); full log: ${logFile}\n`);
      return 1;
    }
    const info = await readDaemonInfo(daemonFile(root));
    if (info && info.pid === child.pid) {
      const client = new DaemonClient(info);
      const status = await client.status();
      for (const w of await loadWarnings(client.journal)) io.stderr.write(`warning: ${w}\n`);
      io.stdout.write(summary(status) + '\n');
      io.stdout.write(`running in the background (pid ${info.pid}); logs: ${logFile}; stop with: ofn-local down\n`);
      return 0;
    }
  }
}

export function summary(s: DaemonStatus): string {
  const lines = [`gateway ${s.gateway} (${s.runtime} runtime)`];
  for (const f of s.functions) lines.push(`  ${f.namespace}/${f.name}  ${f.state}  ${f.url ? `${f.url}  (or ${f.hostUrl})` : '(async: reached through Dapr, no URL)'}`);
  for (const d of s.deployments ?? []) lines.push(`  ${d.namespace}/${d.name}  ${d.state}  (deployment: ${d.replicas}/${d.desiredReplicas} replicas of ${d.image}${d.reason ? `; ${d.reason}` : ''})`);
  return lines.join('\n');
}

function tail(file: string, n: number): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n') + '\n';
  } catch {
    return '';
  }
}
