/**
 * Turns a Component's `spec.metadata` list into the flat record components get: plain
 * values as text, `secretKeyRef` through the component's secret store (or, without
 * `auth.secretStore`, the Kubernetes Secrets among the resources, as on a cluster),
 * `envRef` from the sidecar's environment, then the `{uuid}`, `{podName}`, `{namespace}`
 * and `{appID}` templates. A reference that cannot be resolved fails the component with
 * a message naming the file and field (daprd only warns).
 */
import { randomUUID } from 'node:crypto';

import type { Metadata, SecretStore } from '../../dapr-components/component.js';
import type { MetadataItem } from './component-resource.js';
import type { ComponentSpec } from './load-resources.js';

export interface ResolveContext {
  appId: string;
  namespace?: string;
  podName?: string;
  env: Record<string, string | undefined>;
  /** Secret store components that are ready, by name. */
  secretStore(name: string): SecretStore | undefined;
  /** Kubernetes Secrets from the resources. */
  kubernetesSecrets: Map<string, Record<string, string>>;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function envAllowed(name: string, env: Record<string, string | undefined>): string | undefined {
  if (name.startsWith('DAPR_') || name === 'APP_API_TOKEN' || name.includes(' ')) return `envRef ${name} is not allowed`;
  const allow = env.DAPR_ENV_KEYS;
  if (allow && !allow.split(/[\s,]+/).includes(name)) return `envRef ${name} is not listed in DAPR_ENV_KEYS`;
  return undefined;
}

async function resolveItem(item: MetadataItem, index: number, spec: ComponentSpec, ctx: ResolveContext): Promise<string> {
  const value = text(item.value);
  const field = `spec.metadata[${index}] (${item.name})`;
  if (value !== '') return value;
  if (item.secretKeyRef) {
    const { name, key = name } = item.secretKeyRef;
    let secret: Record<string, string> | undefined;
    if (spec.secretStore) {
      const store = ctx.secretStore(spec.secretStore);
      if (!store) throw new Error(`${field} in ${spec.file}: secret store ${spec.secretStore} (auth.secretStore) is not loaded`);
      try {
        secret = await store.get(name, {});
      } catch (err) {
        throw new Error(`${field} in ${spec.file}: secret ${name} not found in secret store ${spec.secretStore}: ${(err as Error).message}`);
      }
    } else {
      secret = ctx.kubernetesSecrets.get(name);
      if (!secret) {
        throw new Error(
          `${field} in ${spec.file}: secretKeyRef ${name} has no secret store (auth.secretStore) and no Secret named ${name} is among the resources`,
        );
      }
    }
    const found = secret[key];
    if (found === undefined) throw new Error(`${field} in ${spec.file}: secret ${name} has no key ${key}`);
    return found;
  }
  if (item.envRef) {
    const refused = envAllowed(item.envRef, ctx.env);
    if (refused) throw new Error(`${field} in ${spec.file}: ${refused}`);
    return ctx.env[item.envRef] ?? '';
  }
  return '';
}

function applyTemplates(name: string, value: string, ctx: ResolveContext): string {
  let out = value;
  while (out.includes('{uuid}')) out = out.replace('{uuid}', randomUUID());
  if (out.includes('{podName}')) {
    if (!ctx.podName) throw new Error(`property ${name} refers to {podName} but podName is not set (POD_NAME)`);
    out = out.replaceAll('{podName}', ctx.podName);
  }
  out = out.replaceAll('{namespace}', `${ctx.namespace ?? ''}.${ctx.appId}`);
  return out.replaceAll('{appID}', ctx.appId);
}

export async function resolveMetadata(spec: ComponentSpec, ctx: ResolveContext): Promise<Metadata> {
  const out: Metadata = {};
  for (const [i, item] of spec.items.entries()) {
    out[item.name] = applyTemplates(item.name, await resolveItem(item, i, spec, ctx), ctx);
  }
  return out;
}
