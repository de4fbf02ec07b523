/** Schema pieces shared by the v1beta1 and v1beta2 Function: ObjectMeta, Dapr, Gateway API, KEDA. */
import { z } from 'zod';
import { anyObject, bool, int32, list, obj, oneOf, str, stringMap } from './schema-primitives.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** ObjectMeta: the fields we use, plus the ones a cluster adds (accepted, ignored). */
export const objectMetaSchema = obj({
  name: str()
    .max(253, { error: 'expected a name of at most 253 characters' })
    .regex(DNS_SUBDOMAIN, {
      error: 'expected a lowercase DNS name (letters, digits, "-" and ".", starting and ending with a letter or digit)',
    })
    .optional(),
  namespace: str()
    .max(63, { error: 'expected a namespace of at most 63 characters' })
    .regex(DNS_LABEL, { error: 'expected a lowercase DNS label (letters, digits and "-")' })
    .optional(),
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  generateName: z.unknown().optional(),
  uid: z.unknown().optional(),
  resourceVersion: z.unknown().optional(),
  generation: z.unknown().optional(),
  creationTimestamp: z.unknown().optional(),
  deletionTimestamp: z.unknown().optional(),
  deletionGracePeriodSeconds: z.unknown().optional(),
  ownerReferences: z.unknown().optional(),
  finalizers: z.unknown().optional(),
  managedFields: z.unknown().optional(),
  selfLink: z.unknown().optional(),
});

/** Dapr components/v1alpha1 ComponentSpec (what `bindings`/`pubsub`/`states` hold). */
export const daprComponentSpecSchema = obj({
  type: str(),
  version: str(),
  metadata: list(
    obj({
      name: str(),
      value: z.unknown().optional(),
      secretKeyRef: obj({ name: str(), key: str() }).optional(),
    }),
  ),
  ignoreErrors: bool().optional(),
  initTimeout: str().optional(),
});

// Gateway API v1alpha2 HTTPRoute pieces (gateway-api v0.4), as used by `route`.
const httpHeaderSchema = obj({ name: str(), value: str() });
const headerMatchType = () => oneOf(['Exact', 'RegularExpression']);
const backendObjectReference = {
  group: str().optional(),
  kind: str().optional(),
  name: str(),
  namespace: str().optional(),
  port: int32().optional(),
};
const httpRouteFilterSchema = obj({
  type: oneOf(['RequestHeaderModifier', 'RequestMirror', 'RequestRedirect', 'ExtensionRef']),
  requestHeaderModifier: obj({
    set: list(httpHeaderSchema, 16).optional(),
    add: list(httpHeaderSchema, 16).optional(),
    remove: list(str(), 16).optional(),
  }).optional(),
  requestMirror: obj({ backendRef: obj(backendObjectReference) }).optional(),
  requestRedirect: obj({
    scheme: oneOf(['http', 'https']).optional(),
    hostname: str().optional(),
    port: int32().optional(),
    statusCode: z.union([z.literal(301), z.literal(302)], { error: 'expected 301 or 302' }).optional(),
  }).optional(),
  extensionRef: obj({ group: str(), kind: str(), name: str() }).optional(),
});

export const routeSchema = obj({
  gatewayRef: obj({ name: str(), namespace: str() }).optional(),
  hostnames: list(
    str().regex(HOSTNAME, { error: 'expected a lowercase hostname such as "sample.ofn.io"' }),
    16,
  ).optional(),
  rules: list(
    obj({
      matches: list(
        obj({
          path: obj({
            type: oneOf(['Exact', 'PathPrefix', 'RegularExpression']).optional(),
            value: str().optional(),
          }).optional(),
          headers: list(obj({ type: headerMatchType().optional(), name: str(), value: str() }), 16).optional(),
          queryParams: list(obj({ type: headerMatchType().optional(), name: str(), value: str() }), 16).optional(),
          method: oneOf(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']).optional(),
        }),
        8,
      ).optional(),
      filters: list(httpRouteFilterSchema, 16).optional(),
      backendRefs: list(
        obj({ ...backendObjectReference, weight: int32().optional(), filters: list(httpRouteFilterSchema, 16).optional() }),
        16,
      ).optional(),
    }),
    16,
  ).optional(),
});

// KEDA pieces.
const hpaScalingRulesSchema = obj({
  stabilizationWindowSeconds: int32().optional(),
  selectPolicy: str().optional(),
  policies: list(obj({ type: str(), value: int32(), periodSeconds: int32() })).optional(),
});

export const kedaAdvancedSchema = obj({
  horizontalPodAutoscalerConfig: obj({
    name: str().optional(),
    behavior: obj({
      scaleUp: hpaScalingRulesSchema.optional(),
      scaleDown: hpaScalingRulesSchema.optional(),
    }).optional(),
  }).optional(),
  restoreToOriginalReplicaCount: bool().optional(),
});

export const kedaScalingStrategySchema = obj({
  strategy: str().optional(),
  customScalingQueueLengthDeduction: int32().optional(),
  customScalingRunningJobPercentage: str().optional(),
  pendingPodConditions: list(str()).optional(),
  multipleScalersCalculation: str().optional(),
});

export const kedaScaleTriggerFields = {
  type: str(),
  name: str().optional(),
  metadata: stringMap(),
  authenticationRef: obj({ name: str(), kind: str().optional() }).optional(),
  metricType: str().optional(),
  useCachedMetrics: bool().optional(),
};

/** core/v1 PodSpec: not checked beyond what the CRD requires (`containers`). */
export const podSpecSchema = z.looseObject(
  { containers: list(anyObject()) },
  { error: 'expected a mapping (a PodSpec)' },
);
