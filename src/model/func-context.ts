/**
 * FUNC_CONTEXT and FUNC_CONTEXT_V1BETA2 exactly as the OpenFunction v1.2 controller builds them
 * (pkg/core/serving/common), for a defaulted v1beta2 Function. Objects are built in Go struct
 * order and members that Go would omit (`omitempty`) are left undefined. There is no controller
 * ConfigMap locally, so there are no global plugins, hooks or tracing.
 *
 * Map-valued members (inputs, outputs, states, metadata) follow the manifest's order; Go writes
 * them in random map order, which no consumer depends on.
 */
import {
  componentType,
  realComponentName,
  stateType,
  type ExistingComponentType,
} from './component-types.js';
import { DEFAULT_FUNCTION_PORT } from './defaults.js';
import type { DocumentReporter } from './diagnostics.js';
import type { FieldPath } from './field-path.js';
import type { FunctionV1beta2, ServingV1beta2, TracingConfig } from './function-schema.js';
import { goJson, JSON_ITERATOR_STRUCT } from '../shared/go-compat/json.js';
import {
  PLUGINS_ANNOTATION,
  PLUGINS_TRACING_ANNOTATION,
  parsePluginsAnnotation,
  parseTracingAnnotation,
  pluginLists,
  type TracingAnnotation,
} from './plugins-annotation.js';
import { nonEmpty, routeJson } from './route-json.js';

export interface FuncContexts {
  funcContext: string;
  funcContextV1beta2: string;
}

/**
 * Builds both contexts; reports a reference whose component type cannot be found (the controller
 * fails the serving then) and returns undefined in that case.
 */
export function buildFuncContexts(
  fn: FunctionV1beta2,
  existing: ExistingComponentType,
  reporter: DocumentReporter,
): FuncContexts | undefined {
  const serving: ServingV1beta2 = fn.spec.serving ?? { triggers: {} };
  const errorsBefore = reporter.errors;
  const typeOf = typeResolver(serving, existing, reporter);
  const v1beta1 = contextV1beta1(fn, serving, typeOf, reporter);
  const v1beta2 = contextV1beta2(fn, serving, typeOf);
  if (reporter.errors > errorsBefore) return undefined;
  return { funcContext: goJson(v1beta1, JSON_ITERATOR_STRUCT), funcContextV1beta2: goJson(v1beta2, JSON_ITERATOR_STRUCT) };
}

type TypeOf = (path: FieldPath, name: string, explicitType: string | undefined, kind?: 'state') => string;

/** Looks types up once per reference and reports the ones that cannot be found. */
function typeResolver(serving: ServingV1beta2, existing: ExistingComponentType, reporter: DocumentReporter): TypeOf {
  const seen = new Map<string, string>();
  return (path, name, explicitType, kind) => {
    const key = `${path.join('.')}|${name}`;
    const cached = seen.get(key);
    if (cached !== undefined) return cached;
    const type =
      kind === 'state' ? stateType(serving, name, existing) : componentType(serving, name, explicitType, existing);
    if (type === undefined && kind === 'state') {
      reporter.error(
        path,
        `cannot tell the type of state store "${name}": it has no spec and no dapr.io/v1alpha1 Component ` +
          `of that name is among the loaded manifests; add spec (e.g. type: state.redis) or such a Component`,
      );
    } else if (type === undefined) {
      reporter.error(
        path,
        `cannot tell the type of Dapr component "${name}": it is not defined in spec.serving.bindings, ` +
          `spec.serving.pubsub or spec.serving.states, and no dapr.io/v1alpha1 Component of that name ` +
          `is among the loaded manifests; define it or set "type" (e.g. "bindings.kafka")`,
      );
    }
    seen.set(key, type ?? '');
    return type ?? '';
  };
}

function contextV1beta1(
  fn: FunctionV1beta2,
  serving: ServingV1beta2,
  typeOf: TypeOf,
  reporter: DocumentReporter,
): object {
  const triggers = serving.triggers ?? {};
  const at = (...rest: FieldPath) => ['spec', 'serving', ...rest];

  let inputs: Record<string, object> | undefined;
  // The controller tests for a non-nil list: `dapr: []` still makes an (empty) inputs map and "Async".
  if (triggers.dapr !== undefined) {
    inputs = {};
    triggers.dapr.forEach((trigger, i) => {
      const type = typeOf(at('triggers', 'dapr', i, 'name'), trigger.name, trigger.type);
      if (type.startsWith('pubsub') && !trigger.topic) {
        reporter.warning(at('triggers', 'dapr', i, 'topic'), `missing; a pubsub trigger needs the topic to subscribe to`);
      }
      inputs![trigger.inputName || trigger.name] = {
        uri: uriOf(type, trigger.name, trigger.topic),
        componentName: realComponentName(trigger.name),
        componentType: type,
      };
    });
  }

  let outputs: Record<string, object> | undefined;
  if (serving.outputs && serving.outputs.length > 0) {
    outputs = {};
    serving.outputs.forEach((output, i) => {
      const dapr = output.dapr;
      if (!dapr) return;
      const type = typeOf(at('outputs', i, 'dapr', 'name'), dapr.name, dapr.type);
      outputs![dapr.outputName || dapr.name] = {
        uri: uriOf(type, dapr.name, dapr.topic),
        componentName: realComponentName(dapr.name),
        componentType: type,
        metadata: nonEmptyMap(dapr.metadata),
        operation: dapr.operation || undefined,
      };
    });
  }

  const port = triggers.http?.port ?? DEFAULT_FUNCTION_PORT;
  const plugins = pluginsFromAnnotations(fn, reporter);
  return {
    name: fn.metadata.name,
    version: fn.spec.version ?? '',
    inputs: nonEmptyMap(inputs),
    outputs: nonEmptyMap(outputs),
    states: nonEmptyMap(statesOf(serving, typeOf)),
    runtime: triggers.dapr !== undefined ? 'Async' : 'Knative',
    port: String(port),
    prePlugins: nonEmpty(plugins.pre),
    postPlugins: nonEmpty(plugins.post),
    pluginsTracing: plugins.tracing,
  };
}

function contextV1beta2(fn: FunctionV1beta2, serving: ServingV1beta2, typeOf: TypeOf): object {
  const triggers = serving.triggers ?? {};
  const at = (...rest: FieldPath) => ['spec', 'serving', ...rest];

  let inputs: Record<string, object> | undefined;
  if (triggers.inputs && triggers.inputs.length > 0) {
    inputs = {};
    triggers.inputs.forEach((input, i) => {
      const dapr = input.dapr;
      if (!dapr) return;
      const type = typeOf(at('triggers', 'inputs', i, 'dapr', 'name'), dapr.name, dapr.type);
      inputs![dapr.name] = {
        componentName: realComponentName(dapr.name),
        componentType: type,
        topic: dapr.topic || undefined,
      };
    });
  }

  let outputs: Record<string, object> | undefined;
  if (serving.outputs && serving.outputs.length > 0) {
    outputs = {};
    serving.outputs.forEach((output, i) => {
      const dapr = output.dapr;
      if (!dapr) return;
      const type = typeOf(at('outputs', i, 'dapr', 'name'), dapr.name, dapr.type);
      // The controller does not copy the output topic into this context.
      outputs![dapr.name] = {
        componentName: realComponentName(dapr.name),
        componentType: type,
        metadata: nonEmptyMap(dapr.metadata),
        operation: dapr.operation || undefined,
      };
    });
  }

  // With no global hooks, Append and Override give the Function's own lists.
  const hooks = serving.hooks;
  const tracing = serving.tracing && serving.tracing.enabled ? tracingConfigJson(serving.tracing) : undefined;
  return {
    name: fn.metadata.name,
    version: fn.spec.version ?? '',
    triggers: {
      http: triggers.http && {
        port: triggers.http.port,
        route: triggers.http.route && routeJson(triggers.http.route),
        engine: triggers.http.engine,
      },
      dapr: nonEmpty(
        triggers.dapr?.map((t) => ({
          name: realComponentName(t.name),
          type: t.type || undefined,
          topic: t.topic || undefined,
          inputName: t.inputName || undefined,
        })),
      ),
      inputs: nonEmpty(
        triggers.inputs?.map((input) => ({
          dapr: input.dapr && {
            name: input.dapr.name,
            type: input.dapr.type || undefined,
            topic: input.dapr.topic || undefined,
          },
        })),
      ),
    },
    inputs: nonEmptyMap(inputs),
    outputs: nonEmptyMap(outputs),
    states: nonEmptyMap(statesOf(serving, typeOf)),
    preHooks: nonEmpty(hooks?.pre),
    postHooks: nonEmpty(hooks?.post),
    tracing,
  };
}

function statesOf(serving: ServingV1beta2, typeOf: TypeOf): Record<string, object> | undefined {
  if (!serving.states) return undefined;
  const states: Record<string, object> = {};
  for (const name of Object.keys(serving.states)) {
    const type = typeOf(['spec', 'serving', 'states', name], name, undefined, 'state');
    states[name] = { componentName: realComponentName(name), componentType: type };
  }
  return states;
}

/** `uri` is the topic for pubsub and the component name for bindings. */
function uriOf(type: string, name: string, topic: string | undefined): string | undefined {
  const uri = type.startsWith('bindings') ? name : topic;
  return uri || undefined;
}

interface PluginSettings {
  pre?: string[];
  post?: string[];
  tracing?: object;
}

/**
 * prePlugins/postPlugins/pluginsTracing come from the Function annotations `plugins` and
 * `plugins.tracing` (never from spec.serving.hooks). An unreadable annotation is ignored by the
 * controller (it only logs), so it is a warning here.
 */
function pluginsFromAnnotations(fn: FunctionV1beta2, reporter: DocumentReporter): PluginSettings {
  const annotations = fn.metadata.annotations ?? {};
  const out: PluginSettings = {};
  const pluginsText = annotations[PLUGINS_ANNOTATION];
  if (pluginsText) {
    const parsed = parsePluginsAnnotation(pluginsText);
    if (parsed.ok) Object.assign(out, pluginLists(parsed.value));
    else {
      reporter.warning(
        ['metadata', 'annotations', PLUGINS_ANNOTATION],
        `ignored, as the controller does: not a valid {order, pre, post} YAML (${parsed.error})`,
      );
    }
  }
  const tracingText = annotations[PLUGINS_TRACING_ANNOTATION];
  if (tracingText) {
    const parsed = parseTracingAnnotation(tracingText);
    if (!parsed.ok) {
      reporter.warning(
        ['metadata', 'annotations', PLUGINS_TRACING_ANNOTATION],
        `ignored, as the controller does: not a valid tracing config YAML (${parsed.error})`,
      );
    } else if (parsed.value.enabled && !parsed.value.provider?.name) {
      reporter.error(
        ['metadata', 'annotations', PLUGINS_TRACING_ANNOTATION],
        'tracing is enabled but provider.name is missing; expected e.g. "provider: {name: skywalking}"',
      );
    } else {
      const tracing = parsed.value;
      if (tracing.enabled && tracing.provider) {
        out.pre = [...(out.pre ?? []), tracing.provider.name];
        out.post = [tracing.provider.name, ...(out.post ?? [])];
      }
      out.tracing = pluginsTracingJson(tracing);
    }
  }
  return out;
}

/** FUNC_CONTEXT `pluginsTracing`: `provider` and `baggage` have no omitempty in Go. */
function pluginsTracingJson(tracing: TracingAnnotation): object {
  return {
    enabled: tracing.enabled,
    provider: tracing.provider ? providerJson(tracing.provider) : null,
    tags: nonEmptyMap(tracing.tags),
    baggage: tracing.baggage ?? null,
  };
}

/** FUNC_CONTEXT_V1BETA2 `tracing` (v1beta2 TracingConfig: tags and baggage are omitempty). */
function tracingConfigJson(tracing: TracingConfig): object {
  return {
    enabled: tracing.enabled,
    provider: providerJson(tracing.provider),
    tags: nonEmptyMap(tracing.tags),
    baggage: nonEmptyMap(tracing.baggage),
  };
}

function providerJson(provider: NonNullable<TracingAnnotation['provider']>): object {
  const exporter = provider.exporter;
  return {
    name: provider.name,
    oapServer: provider.oapServer || undefined,
    exporter: exporter && {
      name: exporter.name,
      endpoint: exporter.endpoint,
      headers: exporter.headers || undefined,
      compression: exporter.compression || undefined,
      timeout: exporter.timeout || undefined,
      protocol: exporter.protocol || undefined,
    },
  };
}

/** Go's omitempty on maps: an empty map is left out. */
function nonEmptyMap<T extends object>(map: T | undefined): T | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}
