/**
 * Dapr's service invocation access control, from the `Configuration` a function's
 * `dapr.io/config` annotation names (`spec.accessControl`), read and checked as daprd reads it
 * (dapr/dapr pkg/acl): no spec, or an empty one, is no list at all (every caller allowed); a spec
 * without `defaultAction` denies by default when it has policies; a policy without `appId`,
 * `trustDomain` or `namespace` is an error daprd refuses to start with. Pure: no I/O.
 */
import { z } from 'zod';
import { OfnError } from '../errors.js';
import type { AccessControlList, AccessControlPolicy } from '../shared/access-control.js';
import type { DaprApp, Project } from './types.js';

export const DAPR_CONFIG_ANNOTATION = 'dapr.io/config';
/** The trust domain of an app whose configuration names none (Dapr's default). */
export const DEFAULT_TRUST_DOMAIN = 'public';

const action = z.string().transform((v) => v.toLowerCase());
const specSchema = z.object({
  defaultAction: action.optional(),
  trustDomain: z.string().optional(),
  policies: z
    .array(
      z.object({
        appId: z.string().optional(),
        defaultAction: action.optional(),
        trustDomain: z.string().optional(),
        namespace: z.string().optional(),
        operations: z.array(z.object({ name: z.string(), httpVerb: z.array(z.string()).optional(), action })).optional(),
      }),
    )
    .nullish(),
});

function asAction(value: string, where: string): 'allow' | 'deny' {
  if (value === 'allow' || value === 'deny') return value;
  throw new Error(`${where} is "${value}": use allow or deny`);
}

/**
 * The dapr.io `Configuration` the function's `dapr.io/config` annotation names, as the cluster's
 * sidecar injector finds it (same namespace); undefined without the annotation. Throws an OfnError
 * naming the file and annotation when no such Configuration is in the manifests.
 */
export function daprConfigurationFor(fn: DaprApp, project: Pick<Project, 'others'>): Project['others'][number] | undefined {
  const name = fn.annotations[DAPR_CONFIG_ANNOTATION];
  if (!name) return undefined;
  const config = project.others.find((o) => o.kind === 'Configuration' && o.apiVersion.startsWith('dapr.io/') && o.name === name && o.namespace === fn.namespace);
  if (!config) {
    throw new OfnError(
      'ERR_DAPR_CONFIG',
      `${fn.namespace}/${fn.name}: annotation ${DAPR_CONFIG_ANNOTATION} names the Configuration "${name}", and no dapr.io Configuration of that name is in namespace ${fn.namespace}`,
      { file: fn.origin.file, path: `metadata.annotations.${DAPR_CONFIG_ANNOTATION}` },
      'add the Configuration to the manifests, or remove the annotation',
    );
  }
  return config;
}

/**
 * The access control of the function's sidecar: undefined when its `dapr.io/config` names no
 * Configuration with `spec.accessControl`. Throws an OfnError naming the file and field when the
 * Configuration is missing or its access control is one daprd would refuse.
 */
export function accessControlFor(fn: DaprApp, project: Pick<Project, 'others'>, appProtocol: 'http' | 'grpc'): AccessControlList | undefined {
  const config = daprConfigurationFor(fn, project);
  if (!config) return undefined;
  const name = config.name;
  const raw = ((config.resource.spec ?? {}) as { accessControl?: unknown }).accessControl;
  if (raw === undefined || raw === null) return undefined;
  const where = { file: config.origin.file, path: 'spec.accessControl' };
  const fail = (message: string, path = 'spec.accessControl') =>
    new OfnError('ERR_DAPR_CONFIG', `Configuration ${name} in ${config.origin.file}: ${message}; daprd does not start with it`, { ...where, path }, 'fix the Configuration');
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`${['spec', 'accessControl', ...issue.path].join('.')}: ${issue.message}`, ['spec', 'accessControl', ...issue.path].join('.'));
  }
  const spec = parsed.data;
  const policies = spec.policies;
  // No trust domain, no default and no policies: no access control at all (daprd's ParseAccessControlSpec).
  if (!spec.trustDomain && !spec.defaultAction && (policies?.length ?? 0) === 0) return undefined;
  try {
    const defaultAction = spec.defaultAction ? asAction(spec.defaultAction, 'spec.accessControl.defaultAction') : policies === null || policies === undefined || policies.length > 0 ? 'deny' : 'allow';
    const missing: string[] = [];
    const out: AccessControlPolicy[] = (policies ?? []).map((p, i) => {
      for (const field of ['appId', 'trustDomain', 'namespace'] as const) if (!p[field]) missing.push(`policies[${i}].${field}`);
      return {
        appId: p.appId ?? '',
        namespace: p.namespace ?? '',
        trustDomain: p.trustDomain ?? '',
        defaultAction: p.defaultAction ? asAction(p.defaultAction, `spec.accessControl.policies[${i}].defaultAction`) : '',
        operations: (p.operations ?? []).map((o, j) => {
          const opName = o.name.startsWith('/') ? o.name : `/${o.name}`;
          return { name: appProtocol === 'http' ? opName.toLowerCase() : opName, verbs: o.httpVerb ?? [], action: asAction(o.action, `spec.accessControl.policies[${i}].operations[${j}].action`) };
        }),
      };
    });
    if (missing.length > 0) throw fail(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`, `spec.accessControl.${missing[0]}`);
    return { defaultAction, trustDomain: spec.trustDomain || DEFAULT_TRUST_DOMAIN, policies: out };
  } catch (err) {
    if (err instanceof OfnError) throw err;
    throw fail((err as Error).message);
  }
}
