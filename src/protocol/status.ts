/**
 * The daemon's status (`ofn-local status`, the control API's `/v1/status`, the TUI's header and
 * table, the test API's `status()`): what runs now, where it is reached. A snapshot; what happened
 * is in the journal.
 */

/** Where instances run: containers, or host processes. */
export type RuntimeKind = 'docker' | 'process';

/** Whose Dapr sidecar runs beside functions: ofn-local's own, or the real daprd. */
export type DaprMode = 'embedded' | 'daprd';

export interface FunctionStatus {
  name: string;
  namespace: string;
  runtime: 'knative' | 'async';
  state: string;
  replicas: number;
  minReplicas: number;
  /** 0 when the manifest leaves it unlimited (capped locally). */
  maxReplicas: number;
  /** The Dapr app-id when the function has a sidecar. */
  daprAppId?: string;
  /** The components its sidecar loads (name and type). */
  daprComponents?: { name: string; type: string }[];
  /** Async functions with KEDA triggers: the backlog the scaler last read. */
  backlog?: BacklogStatus;
  url: string;
  hostUrl: string;
  image?: string;
}

export interface DaemonStatus {
  project: string;
  root: string;
  runtime: RuntimeKind;
  /** Whose Dapr sidecar runs beside functions: ofn-local's own, or the real daprd. */
  dapr: DaprMode;
  /** Each event of each EventSource and whether its input runs. */
  events?: SourceStatus[];
  gateway: string;
  functions: FunctionStatus[];
  /** The backing services of ofn-local.yaml, kept up by the liveness loop. */
  services?: ServiceStatus[];
  /** The `apps/v1` Deployments of the manifests, when there are any. */
  deployments?: DeploymentStatus[];
}

/** An `apps/v1` Deployment: its pod template's image run `desiredReplicas` times. */
export interface DeploymentStatus {
  name: string;
  namespace: string;
  /** As a function's (`pending`, `ready`, `failed`, ...). */
  state: string;
  /** Why it does not run, when failed (no Docker engine, the image missing, ...). */
  reason?: string;
  replicas: number;
  /** `spec.replicas`. */
  desiredReplicas: number;
  image: string;
  /** The Dapr app-id when its annotations ask for a sidecar. */
  daprAppId?: string;
}

/** What the async scaler of a function with KEDA triggers last read. */
export interface BacklogStatus {
  /** `kafka`, `redis-streams`, `nats-jetstream`. */
  trigger: string;
  /** The last reading (null: the probe failed, see `error`). */
  value: number | null;
  threshold: number;
  at: string;
  error?: string;
  /** Seconds between polls and before scaling to zero, as in effect. */
  pollingInterval: number;
  cooldownPeriod: number;
}

/** One event of an EventSource, and whether its input runs. */
export interface SourceStatus {
  namespace: string;
  eventSource: string;
  /** The model's SOURCE_KINDS, spelled out so src/protocol needs nothing of the model; the events engine fills it from the model's type, so a kind the model gains and this lacks fails to compile. */
  kind: 'cron' | 'kafka' | 'redis' | 'mqtt' | 'http';
  event: string;
  /** `webhook`: an http source (no input of its own). */
  state: 'starting' | 'running' | 'failed' | 'webhook';
  /** The last connection error, while failed. */
  error?: string;
}

/** A backing service of ofn-local.yaml, as the liveness loop keeps it. */
export interface ServiceStatus {
  name: string;
  type: string;
  address: string;
  state: 'running' | 'restarting' | 'failed';
  restarts: number;
}
