import type { JsonObject, LoadedFunction } from './types.js';

/** What a container is allowed, as the kubelet would enforce it. */
export interface ContainerLimits {
  /** Bytes of memory (resources.limits.memory). */
  memoryBytes?: number;
  /** Billionths of a CPU (resources.limits.cpu). */
  nanoCpus?: number;
  /** `uid[:gid]` (securityContext.runAsUser / runAsGroup, the container's over the pod's). */
  user?: string;
}

export interface PodLimits {
  function: ContainerLimits;
  /** From Dapr's injector annotations `dapr.io/sidecar-memory-limit` and `dapr.io/sidecar-cpu-limit`. */
  sidecar: ContainerLimits;
  /** Values that could not be read, each naming its field. */
  notes: string[];
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes resource quantity (`128Mi`, `0.5`, `500m`, `1e3`) as a number, or undefined when it is not one. */
export function parseQuantity(text: unknown): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]! + (m[2] ?? ''));
  const suffix = m[3] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/**
 * The limits of a function's pod, read as the cluster reads them: the container named `function`
 * in `spec.serving.template` (resources.limits, securityContext over the pod's securityContext),
 * and the sidecar's from Dapr's annotations. Pure.
 */
export function podLimits(fn: LoadedFunction): PodLimits {
  const notes: string[] = [];
  const serving = (fn.resource.spec as JsonObject | undefined)?.serving as JsonObject | undefined;
  const template = serving?.template as JsonObject | undefined;
  const containers = Array.isArray(template?.containers) ? (template.containers as JsonObject[]) : [];
  const index = containers.findIndex((c) => c?.name === 'function');
  const container = index >= 0 ? containers[index]! : undefined;
  const at = `spec.serving.template.containers[${index}]`;
  const limits = ((container?.resources as JsonObject | undefined)?.limits ?? {}) as JsonObject;

  const fnLimits: ContainerLimits = {};
  const read = (value: unknown, field: string, scale: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = parseQuantity(value);
    if (n === undefined) notes.push(`${field}: ${JSON.stringify(value)} is not a Kubernetes quantity (e.g. 128Mi, 500m); no limit set`);
    return n === undefined ? undefined : Math.round(n * scale);
  };
  fnLimits.memoryBytes = read(limits.memory, `${at}.resources.limits.memory`, 1);
  fnLimits.nanoCpus = read(limits.cpu, `${at}.resources.limits.cpu`, 1e9);

  const podContext = (template?.securityContext ?? {}) as JsonObject;
  const ownContext = (container?.securityContext ?? {}) as JsonObject;
  const uid = ownContext.runAsUser ?? podContext.runAsUser;
  const gid = ownContext.runAsGroup ?? podContext.runAsGroup;
  if (uid !== undefined) fnLimits.user = gid !== undefined ? `${String(uid)}:${String(gid)}` : String(uid);

  const sidecar: ContainerLimits = {
    memoryBytes: read(fn.annotations['dapr.io/sidecar-memory-limit'], 'spec.serving.annotations["dapr.io/sidecar-memory-limit"]', 1),
    nanoCpus: read(fn.annotations['dapr.io/sidecar-cpu-limit'], 'spec.serving.annotations["dapr.io/sidecar-cpu-limit"]', 1e9),
  };
  return { function: dropUndefined(fnLimits), sidecar: dropUndefined(sidecar), notes };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
