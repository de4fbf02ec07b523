/**
 * The daemon's status as `status()` answers it, made from the pieces the daemon's parts hold: a pure
 * view (it reads what it is given and nothing else), so what each field means is decided, and
 * tested, in one place.
 */
import type { Language } from '../builders/select-builder.js';
import { functionUrls } from '../gateway/router.js';
import { daprPlan } from '../model/dapr-plan.js';
import type { Project } from '../model/types.js';
import type { BacklogStatus, DaemonStatus, DaprMode, DeploymentStatus, FunctionStatus, RuntimeKind, ServiceStatus, SourceStatus } from '../protocol/status.js';

export interface StatusPieces {
  /** The project's id (containers, labels) and folder. */
  project: string;
  root: string;
  runtime: RuntimeKind;
  dapr: DaprMode;
  /** Where the gateway listens, and the domain of host-based routes. */
  gateway: { url: string; port: number };
  domain: string;
  /** The project as last loaded: its functions, and what their sidecars load. */
  model: Project;
  /** The events engine's sources, when the project has events. */
  events: SourceStatus[] | undefined;
  services: ServiceStatus[];
  /** The Deployments' (none when the project has none). */
  deployments: DeploymentStatus[];
  /** Each function's pool now (every function of the project has one). */
  pool(key: string): { state: string; replicas: number };
  /** What the build controller knows of the function's last build. */
  language(key: string): Language | undefined;
  image(key: string): string | undefined;
  /** The backlog its KEDA-like scaler last read, when it has one. */
  backlog(key: string): BacklogStatus | undefined;
}

export function statusView(p: StatusPieces): DaemonStatus {
  return {
    project: p.project,
    root: p.root,
    runtime: p.runtime,
    dapr: p.dapr,
    ...(p.events ? { events: p.events } : {}),
    gateway: p.gateway.url,
    ...(p.services.length ? { services: p.services } : {}),
    ...(p.deployments.length ? { deployments: p.deployments } : {}),
    functions: p.model.functions.map((fn) => {
      const key = `${fn.namespace}/${fn.name}`;
      const pool = p.pool(key);
      const urls = functionUrls(p.gateway.port, fn.namespace, fn.name, p.domain);
      const backlog = p.backlog(key);
      const go = p.language(key) === 'go';
      return {
        name: fn.name,
        namespace: fn.namespace,
        runtime: fn.runtime,
        state: pool.state,
        replicas: pool.replicas,
        minReplicas: fn.scale.min,
        maxReplicas: fn.scale.max,
        ...daprStatus(daprPlan(fn, p.model)),
        ...(backlog ? { backlog } : {}),
        // Async functions have no HTTP route (as on a cluster): no URL. The Go framework matches
        // paths exactly and the gateway does not rewrite them (as OpenFunction's does not): a Go
        // function answers on its host-based URL, which is the cluster's default route.
        url: fn.runtime === 'async' ? '' : go ? urls.host : urls.path,
        hostUrl: fn.runtime === 'async' ? '' : go ? urls.path : urls.host,
        image: p.image(key),
      };
    }),
  };
}

function daprStatus(plan: ReturnType<typeof daprPlan>): Pick<FunctionStatus, 'daprAppId' | 'daprComponents'> {
  if (!plan) return {};
  const components = plan.components.map((c) => ({ name: String((c.metadata as { name?: unknown }).name), type: String((c.spec as { type?: unknown }).type) }));
  return { daprAppId: plan.appId, daprComponents: components };
}
