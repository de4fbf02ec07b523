/**
 * v1beta1 -> v1beta2 Function conversion, as the OpenFunction v1.2 conversion webhook does it
 * (apis/core/v1beta1/function_conversion.go `ConvertTo`). Fields the webhook drops are reported
 * as warnings. Where the webhook would crash (nil pointers), the evident intent is followed.
 */
import type { DocumentReporter } from './diagnostics.js';
import type { FieldPath } from './field-path.js';
import type { FunctionV1beta1 } from './function-v1beta1-schema.js';
import type { FunctionV1beta2, ServingV1beta2, TracingConfig } from './function-schema.js';
import {
  PLUGINS_ANNOTATION,
  PLUGINS_TRACING_ANNOTATION,
  parsePluginsAnnotation,
  parseTracingAnnotation,
  pluginLists,
} from './plugins-annotation.js';

type ServingV1beta1 = NonNullable<FunctionV1beta1['spec']['serving']>;
type BuildV1beta1 = NonNullable<FunctionV1beta1['spec']['build']>;
type BuildV1beta2 = NonNullable<FunctionV1beta2['spec']['build']>;

export interface Conversion {
  fn: FunctionV1beta2;
  /** Maps a field path of the converted v1beta2 object back to the v1beta1 field it came from. */
  toSourcePath: (path: FieldPath) => FieldPath;
}

/** Converts; returns undefined (after reporting) when the webhook would reject the object. */
export function convertV1beta1(src: FunctionV1beta1, reporter: DocumentReporter): Conversion | undefined {
  const errorsBefore = reporter.errors;
  const origins = new PathOrigins();
  const spec: FunctionV1beta2['spec'] = {
    workloadRuntime: src.spec.workloadRuntime,
    version: src.spec.version,
    image: src.spec.image,
    imageCredentials: src.spec.imageCredentials,
  };
  if (src.spec.build) spec.build = convertBuild(src.spec.build, reporter);
  if (src.spec.serving) spec.serving = convertServing(src, src.spec.serving, origins, reporter);
  if (!src.spec.serving && (src.spec.port !== undefined || src.spec.route)) {
    const field = src.spec.port !== undefined ? 'port' : 'route';
    reporter.warning(['spec', field], 'dropped by the conversion to v1beta2: there is no spec.serving');
  }
  if (reporter.errors > errorsBefore) return undefined;

  const fn: FunctionV1beta2 = {
    apiVersion: 'core.openfunction.io/v1beta2',
    kind: 'Function',
    metadata: src.metadata,
    spec: dropUndefined(spec),
  };
  return { fn, toSourcePath: (path) => origins.map(path) };
}

function convertBuild(src: BuildV1beta1, reporter: DocumentReporter): BuildV1beta2 {
  if (src.timeout !== undefined) {
    reporter.warning(
      ['spec', 'build', 'timeout'],
      'dropped by the conversion to v1beta2 (the OpenFunction webhook does not copy it); write the Function as v1beta2 to keep it',
    );
  }
  const params = Object.entries(src.params ?? {});
  let shipwright: BuildV1beta2['shipwright'];
  if (src.shipwright || params.length > 0) {
    shipwright = dropUndefined({
      strategy: src.shipwright?.strategy && { name: src.shipwright.strategy.name, kind: src.shipwright.strategy.kind },
      params: params.length > 0 ? params.map(([name, value]) => ({ name, value })) : undefined,
      timeout: src.shipwright?.timeout,
    });
  }
  return dropUndefined({
    builder: src.builder,
    builderCredentials: src.builderCredentials,
    env: src.env,
    srcRepo: dropUndefined({
      url: src.srcRepo.url,
      // The webhook copies srcRepo.credentials.name here, a bug; the bundle image is kept instead.
      bundleContainer: src.srcRepo.bundleContainer,
      revision: src.srcRepo.revision,
      sourceSubPath: src.srcRepo.sourceSubPath,
      credentials: src.srcRepo.credentials,
    }),
    dockerfile: src.dockerfile,
    shipwright,
    successfulBuildsHistoryLimit: src.successfulBuildsHistoryLimit,
    failedBuildsHistoryLimit: src.failedBuildsHistoryLimit,
    builderMaxAge: src.builderMaxAge,
  });
}

function convertServing(
  fn: FunctionV1beta1,
  src: ServingV1beta1,
  origins: PathOrigins,
  reporter: DocumentReporter,
): ServingV1beta2 {
  const at = (...rest: FieldPath) => ['spec', 'serving', ...rest];
  const componentTypeOf = (name: string) => (src.bindings?.[name] ?? src.pubsub?.[name])?.type;
  const triggers: NonNullable<ServingV1beta2['triggers']> = {};

  if (src.runtime === 'knative') {
    triggers.http = dropUndefined({
      port: fn.spec.port,
      route: fn.spec.route && dropUndefined({
        gatewayRef: fn.spec.route.gatewayRef,
        hostnames: fn.spec.route.hostnames,
        rules: fn.spec.route.rules,
      }),
    });
    origins.add(['spec', 'serving', 'triggers', 'http', 'port'], ['spec', 'port']);
    origins.add(['spec', 'serving', 'triggers', 'http', 'route'], ['spec', 'route']);
    if (src.inputs && src.inputs.length > 0) {
      reporter.warning(at('inputs'), 'dropped by the conversion to v1beta2: inputs only apply to runtime async');
    }
  } else {
    if (src.inputs && src.inputs.length > 0) {
      triggers.dapr = src.inputs.map((input, i) => {
        origins.add(at('triggers', 'dapr', i, 'name'), at('inputs', i, 'component'));
        origins.add(at('triggers', 'dapr', i, 'inputName'), at('inputs', i, 'name'));
        origins.add(at('triggers', 'dapr', i), at('inputs', i));
        return dropUndefined({
          name: input.component,
          type: componentTypeOf(input.component),
          topic: input.topic,
          inputName: input.name,
        });
      });
    }
    for (const field of ['port', 'route'] as const) {
      if (fn.spec[field] !== undefined) {
        reporter.warning(['spec', field], 'dropped by the conversion to v1beta2: only runtime knative has an HTTP trigger');
      }
    }
  }

  const serving: ServingV1beta2 = { triggers };
  const scale = convertScaleOptions(src, origins, reporter);
  if (scale) serving.scaleOptions = scale.scaleOptions;

  if (src.outputs) {
    const outputs: NonNullable<ServingV1beta2['outputs']> = [];
    src.outputs.forEach((output, i) => {
      const type = componentTypeOf(output.component);
      if (type === undefined) {
        reporter.warning(
          at('outputs', i, 'component'),
          `output dropped by the conversion to v1beta2: component "${output.component}" is not defined in spec.serving.bindings or spec.serving.pubsub`,
        );
        return;
      }
      const j = outputs.length;
      origins.add(at('outputs', j, 'dapr', 'name'), at('outputs', i, 'component'));
      origins.add(at('outputs', j, 'dapr', 'metadata'), at('outputs', i, 'params'));
      origins.add(at('outputs', j, 'dapr', 'outputName'), at('outputs', i, 'name'));
      origins.add(at('outputs', j), at('outputs', i));
      outputs.push({
        dapr: dropUndefined({
          name: output.component,
          type,
          topic: output.topic,
          metadata: output.params,
          operation: output.operation,
          outputName: output.name,
        }),
      });
    });
    // Go appends to a nil slice: no convertible output leaves `outputs` unset.
    if (outputs.length > 0) serving.outputs = outputs;
  }

  if (src.bindings) serving.bindings = src.bindings;
  if (src.pubsub) serving.pubsub = src.pubsub;
  if (src.states) {
    serving.states = Object.fromEntries(Object.entries(src.states).map(([name, spec]) => [name, { spec }]));
    for (const name of Object.keys(src.states)) origins.add(at('states', name, 'spec'), at('states', name));
  }
  if (src.params) serving.params = src.params;
  if (src.labels) serving.labels = src.labels;
  if (src.annotations) serving.annotations = src.annotations;
  if (src.template) serving.template = src.template;
  if (src.timeout) serving.timeout = src.timeout;

  const annotations = fn.metadata.annotations ?? {};
  const annotationPath = (key: string) => ['metadata', 'annotations', key];
  let tracing: TracingConfig | undefined;
  const tracingText = annotations[PLUGINS_TRACING_ANNOTATION];
  if (tracingText) {
    origins.add(at('tracing'), annotationPath(PLUGINS_TRACING_ANNOTATION));
    const parsed = parseTracingAnnotation(tracingText);
    if (!parsed.ok) {
      reporter.error(annotationPath(PLUGINS_TRACING_ANNOTATION), `the conversion to v1beta2 fails: not a valid tracing config YAML (${parsed.error})`);
    } else if (!parsed.value.provider) {
      reporter.error(annotationPath(PLUGINS_TRACING_ANNOTATION), 'missing provider; expected e.g. "provider: {name: skywalking}"');
    } else {
      tracing = parsed.value as TracingConfig;
    }
  }
  const pluginsText = annotations[PLUGINS_ANNOTATION];
  if (pluginsText) {
    origins.add(at('hooks'), annotationPath(PLUGINS_ANNOTATION));
    const parsed = parsePluginsAnnotation(pluginsText);
    if (!parsed.ok) {
      reporter.error(annotationPath(PLUGINS_ANNOTATION), `the conversion to v1beta2 fails: not a valid {order, pre, post} YAML (${parsed.error})`);
    } else {
      const lists = pluginLists(parsed.value);
      serving.hooks = dropUndefined({ pre: lists.pre, post: lists.post, policy: 'Override' });
    }
  }
  if (tracing) serving.tracing = tracing;
  if (scale?.workloadType) serving.workloadType = scale.workloadType;
  return serving;
}

function convertScaleOptions(
  src: ServingV1beta1,
  origins: PathOrigins,
  reporter: DocumentReporter,
): { scaleOptions: NonNullable<ServingV1beta2['scaleOptions']>; workloadType?: string } | undefined {
  const at = (...rest: FieldPath) => ['spec', 'serving', ...rest];
  const options = src.scaleOptions;
  if (!options) {
    if (src.triggers && src.triggers.length > 0) {
      reporter.warning(at('triggers'), 'dropped by the conversion to v1beta2: KEDA triggers are only moved when spec.serving.scaleOptions.keda is set');
    }
    return undefined;
  }
  const scaleOptions: NonNullable<ServingV1beta2['scaleOptions']> = dropUndefined({
    maxReplicas: options.maxReplicas,
    minReplicas: options.minReplicas,
    knative: options.knative,
  });
  let workloadType: string | undefined;
  const keda = options.keda;
  if (!keda) {
    if (src.triggers && src.triggers.length > 0) {
      reporter.warning(at('triggers'), 'dropped by the conversion to v1beta2: KEDA triggers are only moved when spec.serving.scaleOptions.keda is set');
    }
    return { scaleOptions };
  }

  const kedaOut: NonNullable<typeof scaleOptions.keda> = {};
  const object = keda.scaledObject;
  if (object) {
    kedaOut.scaledObject = dropUndefined({
      pollingInterval: object.pollingInterval,
      cooldownPeriod: object.cooldownPeriod,
      advanced: object.advanced,
    });
    if (object.maxReplicaCount !== undefined) {
      scaleOptions.maxReplicas = object.maxReplicaCount;
      origins.add(at('scaleOptions', 'maxReplicas'), at('scaleOptions', 'keda', 'scaledObject', 'maxReplicaCount'));
    }
    if (object.minReplicaCount !== undefined) {
      scaleOptions.minReplicas = object.minReplicaCount;
      origins.add(at('scaleOptions', 'minReplicas'), at('scaleOptions', 'keda', 'scaledObject', 'minReplicaCount'));
    }
    workloadType = object.workloadType || 'Deployment';
    origins.add(at('workloadType'), at('scaleOptions', 'keda', 'scaledObject', 'workloadType'));
  }
  const job = keda.scaledJob;
  if (job) {
    kedaOut.scaledJob = dropUndefined({
      restartPolicy: job.restartPolicy,
      // The webhook reads scaledObject.pollingInterval here (and crashes without a scaledObject).
      pollingInterval: job.pollingInterval,
      successfulJobsHistoryLimit: job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: job.failedJobsHistoryLimit,
      scalingStrategy: job.scalingStrategy,
    });
    if (job.maxReplicaCount !== undefined) {
      scaleOptions.maxReplicas = job.maxReplicaCount;
      origins.add(at('scaleOptions', 'maxReplicas'), at('scaleOptions', 'keda', 'scaledJob', 'maxReplicaCount'));
    }
    workloadType = 'Job';
  }
  if (src.triggers) {
    kedaOut.triggers = src.triggers.map(({ targetKind: _targetKind, ...trigger }) => trigger);
    origins.add(at('scaleOptions', 'keda', 'triggers'), at('triggers'));
  }
  scaleOptions.keda = kedaOut;
  return { scaleOptions, workloadType };
}

/** Longest-prefix mapping of converted paths back to where they were written. */
class PathOrigins {
  private readonly entries: { to: FieldPath; from: FieldPath }[] = [];

  add(to: FieldPath, from: FieldPath): void {
    this.entries.push({ to, from });
  }

  map(path: FieldPath): FieldPath {
    let best: { to: FieldPath; from: FieldPath } | undefined;
    for (const entry of this.entries) {
      if (entry.to.length <= path.length && entry.to.every((s, i) => s === path[i])) {
        if (!best || entry.to.length > best.to.length) best = entry;
      }
    }
    return best ? [...best.from, ...path.slice(best.to.length)] : path;
  }
}

/** Leaves out undefined members, so converted objects only carry what was set. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
