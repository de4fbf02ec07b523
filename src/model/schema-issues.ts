import type { z } from 'zod';
import { formatPath, type FieldPath, type PathSegment } from './field-path.js';
import type { DocumentReporter } from './diagnostics.js';

export interface SchemaCheckOptions {
  /** Where the object sits in its document (e.g. `['spec']` when checking only the spec). */
  at?: FieldPath;
  /** Extra words for well-known unknown fields, keyed by formatted path (e.g. `spec.serving.runtime`). */
  unknownFieldHints?: Record<string, string>;
  /** Names the schema in the unknown-field warning, e.g. `core.openfunction.io/v1beta2 Function`. */
  schemaName: string;
}

/**
 * Checks `value` against `schema`. Type problems are reported as errors; unknown fields as
 * warnings, and they are dropped (a cluster prunes them). Returns the parsed value, or undefined
 * when there was an error. `null` values in mappings count as absent, as in Kubernetes.
 */
export function checkAgainstSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  reporter: DocumentReporter,
  options: SchemaCheckOptions,
): z.output<S> | undefined {
  const at = options.at ?? [];
  const input = withoutNullFields(value);
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;

  let failed = false;
  for (const issue of result.error.issues) {
    const path = [...at, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const fieldPath = [...path, key];
        const hint = options.unknownFieldHints?.[formatPath(fieldPath)];
        reporter.warning(
          fieldPath,
          `unknown field, ignored: not part of the ${options.schemaName} schema${hint ? ` (${hint})` : ''}`,
        );
        deleteAt(input, [...(issue.path as PathSegment[]), key]);
      }
      continue;
    }
    failed = true;
    reporter.error(path, describeIssue(issue));
  }
  if (failed) return undefined;

  // Only unknown fields were found: they are gone from `input` now.
  const again = schema.safeParse(input);
  return again.success ? again.data : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const hasInput = 'input' in issue && issue.input !== undefined;
  if (issue.code === 'invalid_type' && !hasInput) return `missing; ${issue.message}`;
  return hasInput ? `${issue.message}, got ${describeValue(issue.input)}` : issue.message;
}

/** `string "80a"`, `number 1.5`, `boolean true`, `null`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return `string ${JSON.stringify(text)}`;
    }
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** A deep copy in which mapping entries whose value is `null` are left out. */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null) out[key] = withoutNullFields(item);
    }
    return out;
  }
  return value;
}

function deleteAt(root: unknown, path: PathSegment[]): void {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  const last = path[path.length - 1];
  if (last !== undefined && node !== null && typeof node === 'object') {
    delete (node as Record<PathSegment, unknown>)[last];
  }
}
