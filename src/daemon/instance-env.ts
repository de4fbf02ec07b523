import type { LoadedFunction } from '../model/types.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import type { Language } from '../builders/select-builder.js';

/** Host proxy settings that reach every instance, since functions fetch things too. */
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/**
 * The environment of a function instance, as OpenFunction's controller and buildpack set it:
 * FUNC_CONTEXT and FUNC_CONTEXT_V1BETA2, POD_NAMESPACE (POD_NAME is the runtime's), PORT as Knative
 * sets it, then `serving.params` as plain variables (they win, as in the cluster's pod spec).
 */
export function instanceEnv(fn: LoadedFunction, runtime: RuntimeKind, language: Language = 'node'): Record<string, string> {
  const env: Record<string, string> = {};
  // Node's buildpack turns FUNC_NAME/FUNC_TYPE into launch env; Go's keeps them to the build (a
  // FUNCTION_TARGET would make the Go framework serve one function at /).
  if (runtime === 'process' && language === 'node') {
    // In Docker the image carries these (the buildpack's launch env); a host process gets them here.
    if (fn.buildEnv.FUNC_NAME) env.FUNCTION_TARGET = fn.buildEnv.FUNC_NAME;
    if (fn.buildEnv.FUNC_TYPE) env.FUNCTION_SIGNATURE_TYPE = fn.buildEnv.FUNC_TYPE;
    if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  }
  for (const k of PROXY_VARS) if (process.env[k]) env[k] = process.env[k]!;
  env.FUNC_CONTEXT = fn.funcContext;
  env.FUNC_CONTEXT_V1BETA2 = fn.funcContextV1beta2;
  env.POD_NAMESPACE = fn.namespace;
  env.PORT = String(fn.port);
  Object.assign(env, fn.params);
  return env;
}
