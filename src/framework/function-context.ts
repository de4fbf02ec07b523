/**
 * The `FUNC_CONTEXT` document OpenFunction's controller injects (v1beta1 shape),
 * and the small predicates upstream exposes as `ContextUtils`.
 */

export interface FunctionComponent {
  componentName: string;
  /** `bindings.<kind>`, `pubsub.<kind>` or `state.<kind>`. */
  componentType: string;
  /** Topic for pubsub, binding name for bindings. */
  uri?: string;
  operation?: string;
  metadata?: Record<string, string>;
}

export interface FunctionContext {
  name?: string;
  version?: string;
  /** `Knative` or `Async`, any case. */
  runtime?: string;
  port?: string;
  inputs?: Record<string, FunctionComponent>;
  outputs?: Record<string, FunctionComponent>;
  states?: Record<string, FunctionComponent>;
  prePlugins?: string[];
  postPlugins?: string[];
  pluginsTracing?: { enabled?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

export const RuntimeType = { Knative: 'knative', Async: 'async' } as const;

export const ComponentType = { Binding: 'bindings', PubSub: 'pubsub', State: 'state' } as const;

export const TraceProviderType = { SkyWalking: 'skywalking', OpenTelemetry: 'opentelemetry' } as const;

function componentKind(component: FunctionComponent | undefined): string | undefined {
  const type = component?.componentType;
  return typeof type === 'string' ? type.split('.')[0] : undefined;
}

/** Same predicates as upstream's `ContextUtils` (exported by the shim too). */
export const ContextUtils = {
  IsKnativeRuntime(context: FunctionContext | undefined): boolean {
    return typeof context?.runtime === 'string' && context.runtime.toLowerCase() === RuntimeType.Knative;
  },
  IsAsyncRuntime(context: FunctionContext | undefined): boolean {
    return typeof context?.runtime === 'string' && context.runtime.toLowerCase() === RuntimeType.Async;
  },
  IsBindingComponent(component: FunctionComponent | undefined): boolean {
    return componentKind(component) === ComponentType.Binding;
  },
  IsPubSubComponent(component: FunctionComponent | undefined): boolean {
    return componentKind(component) === ComponentType.PubSub;
  },
  IsStateComponent(component: FunctionComponent | undefined): boolean {
    return componentKind(component) === ComponentType.State;
  },
};
