/**
 * Kubernetes `apps/v1` Deployments beside the Functions: what OpenFunction's samples deploy next to
 * a function (the pubsub sample's producer is one, with Dapr annotations). ofn-local runs the pod
 * template's image from the local Docker engine, with a Dapr sidecar when the template asks for one,
 * `spec.replicas` times; the rest of a Deployment (strategy, probes, volumes) is a cluster's business
 * and is reported when it would change what runs. Pure: reads nothing but the document.
 */
import { z } from 'zod';
import type { DocumentReporter } from './diagnostics.js';
import type { JsonObject, LoadedDeployment, Origin } from './types.js';
import { checkAgainstSchema } from './schema-issues.js';

export const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

const envVar = z.looseObject({ name: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]).optional(), valueFrom: z.unknown().optional() });
const container = z.looseObject({
  name: z.string().min(1),
  image: z.string().min(1, 'expected the image to run'),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(z.unknown()).optional(),
  ports: z.array(z.looseObject({ containerPort: z.int().min(1).max(65535) })).optional(),
});
const stringMap = z.record(z.string(), z.string());
const deploymentSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string().min(1) }),
  spec: z.looseObject({
    replicas: z.int().min(0).optional(),
    template: z.looseObject({
      metadata: z.looseObject({ labels: stringMap.optional(), annotations: stringMap.optional() }).optional(),
      spec: z.looseObject({
        containers: z.array(container).min(1, 'expected at least one container'),
        initContainers: z.array(z.unknown()).optional(),
        volumes: z.array(z.unknown()).optional(),
      }),
    }),
  }),
});

/** Reads one Deployment document; undefined (with errors reported) when it cannot run. */
export function readDeployment(value: JsonObject, namespace: string, origin: Origin, reporter: DocumentReporter): LoadedDeployment | undefined {
  const parsed = checkAgainstSchema(deploymentSchema, value, reporter, { schemaName: 'apps/v1 Deployment' });
  if (!parsed) return undefined;
  const pod = parsed.spec.template.spec;
  const [app, ...more] = pod.containers;
  const at = ['spec', 'template', 'spec'];
  if (more.length > 0) {
    reporter.warning([...at, 'containers'], `only the first container (${app!.name}) runs; ${more.map((c) => c.name).join(', ')} ${more.length === 1 ? 'is' : 'are'} left out`);
  }
  if (pod.initContainers?.length) reporter.warning([...at, 'initContainers'], 'init containers do not run locally; left out');
  if (pod.volumes?.length) reporter.warning([...at, 'volumes'], 'volumes are not mounted locally; left out');
  const env: Record<string, string> = {};
  for (const [i, entry] of (app!.env ?? []).entries()) {
    if (entry.value !== undefined) env[entry.name] = String(entry.value);
    else if (entry.valueFrom !== undefined) reporter.warning([...at, 'containers', 0, 'env', i, 'valueFrom'], `${entry.name}: valueFrom is not resolved locally; give it a value (left out)`);
    else env[entry.name] = '';
  }
  const appPort = parsed.spec.template.metadata?.annotations?.['dapr.io/app-port'];
  if (appPort !== undefined && !(/^\d+$/.test(appPort) && Number(appPort) >= 1 && Number(appPort) <= 65535)) {
    reporter.error(['spec', 'template', 'metadata', 'annotations', 'dapr.io/app-port'], `expected the app's port, an integer from 1 to 65535, got ${JSON.stringify(appPort)}`);
    return undefined;
  }
  if (app!.envFrom?.length) reporter.warning([...at, 'containers', 0, 'envFrom'], 'envFrom is not resolved locally; list the variables under env (left out)');
  return {
    name: parsed.metadata.name,
    namespace,
    replicas: parsed.spec.replicas ?? 1,
    labels: parsed.spec.template.metadata?.labels ?? {},
    annotations: parsed.spec.template.metadata?.annotations ?? {},
    container: {
      name: app!.name,
      image: app!.image,
      ...(app!.command ? { command: app!.command } : {}),
      ...(app!.args ? { args: app!.args } : {}),
      ...(app!.workingDir ? { workingDir: app!.workingDir } : {}),
      env,
      ports: (app!.ports ?? []).map((p) => p.containerPort),
    },
    services: [],
    origin,
    resource: value,
  };
}

/**
 * The project's v1 Services, each given to the Deployments of its namespace whose pod template's
 * labels match its selector (its name then reaches their pods, as cluster DNS does). What a Service
 * means locally otherwise is a warning: one that selects no Deployment (functions are reached by
 * their own names), and a port that differs from its targetPort (the pods are reached on the
 * targetPort by the Service's name here).
 */
export function attachServices(deployments: LoadedDeployment[], services: { name: string; namespace: string; resource: JsonObject; warn: (path: (string | number)[], message: string) => void }[]): void {
  for (const svc of services) {
    const spec = (svc.resource['spec'] ?? {}) as { selector?: Record<string, unknown>; ports?: { port?: unknown; targetPort?: unknown }[] };
    const selector = Object.entries(spec.selector ?? {});
    const picked = selector.length === 0 ? [] : deployments.filter((d) => d.namespace === svc.namespace && selector.every(([k, v]) => d.labels[k] === v));
    if (picked.length === 0) {
      svc.warn(['spec', 'selector'], `selects no Deployment of these manifests: not reachable locally by its name (a Function is reached by its own name)`);
      continue;
    }
    for (const d of picked) d.services.push(svc.name);
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (p.targetPort !== undefined && String(p.targetPort) !== String(p.port)) {
        svc.warn(['spec', 'ports', i, 'port'], `port ${String(p.port)} leads to targetPort ${String(p.targetPort)} in a cluster; locally ${svc.name} reaches the pods on ${String(p.targetPort)} itself`);
      }
    }
  }
}

/** `<namespace>/<name>`, the key status, logs and the journal use (as for functions). */
export function deploymentKey(d: Pick<LoadedDeployment, 'namespace' | 'name'>): string {
  return `${d.namespace}/${d.name}`;
}
