import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlServer } from '../../daemon/control-api/server.js';
import { Daemon, type DaemonStatus } from '../../daemon/daemon.js';
import { daemonFile, pidAlive, readDaemonInfo, removeDaemonInfo, writeDaemonInfo } from '../../daemon/daemon-file.js';
import { DaemonClient } from '../../daemon/client.js';
import { projectRoot } from '../../daemon/state.js';
import { OfnError } from '../../errors.js';
import type { RuntimeKind, ZeroMode } from '../../runtime/runtime.js';
import type { CliIo } from '../io.js';
import { plainLine } from '../plain-log.js';
import { renderError } from '../render-error.js';

export interface UpOptions {
  port: number;
  detach?: boolean;
  idleTimeout: number;
  readyTimeout: number;
  runtime?: RuntimeKind;
  zero: ZeroMode;
  baseImage?: string;
  verbose?: boolean;
  /** Hot reload (commander's --no-watch sets false). */
  watch?: boolean;
  /** Internal: this process is the detached daemon started by `up --detach`. */
  daemonChild?: boolean;
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'ofn-local.js');

export async function upCommand(inputs: string[], opts: UpOptions, io: CliIo): Promise<number> {
  const root = projectRoot(inputs, io.cwd);
  const running = await readDaemonInfo(daemonFile(root));
  if (running && pidAlive(running.pid) && running.pid !== process.pid) {
    throw new OfnError('ERR_ALREADY_RUNNING', `ofn-local already runs for ${root} (pid ${running.pid}, gateway ${running.gatewayUrl})`, {}, 'run `ofn-local down` first, or use that one');
  }
  if (opts.detach) return detach(inputs, opts, io, root);
  return foreground(inputs, opts, io);
}

async function foreground(inputs: string[], opts: UpOptions, io: CliIo): Promise<number> {
  const print = (s: string) => io.stdout.write(s + '\n');
  const daemon = await Daemon.start({
    inputs,
    cwd: io.cwd,
    port: opts.port,
    idleTimeoutMs: opts.idleTimeout * 1000,
    readyTimeoutMs: opts.readyTimeout * 1000,
    runtime: opts.runtime,
    zeroMode: opts.zero,
    baseImage: opts.baseImage,
    watch: opts.watch !== false,
    notice: (line) => print(`notice: ${line}`),
    onEvent: (e) => {
      const line = plainLine(e, opts.verbose);
      if (line) print(line);
    },
  });
  const failures = daemon.failures();
  if (opts.daemonChild && failures.length > 0) {
    // A detached start that did not fully work is a failed start: nothing is left running.
    await daemon.stop().catch(() => undefined);
    io.stderr.write(failures.map((f) => `error: ${f}\n`).join(''));
    return 1;
  }
  let stopping: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const control = new ControlServer(daemon, () => void stop());
  const stop = () =>
    (stopping ??= (async () => {
      await removeDaemonInfo({ root: daemon.root, projectId: daemon.projectId }).catch(() => undefined);
      await control.close().catch(() => undefined);
      await daemon.stop().catch((err: unknown) => io.stderr.write(renderError(err)));
      resolveDone();
    })());
  const controlUrl = await control.listen();
  await writeDaemonInfo({
    pid: process.pid,
    projectId: daemon.projectId,
    root: daemon.root,
    controlUrl,
    token: control.token,
    gatewayUrl: `http://localhost:${daemon.gatewayPort}`,
    startedAt: new Date().toISOString(),
  });
  print(summary(daemon.status()));
  for (const f of failures) io.stderr.write(`error: ${f}\n`);
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await done;
  return 0;
}

/** Starts the daemon as a background process and returns once it is ready (or has failed). */
async function detach(inputs: string[], opts: UpOptions, io: CliIo, root: string): Promise<number> {
  await mkdir(path.join(root, '.ofn-local'), { recursive: true });
  const logFile = path.join(root, '.ofn-local', 'daemon.log');
  const out = openSync(logFile, 'w');
  const args = [BIN, 'up', ...inputs, '--port', String(opts.port), '--idle-timeout', String(opts.idleTimeout), '--ready-timeout', String(opts.readyTimeout), '--zero', opts.zero, '--daemon-child'];
  if (opts.runtime) args.push('--runtime', opts.runtime);
  if (opts.baseImage) args.push('--base-image', opts.baseImage);
  if (opts.verbose) args.push('--verbose');
  if (opts.watch === false) args.push('--no-watch');
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
      const status = await new DaemonClient(info).status();
      io.stdout.write(summary(status) + '\n');
      io.stdout.write(`running in the background (pid ${info.pid}); logs: ${logFile}; stop with: ofn-local down\n`);
      return 0;
    }
  }
}

export function summary(s: DaemonStatus): string {
  const lines = [`gateway ${s.gateway} (${s.runtime} runtime)`];
  for (const f of s.functions) lines.push(`  ${f.namespace}/${f.name}  ${f.state}  ${f.url}  (or ${f.hostUrl})`);
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
