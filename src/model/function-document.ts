/**
 * One Function document, v1beta2 or v1beta1, to a defaulted and validated v1beta2 Function: the
 * API server's view of it once `kubectl apply` went through (schema, conversion, webhooks).
 */
import { convertV1beta1 } from './convert-v1beta1.js';
import { applyWebhookDefaults } from './defaults.js';
import type { DocumentReporter } from './diagnostics.js';
import { functionV1beta2Schema, type FunctionV1beta2 } from './function-schema.js';
import { functionV1beta1Schema } from './function-v1beta1-schema.js';
import { FUNCTION_V1BETA1, FUNCTION_V1BETA2 } from './manifest-kinds.js';
import { checkAgainstSchema } from './schema-issues.js';
import { validateFunction } from './validate.js';

export interface FunctionDocument {
  fn: FunctionV1beta2;
  /** Reports against the document as written (paths of converted fields are mapped back). */
  reporter: DocumentReporter;
  convertedFrom?: typeof FUNCTION_V1BETA1;
}

const V1BETA1_FIELD_HINTS: Record<string, string> = {
  'spec.port': 'a v1beta1 field; in v1beta2 use spec.serving.triggers.http.port',
  'spec.route': 'a v1beta1 field; in v1beta2 use spec.serving.triggers.http.route',
  'spec.serving.runtime':
    'a v1beta1 field; in v1beta2 the runtime follows from spec.serving.triggers (http: knative, dapr: async)',
  'spec.serving.inputs': 'a v1beta1 field; in v1beta2 use spec.serving.triggers.dapr',
  'spec.build.params': 'a v1beta1 field; in v1beta2 use spec.build.shipwright.params',
};

export function readFunctionV1beta2(value: unknown, reporter: DocumentReporter): FunctionDocument | undefined {
  const parsed = checkAgainstSchema(functionV1beta2Schema, value, reporter, {
    schemaName: `${FUNCTION_V1BETA2} Function`,
    unknownFieldHints: V1BETA1_FIELD_HINTS,
  });
  if (!parsed) return undefined;
  return admit(parsed, reporter);
}

export function readFunctionV1beta1(value: unknown, reporter: DocumentReporter): FunctionDocument | undefined {
  const parsed = checkAgainstSchema(functionV1beta1Schema, value, reporter, {
    schemaName: `${FUNCTION_V1BETA1} Function`,
  });
  if (!parsed) return undefined;
  const conversion = convertV1beta1(parsed, reporter);
  if (!conversion) return undefined;
  const admitted = admit(conversion.fn, reporter.withPathMapping(conversion.toSourcePath));
  return admitted && { ...admitted, convertedFrom: FUNCTION_V1BETA1 };
}

/** The mutating then the validating webhook. */
function admit(fn: FunctionV1beta2, reporter: DocumentReporter): FunctionDocument | undefined {
  const errorsBefore = reporter.errors;
  const defaulted = applyWebhookDefaults(fn);
  validateFunction(defaulted, reporter);
  if (reporter.errors > errorsBefore) return undefined;
  return { fn: defaulted, reporter };
}
