/**
 * A backlog probe: what a KEDA scaler reads from its source, as one number per poll.
 *
 * `value` is the metric KEDA hands the HPA (the HPA divides it by the trigger's threshold);
 * `activity` is what KEDA compares with the trigger's activation threshold to decide whether the
 * workload is active (scaled up from zero, kept off zero). They differ only where KEDA's scaler
 * reports them differently (Kafka: the metric is capped by the partition count, activity is not).
 */
export interface BacklogReading {
  value: number;
  activity: number;
}

export interface BacklogProbe {
  /** One line for logs: `kafka lag of group g on topic t at host:port`. */
  readonly describe: string;
  /** The metric value KEDA would report now (`read().value`). */
  backlog(): Promise<number>;
  read(): Promise<BacklogReading>;
  /** Closes the connection; the probe reconnects if read again. */
  close(): Promise<void>;
}

/**
 * Rewrites a `host:port` taken from a manifest (`kafka:9092`, the service name on the project
 * network) into one this process can reach (`172.18.0.3:9094`). Returns its input when it has no
 * better address.
 */
export type ResolveHost = (hostPort: string) => string;

/** Splits `host:port` (also `[v6]:port`); the port falls back to `defaultPort`. */
export function splitHostPort(hostPort: string, defaultPort: number): { host: string; port: number } {
  const trimmed = hostPort.trim().replace(/^[a-z]+:\/\//i, '');
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const at = trimmed.lastIndexOf(':');
  if (at > 0 && /^\d+$/.test(trimmed.slice(at + 1))) return { host: trimmed.slice(0, at), port: Number(trimmed.slice(at + 1)) };
  return { host: trimmed, port: defaultPort };
}
