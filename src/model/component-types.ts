import type { ServingV1beta2 } from './function-schema.js';

/** Finds the `spec.type` of a standalone Dapr Component (dapr.io/v1alpha1) by name. */
export type ExistingComponentType = (name: string) => string | undefined;

/**
 * The controller's component type lookup: the type written on the reference, else the type of
 * the Function's own `bindings`/`pubsub`/`states` entry of that name, else the type of an
 * existing Dapr Component of that name in the namespace (on a cluster, read from the API server;
 * here, from the Component manifests loaded alongside).
 */
export function componentType(
  serving: ServingV1beta2,
  name: string,
  explicitType: string | undefined,
  existing: ExistingComponentType,
): string | undefined {
  if (explicitType) return explicitType;
  const own =
    serving.bindings?.[name]?.type || serving.pubsub?.[name]?.type || serving.states?.[name]?.spec?.type;
  return own || existing(name);
}

/** A state store's type: its own `spec.type`, else an existing Component of that name. */
export function stateType(
  serving: ServingV1beta2,
  name: string,
  existing: ExistingComponentType,
): string | undefined {
  const spec = serving.states?.[name]?.spec;
  return spec ? spec.type : existing(name);
}

/**
 * The Dapr component name the function should use. On a cluster, components defined in the
 * Function are created as `<serving>-<bindings|pubsub|state>-<key>-<random>` and FUNC_CONTEXT
 * carries that generated name. Locally the sidecar loads each component under its plain key,
 * so the plain key is the real name.
 */
export function realComponentName(name: string): string {
  return name;
}
