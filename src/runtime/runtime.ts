/**
 * Where function instances run. Two implementations share this contract: `docker` (one container per
 * instance on a per-project network) and `process` (a child process per instance on the host).
 * Our own types only: nothing Docker-specific leaks above this line.
 */

import type { RuntimeKind } from '../protocol/status.js';

// Declared with the status the CLI, the TUI and the test API read; re-exported for the runtimes' users.
export type { RuntimeKind };

/** How an instance sits at zero: `stop` ends its process (a cold start next time), `pause` freezes it. */
export type ZeroMode = 'stop' | 'pause';

export interface InstanceSpec {
  namespace: string;
  name: string;
  /** Docker: the image to run. */
  image?: string;
  /** Process: the prepared app folder to run the framework in. */
  appDir?: string;
  /**
   * The program to run instead of the Node functions framework (a Go function's binary, or the
   * restart supervisor running it in dev mode). Process: told its port through FUNC_CONTEXT as the Go
   * framework reads it. Docker: the container's command (a path in the image).
   */
  command?: string[];
  /** Docker: replaces the image's ENTRYPOINT (a Deployment container's `command`; `command` above is then its `args`). */
  entrypoint?: string[];
  /** Docker: the working directory, when not the image's. */
  workingDir?: string;
  /**
   * The port the function listens on inside its instance (`triggers.http.port`); 0 for a Deployment
   * that declares none (ready once it runs).
   */
  port: number;
  env: Record<string, string>;
  /** Bumped each time the function is rebuilt, so stale instances are told apart. */
  generation: number;
  /**
   * Hot reload: the instance runs the live app folder (Docker: bind-mounted at /workspace) so code
   * synced into it reaches running and future instances without an image rebuild.
   */
  liveAppDir?: boolean;
  /** A Dapr sidecar beside the function, sharing its network (a "pod"). */
  sidecar?: SidecarSpec;
  /**
   * Docker: run the instance as a Kubernetes pod runs a Deployment's container: a holder container
   * (`holderImage`, as the pause container) owns the pod's network, the sidecar starts and is healthy
   * before the app (as `dapr run` orders them), and an app that exits is started again in the same
   * pod, beside the same sidecar, with a growing delay (restartPolicy Always).
   */
  pod?: {
    holderImage: string;
    /** More names the pod answers to on the project network (its Services': `svc`, `svc.ns`, `svc.ns.svc.cluster.local`, ...). */
    aliases?: string[];
  };
  /** Docker: what the function container may use and as whom it runs (the process runtime has no limits). */
  limits?: ContainerLimits;
}

export interface ContainerLimits {
  memoryBytes?: number;
  nanoCpus?: number;
  /** `uid[:gid]`; the image's own user when unset. */
  user?: string;
}

/** Docker: where a daprd container finds the project's shared name registry (SidecarSpec.daprd). */
export const POD_NAMES_DIR = '/ofn-local/names';

export interface SidecarSpec {
  /** `<fn>-<ns>`. */
  appId: string;
  /** Folder of Component files (`--resources-path`). */
  resourcesDir: string;
  /** The project's app ids → where they answer (sidecar/app-ids.ts): the sidecar's name resolution. */
  appIdsFile?: string;
  appProtocol: 'http' | 'grpc';
  /**
   * The app's port for the sidecar when it is not the instance's `port` (a Deployment's
   * `dapr.io/app-port`); 0: no app channel (the sidecar serves its API only, as daprd without --app-port).
   */
  appPort?: number;
  /** Docker: the sidecar image; process: unused (the bundle runs on the host). */
  image?: string;
  /** Extra environment of the sidecar (e.g. OFN_LOCAL_CAPTURE). */
  env?: Record<string, string>;
  /**
   * The program daprd's flags follow, when it is not ofn-local's own sidecar (`--dapr daprd`):
   * Docker: `['/daprd']` in the daprio/daprd image; process: the daprd binary's path.
   */
  program?: string[];
  /**
   * The real daprd's `--config` file, and the folder of the name registry the project's daprds
   * share (its path in the file is POD_NAMES_DIR on Docker, where the folder is mounted there).
   */
  daprd?: { configFile: string; namesDir?: string };
  /** Docker: what the sidecar container may use and as whom it runs. */
  limits?: ContainerLimits;
}

export type InstanceState = 'running' | 'paused' | 'stopped' | 'removed';

export interface Instance {
  /** Stable id for logs and the journal (container name or `pid-<n>`). */
  readonly id: string;
  readonly spec: InstanceSpec;
  /** Where the gateway reaches the function; can change after a stop/start. */
  address: { host: string; port: number };
  /**
   * Where the daemon reaches the instance's Dapr sidecar, when it has one: its public endpoint
   * (health, as the kubelet probes it), which also serves the API to requests carrying
   * `controlToken` (the API itself listens on the pod's loopback, out of other functions' reach).
   * `apiPort`: where the API itself listens, when the daemon shares that loopback (process runtime):
   * the real daprd has no control token, so the daemon reaches its API there (`grpcApiPort`: its
   * gRPC API, likewise).
   */
  dapr?: { host: string; port: number; controlToken: string; apiPort?: number; grpcApiPort?: number };
  state: InstanceState;
}

export interface LogLine {
  /** `<namespace>/<name>` of the function the instance belongs to. */
  fn: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Removes leftovers of an earlier run of the same project, then creates what instances share. */
  prepare(): Promise<void>;
  /** Creates and starts an instance. Resolves once its process runs; readiness is the caller's wait. */
  start(spec: InstanceSpec): Promise<Instance>;
  /** Brings an instance that sits at zero back (`docker start`/`unpause`, or a new child process). */
  resume(instance: Instance): Promise<void>;
  /** Puts an instance at zero without removing it. */
  suspend(instance: Instance, mode: ZeroMode): Promise<void>;
  remove(instance: Instance): Promise<void>;
  /** Whether the instance's Dapr sidecar process runs (true for an instance without one). */
  sidecarAlive(instance: Instance): Promise<boolean>;
  /** Starts the instance's sidecar again beside its running function, as the kubelet restarts a container. */
  restartSidecar(instance: Instance): Promise<void>;
  /** Sends a signal to the instance's main process (SIGHUP asks the framework to reload its code). */
  signal(instance: Instance, signal: NodeJS.Signals): Promise<void>;
  /** Removes every instance and shared resource this runtime created. Idempotent. */
  dispose(): Promise<void>;
}

export type LogSink = (line: LogLine) => void;
