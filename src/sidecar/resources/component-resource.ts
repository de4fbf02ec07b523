/**
 * Dapr resource documents this sidecar reads, validated with zod: Component,
 * Subscription (v1alpha1 and v2alpha1), Resiliency, and Kubernetes Secrets (the store
 * behind a `secretKeyRef` without `auth.secretStore`, as on a cluster).
 */
import { z } from 'zod';

const scalar = z.string();

export const metadataItemSchema = z.object({
  name: scalar.min(1),
  value: z.unknown().optional(),
  secretKeyRef: z.object({ name: scalar, key: scalar.optional() }).optional(),
  envRef: scalar.optional(),
});
export type MetadataItem = z.infer<typeof metadataItemSchema>;

export const componentSchema = z.object({
  apiVersion: z.literal('dapr.io/v1alpha1'),
  kind: z.literal('Component'),
  metadata: z.object({ name: scalar.min(1, 'metadata.name is required'), namespace: scalar.optional() }),
  spec: z.object({
    type: scalar.min(1, 'spec.type is required'),
    version: scalar.optional(),
    ignoreErrors: scalar.optional(),
    initTimeout: scalar.optional(),
    metadata: z.union([z.array(metadataItemSchema), z.literal(''), z.null()]).optional(),
  }),
  auth: z.object({ secretStore: scalar.optional() }).optional(),
  scopes: z.union([z.array(scalar), z.literal('')]).optional(),
});
export type ComponentDocument = z.infer<typeof componentSchema>;

const routesSchema = z.object({
  rules: z.array(z.object({ match: scalar.optional(), path: scalar })).optional(),
  default: scalar.optional(),
});

const bulkSchema = z.object({
  enabled: scalar.optional(),
  maxMessagesCount: scalar.optional(),
  maxAwaitDurationMs: scalar.optional(),
});

export const subscriptionSchema = z.object({
  apiVersion: z.enum(['dapr.io/v1alpha1', 'dapr.io/v2alpha1']),
  kind: z.literal('Subscription'),
  metadata: z.object({ name: scalar.min(1), namespace: scalar.optional() }),
  spec: z.object({
    pubsubname: scalar.min(1),
    topic: scalar.min(1),
    route: scalar.optional(),
    routes: routesSchema.optional(),
    metadata: z.record(scalar, scalar).optional(),
    deadLetterTopic: scalar.optional(),
    bulkSubscribe: bulkSchema.optional(),
  }),
  scopes: z.union([z.array(scalar), z.literal('')]).optional(),
});
export type SubscriptionDocument = z.infer<typeof subscriptionSchema>;

const retrySchema = z.object({
  policy: z.enum(['constant', 'exponential']).optional(),
  duration: scalar.optional(),
  maxInterval: scalar.optional(),
  maxRetries: scalar.optional(),
});

const targetPolicies = z.object({ retry: scalar.optional(), timeout: scalar.optional(), circuitBreaker: scalar.optional() });

export const resiliencySchema = z.object({
  apiVersion: z.literal('dapr.io/v1alpha1'),
  kind: z.literal('Resiliency'),
  metadata: z.object({ name: scalar.min(1), namespace: scalar.optional() }),
  spec: z.object({
    policies: z
      .object({
        retries: z.record(scalar, retrySchema).optional(),
        timeouts: z.record(scalar, scalar).optional(),
      })
      .optional(),
    targets: z
      .object({
        components: z.record(scalar, z.object({ inbound: targetPolicies.optional(), outbound: targetPolicies.optional() })).optional(),
      })
      .optional(),
  }),
  scopes: z.union([z.array(scalar), z.literal('')]).optional(),
});
export type ResiliencyDocument = z.infer<typeof resiliencySchema>;

export const secretSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: z.object({ name: scalar.min(1), namespace: scalar.optional() }),
  data: z.record(scalar, scalar).optional(),
  stringData: z.record(scalar, scalar).optional(),
});
export type SecretDocument = z.infer<typeof secretSchema>;

/** "kind apiVersion" of a document, for dispatch. */
export function kindOf(value: unknown): { kind?: string; apiVersion?: string } {
  if (value === null || typeof value !== 'object') return {};
  const v = value as { kind?: unknown; apiVersion?: unknown };
  return { kind: typeof v.kind === 'string' ? v.kind : undefined, apiVersion: typeof v.apiVersion === 'string' ? v.apiVersion : undefined };
}

/** Scopes as a list ('' and absent = none). */
export function scopesOf(scopes: string[] | '' | undefined): string[] {
  return Array.isArray(scopes) ? scopes : [];
}

/** One line per zod issue: `spec.metadata[0].name: Required`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')}: ` : ''}${i.message}`)
    .join('; ');
}
