import type { JsonObject, LoadedDeployment, LoadedFunction, Project } from './types.js';

/** What a function's Dapr sidecar needs, decided as OpenFunction 1.2's controller decides it. Pure. */
export interface DaprPlan {
  /** `<fn>-<ns>`, OpenFunction's app-id. */
  appId: string;
  /** Where the app listens; 0 when it has no app channel (a Deployment without `dapr.io/app-port`). */
  appPort: number;
  /**
   * How the sidecar talks to the app: the Node framework's Dapr server speaks HTTP whatever the
   * annotation says; an async Go function serves what `dapr.io/app-protocol` says, gRPC by default
   * as OpenFunction sets it; a sync Go function serves HTTP.
   */
  appProtocol: 'http' | 'grpc';
  /** Component documents for the sidecar's resources folder, each with `scopes: [appId]`. */
  components: JsonObject[];
  /** Things a user should know (e.g. an app-protocol annotation that was overridden). */
  notes: string[];
  /**
   * Dapr's API tokens, as the sidecar injector sets them from `dapr.io/api-token-secret` and
   * `dapr.io/app-token-secret` (key `token` of a Secret among the project's manifests): `api`
   * becomes DAPR_API_TOKEN of the sidecar and the function, `app` APP_API_TOKEN of both.
   */
  tokens: { api?: string; app?: string };
}

const ENABLE_DAPR = 'openfunction.io/enable-dapr';

/**
 * Undefined when the function runs without Dapr. OpenFunction enables Dapr when the function has
 * dapr triggers, `triggers.inputs`, outputs or states; the annotation `openfunction.io/enable-dapr`
 * forces it on (`"true"`) or off (`"false"`).
 */
export function daprPlan(fn: LoadedFunction, project: Pick<Project, 'others'>, language: 'node' | 'go' | 'python' = 'node'): DaprPlan | undefined {
  const serving = (fn.resource.spec as JsonObject | undefined)?.serving as JsonObject | undefined;
  const triggers = (serving?.triggers ?? {}) as JsonObject;
  const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && Object.keys(v as object).length > 0);
  const wanted = nonEmpty(triggers.dapr) || nonEmpty(triggers.inputs) || nonEmpty(serving?.outputs) || nonEmpty(serving?.states);
  const switchValue = fn.annotations[ENABLE_DAPR];
  const enabled = switchValue === 'false' ? false : switchValue === 'true' ? true : wanted;
  if (!enabled) return undefined;

  const appId = `${fn.name}-${fn.namespace}`;
  const notes: string[] = [];
  const protocol = fn.annotations['dapr.io/app-protocol'];
  let appProtocol: 'http' | 'grpc' = 'http';
  if (language === 'go' || language === 'python') {
    // A sync (Knative) Go or Python function serves HTTP and is only a client of Dapr: the sidecar's
    // channel to it is HTTP. An async one serves Dapr's AppCallback over gRPC unless told http
    // (OpenFunction's Python framework serves gRPC only).
    const name = language === 'go' ? 'Go' : 'Python';
    appProtocol = fn.runtime === 'knative' || (protocol === 'http' && language === 'go') ? 'http' : 'grpc';
    if (protocol && protocol !== 'grpc' && appProtocol === 'grpc') notes.push(`dapr.io/app-protocol "${protocol}" is served as grpc: the ${name} framework serves Dapr's AppCallback over gRPC`);
  } else if (protocol && protocol !== 'http') notes.push(`dapr.io/app-protocol "${protocol}" is served as http: the Node framework's Dapr app speaks HTTP`);

  const components: JsonObject[] = [];
  const own = new Set<string>();
  const add = (name: string, spec: unknown) => {
    own.add(name);
    components.push({ apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name, namespace: fn.namespace }, spec, scopes: [appId] });
  };
  for (const block of ['bindings', 'pubsub'] as const) {
    for (const [name, spec] of Object.entries((serving?.[block] ?? {}) as JsonObject)) add(name, spec);
  }
  for (const [name, state] of Object.entries((serving?.states ?? {}) as JsonObject)) {
    const spec = (state as JsonObject | null)?.spec;
    if (spec) add(name, spec);
  }
  components.push(...standaloneComponents(fn.namespace, appId, project, own));
  const tokens = daprTokens(fn, project, notes);
  return { appId, appPort: fn.runtime === 'async' ? 8080 : fn.port, appProtocol, components, notes, tokens };
}

/**
 * A Deployment's sidecar, as Dapr's injector reads its pod template's annotations: on with
 * `dapr.io/enabled: "true"`; app id `dapr.io/app-id` (the Deployment's name by default); the app's
 * port and protocol from `dapr.io/app-port` (no app channel without it) and `dapr.io/app-protocol`
 * (http by default); the namespace's Components scoped to it or to nobody.
 */
export function deploymentDaprPlan(d: LoadedDeployment, project: Pick<Project, 'others'>): DaprPlan | undefined {
  if (d.annotations['dapr.io/enabled'] !== 'true') return undefined;
  const appId = d.annotations['dapr.io/app-id'] || d.name;
  const notes: string[] = [];
  const protocol = d.annotations['dapr.io/app-protocol'] ?? 'http';
  const appProtocol = protocol === 'grpc' ? 'grpc' : 'http';
  if (protocol !== appProtocol) notes.push(`dapr.io/app-protocol "${protocol}" is served as http: ofn-local's sidecar speaks http and grpc to apps`);
  const port = Number(d.annotations['dapr.io/app-port'] ?? 0);
  return { appId, appPort: Number.isInteger(port) && port > 0 ? port : 0, appProtocol, components: standaloneComponents(d.namespace, appId, project, new Set()), notes, tokens: daprTokens(d, project, notes) };
}

/** Standalone Components of the project: in the app's namespace, and scoped to it (or unscoped), except those named in `own`. */
function standaloneComponents(namespace: string, appId: string, project: Pick<Project, 'others'>, own: ReadonlySet<string>): JsonObject[] {
  const components: JsonObject[] = [];
  for (const other of project.others) {
    if (other.kind !== 'Component' || other.namespace !== namespace || own.has(other.name)) continue;
    const scopes = other.resource.scopes;
    if (Array.isArray(scopes) && scopes.length > 0 && !scopes.includes(appId)) continue;
    components.push(other.resource);
  }
  return components;
}

/** What reads Dapr's annotations: a Function's serving annotations, or a Deployment's pod template's. */
type AnnotatedApp = Pick<LoadedFunction, 'namespace' | 'annotations'>;

function daprTokens(owner: AnnotatedApp, project: Pick<Project, 'others'>, notes: string[]): DaprPlan['tokens'] {
  return {
    api: tokenFromSecret(owner, project, 'dapr.io/api-token-secret', notes),
    app: tokenFromSecret(owner, project, 'dapr.io/app-token-secret', notes),
  };
}

/** The `token` key of the Secret an annotation names (in the app's namespace), or a note why not. */
function tokenFromSecret(fn: AnnotatedApp, project: Pick<Project, 'others'>, annotation: string, notes: string[]): string | undefined {
  const name = fn.annotations[annotation];
  if (!name) return undefined;
  const secret = project.others.find((o) => o.kind === 'Secret' && o.name === name && o.namespace === fn.namespace)?.resource;
  if (!secret) {
    notes.push(`${annotation} names Secret ${name}, which is not among the project's manifests (namespace ${fn.namespace}): add it (key "token"), or the token stays off`);
    return undefined;
  }
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  const data = secret.data as Record<string, unknown> | undefined;
  if (typeof stringData?.token === 'string' && stringData.token) return stringData.token;
  if (typeof data?.token === 'string' && data.token) return Buffer.from(data.token, 'base64').toString('utf8');
  notes.push(`Secret ${name} (${annotation}) has no key "token": the token stays off`);
  return undefined;
}
