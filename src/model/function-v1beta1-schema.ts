/**
 * Zod schema of a `core.openfunction.io/v1beta1` Function (the CRD's structural schema, written
 * by hand). Checked before conversion so diagnostics name the fields as written in the file.
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
  duration,
  int32,
  list,
  localObjectReference,
  obj,
  oneOf,
  port,
  str,
  stringMap,
} from './schema-primitives.js';

const daprIoSchema = obj({
  name: str(),
  component: str(),
  topic: str().optional(),
  params: stringMap().optional(),
  operation: str().optional(),
});

const componentMap = () =>
  z.record(z.string(), daprComponentSpecSchema, {
    error: 'expected a mapping of component names to Dapr component specs',
  });

const buildV1beta1Schema = obj({
  builder: str().optional(),
  builderCredentials: localObjectReference().optional(),
  env: stringMap().optional(),
  params: stringMap().optional(),
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
    timeout: duration().optional(),
  }).optional(),
  timeout: duration().optional(),
  successfulBuildsHistoryLimit: int32().optional(),
  failedBuildsHistoryLimit: int32().optional(),
  builderMaxAge: duration().optional(),
});

const servingV1beta1Schema = obj({
  runtime: oneOf(['knative', 'async']),
  annotations: stringMap().optional(),
  labels: stringMap().optional(),
  params: stringMap().optional(),
  bindings: componentMap().optional(),
  pubsub: componentMap().optional(),
  states: componentMap().optional(),
  inputs: list(daprIoSchema).optional(),
  outputs: list(daprIoSchema).optional(),
  scaleOptions: obj({
    maxReplicas: int32().optional(),
    minReplicas: int32().optional(),
    knative: stringMap().optional(),
    keda: obj({
      scaledObject: obj({
        pollingInterval: int32().optional(),
        cooldownPeriod: int32().optional(),
        minReplicaCount: int32().optional(),
        maxReplicaCount: int32().optional(),
        advanced: kedaAdvancedSchema.optional(),
        workloadType: str().optional(),
      }).optional(),
      scaledJob: obj({
        restartPolicy: str().optional(),
        pollingInterval: int32().optional(),
        successfulJobsHistoryLimit: int32().optional(),
        failedJobsHistoryLimit: int32().optional(),
        maxReplicaCount: int32().optional(),
        scalingStrategy: kedaScalingStrategySchema.optional(),
      }).optional(),
    }).optional(),
  }).optional(),
  triggers: list(obj({ ...kedaScaleTriggerFields, targetKind: oneOf(['object', 'job']).optional() })).optional(),
  template: podSpecSchema.optional(),
  timeout: duration().optional(),
});

export const functionV1beta1Schema = obj({
  apiVersion: z.literal('core.openfunction.io/v1beta1'),
  kind: z.literal('Function'),
  metadata: objectMetaSchema,
  spec: obj({
    version: str().optional(),
    image: str(),
    imageCredentials: localObjectReference().optional(),
    port: port().optional(),
    route: routeSchema.optional(),
    build: buildV1beta1Schema.optional(),
    serving: servingV1beta1Schema.optional(),
    workloadRuntime: str().optional(),
  }),
  status: z.unknown().optional(),
});

export type FunctionV1beta1 = z.output<typeof functionV1beta1Schema>;
