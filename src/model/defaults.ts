import type { FunctionV1beta2 } from './function-schema.js';

export const DEFAULT_FUNCTION_VERSION = 'latest';
export const DEFAULT_FUNCTION_PORT = 8080;
export const DEFAULT_GATEWAY = { name: 'openfunction', namespace: 'openfunction' } as const;

const WASM_VARIANT_ANNOTATION = 'module.wasm.image/variant';
const WASM_COMPAT_SMART = 'compat-smart';
const WASMEDGE = 'wasmedge';
const WASMEDGE_RUNTIME_CLASS = 'openfunction-crun';

/**
 * What the v1beta2 mutating webhook (`Function.Default()`, OpenFunction v1.2) does to a Function
 * before it is stored. Returns a defaulted copy; the input is left alone.
 */
export function applyWebhookDefaults(input: FunctionV1beta2): FunctionV1beta2 {
  const fn = structuredClone(input);
  const spec = fn.spec;
  if (!spec.version) spec.version = DEFAULT_FUNCTION_VERSION;

  const serving = spec.serving;
  if (serving) {
    serving.triggers ??= {};
    const triggers = serving.triggers;
    // No Dapr trigger means a sync function: it gets an HTTP trigger.
    if (!triggers.dapr || triggers.dapr.length === 0) {
      triggers.http ??= {};
      if (!triggers.http.port) triggers.http.port = DEFAULT_FUNCTION_PORT;
    }
    if (triggers.http) {
      triggers.http.port ??= DEFAULT_FUNCTION_PORT;
      if (!triggers.http.route) triggers.http.route = { gatewayRef: { ...DEFAULT_GATEWAY } };
      else triggers.http.route.gatewayRef ??= { ...DEFAULT_GATEWAY };
    }
  }

  applyWasmDefaults(fn);
  return fn;
}

/** `HandleWorkloadRuntime()`: WasmEdge functions get the wasm variant, build strategy and runtime class. */
function applyWasmDefaults(fn: FunctionV1beta2): void {
  const annotations = fn.metadata.annotations ?? {};
  if (!(WASM_VARIANT_ANNOTATION in annotations)) {
    if ((fn.spec.workloadRuntime ?? '').toLowerCase() !== WASMEDGE) return;
    fn.metadata.annotations = { ...annotations, [WASM_VARIANT_ANNOTATION]: WASM_COMPAT_SMART };
  }

  const build = fn.spec.build;
  if (build) {
    const strategy = { name: WASMEDGE, kind: 'ClusterBuildStrategy' };
    if (!build.shipwright) build.shipwright = { strategy };
    else build.shipwright.strategy ??= strategy;
  }

  const serving = fn.spec.serving;
  if (serving) {
    serving.annotations ??= {};
    if (!(WASM_VARIANT_ANNOTATION in serving.annotations)) {
      serving.annotations[WASM_VARIANT_ANNOTATION] = WASM_COMPAT_SMART;
    }
    if (serving.template && serving.template['runtimeClassName'] === undefined) {
      serving.template['runtimeClassName'] = WASMEDGE_RUNTIME_CLASS;
    }
  }
}
