/**
 * Zod schema of a `core.openfunction.io/v1beta2` Function (the CRD's structural schema, written
 * by hand). Unknown keys are reported (as warnings) and dropped, as the API server prunes them.
 */
import { z } from 'zod';
import {
  daprComponentSpecSchema,
  kedaAdvancedSchema,
  kedaScaleTriggerFields,
  kedaScalingStrategySchema,
  objectMetaSchema,
  podSpecSchema,
  routeSchema,
} from './shared-schemas.js';
import {
  bool,
  duration,
  int32,
  list,
  localObjectReference,
  obj,
  port,
  str,
  stringMap,
} from './schema-primitives.js';

const daprComponentRefFields = {
  name: str(),
  type: str().optional(),
  topic: str().optional(),
};

const componentMap = () =>
  z.record(z.string(), daprComponentSpecSchema, {
    error: 'expected a mapping of component names to Dapr component specs',
  });

const shipwrightValueRef = obj({ name: str(), key: str(), format: str().optional() });

export const buildSchema = obj({
  builder: str().optional(),
  builderCredentials: localObjectReference().optional(),
  env: stringMap().optional(),
  srcRepo: obj({
    url: str().optional(),
    bundleContainer: obj({ image: str() }).optional(),
    revision: str().optional(),
    sourceSubPath: str().optional(),
    credentials: localObjectReference().optional(),
  }),
  dockerfile: str().optional(),
  shipwright: obj({
    strategy: obj({ name: str(), kind: str().optional() }).optional(),
    params: list(
      obj({
        name: str(),
        value: str().optional(),
        configMapValue: shipwrightValueRef.optional(),
        secretValue: shipwrightValueRef.optional(),
        values: list(
          obj({
            value: str().optional(),
            configMapValue: shipwrightValueRef.optional(),
            secretValue: shipwrightValueRef.optional(),
          }),
        ).optional(),
      }),
    ).optional(),
    timeout: duration().optional(),
  }).optional(),
  timeout: duration().optional(),
  successfulBuildsHistoryLimit: int32().optional(),
  failedBuildsHistoryLimit: int32().optional(),
  builderMaxAge: duration().optional(),
});

export const tracingSchema = obj({
  enabled: bool(),
  provider: obj({
    name: str(),
    oapServer: str().optional(),
    exporter: obj({
      name: str(),
      endpoint: str(),
      headers: str().optional(),
      compression: str().optional(),
      timeout: str().optional(),
      protocol: str().optional(),
    }).optional(),
  }),
  tags: stringMap().optional(),
  baggage: stringMap().optional(),
});

export const servingSchema = obj({
  triggers: obj({
    http: obj({
      port: port().optional(),
      route: routeSchema.optional(),
      engine: str().optional(),
    }).optional(),
    dapr: list(obj({ ...daprComponentRefFields, inputName: str().optional() })).optional(),
    inputs: list(obj({ dapr: obj(daprComponentRefFields).optional() })).optional(),
  }).optional(),
  scaleOptions: obj({
    maxReplicas: int32().optional(),
    minReplicas: int32().optional(),
    keda: obj({
      httpScaledObject: obj({
        targetPendingRequests: int32().optional(),
        cooldownPeriod: int32().optional(),
      }).optional(),
      scaledObject: obj({
        pollingInterval: int32().optional(),
        cooldownPeriod: int32().optional(),
        advanced: kedaAdvancedSchema.optional(),
        fallback: obj({ failureThreshold: int32(), replicas: int32() }).optional(),
      }).optional(),
      scaledJob: obj({
        restartPolicy: str().optional(),
        pollingInterval: int32().optional(),
        successfulJobsHistoryLimit: int32().optional(),
        failedJobsHistoryLimit: int32().optional(),
        scalingStrategy: kedaScalingStrategySchema.optional(),
      }).optional(),
      triggers: list(obj(kedaScaleTriggerFields)).optional(),
    }).optional(),
    knative: stringMap().optional(),
  }).optional(),
  outputs: list(
    obj({
      dapr: obj({
        ...daprComponentRefFields,
        metadata: stringMap().optional(),
        operation: str().optional(),
        outputName: str().optional(),
      }).optional(),
    }),
  ).optional(),
  bindings: componentMap().optional(),
  pubsub: componentMap().optional(),
  states: z
    .record(z.string(), obj({ spec: daprComponentSpecSchema.optional() }), {
      error: 'expected a mapping of state store names to {spec}',
    })
    .optional(),
  params: stringMap().optional(),
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  template: podSpecSchema.optional(),
  timeout: duration().optional(),
  hooks: obj({
    pre: list(str()).optional(),
    post: list(str()).optional(),
    policy: str().optional(),
  }).optional(),
  tracing: tracingSchema.optional(),
  workloadType: str().optional(),
});

export const functionSpecSchema = obj({
  workloadRuntime: str().optional(),
  version: str().optional(),
  image: str(),
  imageCredentials: localObjectReference().optional(),
  build: buildSchema.optional(),
  serving: servingSchema.optional(),
});

export const functionV1beta2Schema = obj({
  apiVersion: z.literal('core.openfunction.io/v1beta2'),
  kind: z.literal('Function'),
  metadata: objectMetaSchema,
  spec: functionSpecSchema,
  status: z.unknown().optional(),
});

export type FunctionV1beta2 = z.output<typeof functionV1beta2Schema>;
export type FunctionSpecV1beta2 = FunctionV1beta2['spec'];
export type ServingV1beta2 = NonNullable<FunctionSpecV1beta2['serving']>;
export type BuildV1beta2 = NonNullable<FunctionSpecV1beta2['build']>;
export type TracingConfig = z.output<typeof tracingSchema>;
export type Route = z.output<typeof routeSchema>;
export type DaprComponentSpec = z.output<typeof daprComponentSpecSchema>;
