/** The kinds of manifest ofn-local reads. */

export const FUNCTION_V1BETA2 = 'core.openfunction.io/v1beta2';
export const FUNCTION_V1BETA1 = 'core.openfunction.io/v1beta1';
export const FUNCTION_V1ALPHA2 = 'core.openfunction.io/v1alpha2';
export const DAPR_COMPONENT = { apiVersion: 'dapr.io/v1alpha1', kind: 'Component' } as const;

interface OtherKind {
  apiVersion: string;
  kind: string;
  /** Cluster-scoped kinds have no namespace (it is reported as ''). */
  clusterScoped?: boolean;
}

/** Kept as they are in `project.others` for the modules that run them. */
export const OTHER_KINDS: readonly OtherKind[] = [
  { apiVersion: 'events.openfunction.io/v1alpha1', kind: 'EventSource' },
  { apiVersion: 'events.openfunction.io/v1alpha1', kind: 'EventBus' },
  { apiVersion: 'events.openfunction.io/v1alpha1', kind: 'ClusterEventBus', clusterScoped: true },
  { apiVersion: 'events.openfunction.io/v1alpha1', kind: 'Trigger' },
  DAPR_COMPONENT,
  // What `dapr.io/config` names: its access control applies to calls into the function.
  { apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration' },
  { apiVersion: 'networking.openfunction.io/v1alpha1', kind: 'Gateway' },
  // Read for what refers to them (Dapr's api-token-secret annotations); never exported.
  { apiVersion: 'v1', kind: 'Secret' },
  // A Deployment's Service: its name reaches the Deployment's pods (model/deployment.ts).
  { apiVersion: 'v1', kind: 'Service' },
];

export function findOtherKind(apiVersion: string, kind: string): OtherKind | undefined {
  return OTHER_KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}

export const SUPPORTED_KINDS_TEXT =
  `${FUNCTION_V1BETA2} Function (and ${FUNCTION_V1BETA1}, converted), ` +
  'events.openfunction.io/v1alpha1 EventSource, EventBus, ClusterEventBus and Trigger, ' +
  'dapr.io/v1alpha1 Component and Configuration, networking.openfunction.io/v1alpha1 Gateway, v1 Secret, apps/v1 Deployment and v1 Service';
