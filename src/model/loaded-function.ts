import path from 'node:path';
import type { ExistingComponentType } from './component-types.js';
import { DEFAULT_FUNCTION_PORT } from './defaults.js';
import { buildFuncContexts } from './func-context.js';
import type { FunctionDocument } from './function-document.js';
import type { GitTopLevel } from './git-toplevel.js';
import { checkParamsSize } from './limits.js';
import { FUNCTION_V1BETA2 } from './manifest-kinds.js';
import { scaleSettings } from './scale.js';
import { resolveSource } from './source.js';
import type { FunctionResource, LoadedFunction, Origin } from './types.js';

export interface FunctionSetting {
  doc: FunctionDocument;
  origin: Origin;
  namespace: string;
  existingComponentType: ExistingComponentType;
  gitTopLevel: (dir: string) => Promise<GitTopLevel>;
}

/** Everything the rest of ofn-local needs to run a Function; undefined after reporting a problem. */
export async function toLoadedFunction(setting: FunctionSetting): Promise<LoadedFunction | undefined> {
  const { doc, origin, namespace } = setting;
  const { fn, reporter } = doc;
  const serving = fn.spec.serving;
  const http = serving?.triggers?.http;

  if (!serving) {
    reporter.warning(['spec'], 'no spec.serving: on a cluster this Function is only built (serving Skipped)');
  } else if (http && serving.triggers?.dapr !== undefined) {
    reporter.warning(
      ['spec', 'serving', 'triggers'],
      'has both http and dapr triggers: it is served as a sync (Knative) function, yet FUNC_CONTEXT says runtime "Async", as the controller does',
    );
  }

  const errorsBefore = reporter.errors;
  const contexts = buildFuncContexts(fn, setting.existingComponentType, reporter);
  const scale = scaleSettings(serving, reporter);
  // Params become environment variables: sizes an exec refuses are reported here, not at spawn time.
  if (serving?.params) checkParamsSize(serving.params, reporter);
  const source = await resolveSource(
    fn,
    { manifestDir: path.dirname(origin.file), gitTopLevel: setting.gitTopLevel },
    reporter,
  );
  if (!contexts || !scale || !source || reporter.errors > errorsBefore) return undefined;

  const name = fn.metadata.name ?? '';
  return {
    name,
    namespace,
    // The Serving controller runs Knative when there is an HTTP trigger, else the async runtime.
    runtime: http || !serving ? 'knative' : 'async',
    port: (http?.port || undefined) ?? DEFAULT_FUNCTION_PORT,
    version: fn.spec.version ?? '',
    image: fn.spec.image,
    source,
    buildEnv: { ...fn.spec.build?.env },
    params: { ...serving?.params },
    // Workload/pod labels and annotations (spec.serving.labels / spec.serving.annotations).
    labels: { ...serving?.labels },
    annotations: { ...serving?.annotations },
    scale,
    funcContext: contexts.funcContext,
    funcContextV1beta2: contexts.funcContextV1beta2,
    resource: resourceJson(doc, namespace),
    origin,
  };
}

/** The defaulted v1beta2 object as plain JSON, with the metadata a manifest carries. */
function resourceJson({ fn }: FunctionDocument, namespace: string): FunctionResource {
  const metadata: FunctionResource['metadata'] = { name: fn.metadata.name, namespace };
  if (fn.metadata.labels && Object.keys(fn.metadata.labels).length > 0) metadata.labels = fn.metadata.labels;
  if (fn.metadata.annotations && Object.keys(fn.metadata.annotations).length > 0) {
    metadata.annotations = fn.metadata.annotations;
  }
  return structuredClone({ apiVersion: FUNCTION_V1BETA2, kind: 'Function', metadata, spec: fn.spec });
}
