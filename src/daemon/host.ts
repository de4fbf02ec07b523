/**
 * A daemon as a process hosts it (`ofn-local up`, in the foreground or as the detached child): the
 * daemon itself, its control API (what `status`, `logs`, `ui` and `down` talk to), the state file
 * that finds it, the run registry that lets a test run's sweep end it, SIGINT/SIGTERM, and its owner
 * (OFN_LOCAL_OWNER_PID: once that process is gone, the daemon stops, or its start is aborted). The
 * CLI only chooses what to show: it gets the host and its `done`.
 */
import path from 'node:path';
import { watchProcess } from '../shared/parent-watch.js';
import { startTimeOf } from '../shared/process-identity.js';
import { registerInRun } from '../shared/run-registry.js';
import { ControlServer } from './control-api/server.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { removeDaemonInfo, writeDaemonInfo, type DaemonInfo } from './daemon-file.js';
import { projectId, projectRoot } from './state.js';

/** The process a daemon belongs to: it stops once that process is gone (see docs/testing.md). */
export const OWNER_PID_ENV = 'OFN_LOCAL_OWNER_PID';

export interface HostOptions extends Omit<DaemonOptions, 'signal'> {
  /** Address the control API listens on (the gateway's `host`). */
  host?: string;
  /** Control API port (default any free one). */
  controlPort?: number;
  /** The control API's token (default a random one). */
  controlToken?: string;
  /** One line for whoever watches (the UI's notices, or stdout). */
  print: (line: string) => void;
  /** Runs first when the host stops (the UI closes before anything else prints). */
  beforeStop?: () => Promise<void>;
  /** A failure while stopping the daemon. */
  onStopError?: (err: unknown) => void;
  /**
   * Serve only a daemon whose every function built and started (`up --detach`'s child): otherwise
   * it is stopped before anything finds it, and start throws {@link StartFailures}.
   */
  requireAllStarted?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The functions that did not build or start, for a host that had to serve all of them. */
export class StartFailures extends Error {
  constructor(readonly failures: string[]) {
    super(`${failures.length} function(s) did not start:\n${failures.join('\n')}`);
  }
}

export class DaemonHost {
  readonly #stop: () => Promise<void>;

  private constructor(
    readonly daemon: Daemon,
    /** What the state file says: where the control API listens, with its token. */
    readonly info: DaemonInfo,
    /** Settles once the host has stopped (a signal, the owner gone, `stop`, or the control API's stop). */
    readonly done: Promise<void>,
    stop: () => Promise<void>,
  ) {
    this.#stop = stop;
  }

  /** Starts the daemon and serves it; throws (nothing left running) when the start fails. */
  static async start(o: HostOptions): Promise<DaemonHost> {
    const env = o.env ?? process.env;
    const root = projectRoot(o.inputs, o.cwd);
    const ownerGone = new AbortController();
    const owner = Number(env[OWNER_PID_ENV]);
    let onOwnerGone = (): void => ownerGone.abort(new Error(`its owner process ${env[OWNER_PID_ENV]} (${OWNER_PID_ENV}) is gone`));
    const unwatchOwner = Number.isInteger(owner) && owner > 0 ? watchProcess(owner, () => onOwnerGone(), 1000) : () => undefined;
    const unregister = registerInRun({ projectId: projectId(root), root, stateDir: path.join(root, '.ofn-local') });
    let daemon: Daemon;
    try {
      daemon = await Daemon.start({ ...o, signal: ownerGone.signal });
    } catch (err) {
      unwatchOwner();
      unregister();
      throw err;
    }
    const failures = daemon.failures();
    if (o.requireAllStarted && failures.length > 0) {
      // Nothing may find a start that did not fully work: no control API, no state file.
      unwatchOwner();
      await daemon.stop().catch(() => undefined);
      unregister();
      throw new StartFailures(failures);
    }
    let stopping: Promise<void> | undefined;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const control = new ControlServer(daemon, () => void stop(), o.controlToken);
    const stop = () =>
      (stopping ??= (async () => {
        await o.beforeStop?.().catch(() => undefined);
        await removeDaemonInfo({ root: daemon.root, projectId: daemon.projectId }).catch(() => undefined);
        await control.close().catch(() => undefined);
        await daemon.stop().catch((err: unknown) => o.onStopError?.(err));
        unwatchOwner();
        unregister();
        resolveDone();
      })());
    let info: DaemonInfo;
    try {
      const controlUrl = await control.listen(o.host, o.controlPort);
      info = {
        pid: process.pid,
        projectId: daemon.projectId,
        root: daemon.root,
        controlUrl,
        token: control.token,
        gatewayUrl: `http://localhost:${daemon.gatewayPort}`,
        startedAt: new Date().toISOString(),
        pidStartTime: startTimeOf(process.pid),
      };
      await writeDaemonInfo(info);
    } catch (err) {
      await stop();
      throw err;
    }
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    onOwnerGone = () => {
      o.print(`stopping: the process that owns this daemon (pid ${owner}, ${OWNER_PID_ENV}) is gone`);
      void stop();
    };
    if (ownerGone.signal.aborted) onOwnerGone();
    return new DaemonHost(daemon, info, done, stop);
  }

  /** Stops the daemon and everything the host serves; resolves once all of it is down. */
  stop(): Promise<void> {
    return this.#stop();
  }
}
