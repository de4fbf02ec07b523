/**
 * ajv's errors as problems a person can act on: the field path (`spec.serving.triggers.http.port`),
 * what was expected and what was found. The noise of `anyOf` branches is folded into one line.
 */
import type { ErrorObject } from 'ajv';
import { formatPath, type PathSegment } from '../model/index.js';
import { LIST_TYPE_KEYWORD } from './schema-ajv.js';

export interface SchemaProblem {
  path: PathSegment[];
  message: string;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

const FORMAT_WORDS: Record<string, string> = {
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  'date-time': 'an RFC 3339 date-time such as "2024-01-02T15:04:05Z"',
  duration: 'a duration such as "30s" or "1h30m"',
  byte: 'base64 text',
};

/** `schemaName` names the schema in "unknown field" messages, e.g. `core.openfunction.io/v1beta2 Function CRD`. */
export function toSchemaProblems(errors: ErrorObject[], data: unknown, schemaName: string): SchemaProblem[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (anyOfPaths.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const path = pointerToPath(error.instancePath, data);
    const problem = describeError(error, path, schemaName);
    const key = `${JSON.stringify(problem.path)} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  // In field order, whatever order ajv walked the schema in.
  const key = (p: SchemaProblem) => formatPath(p.path);
  return problems.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function describeError(error: ErrorObject, path: PathSegment[], schemaName: string): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  const got = `got ${describeValue(error.data)}`;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params['missingProperty'])], message: `missing; required by the ${schemaName}` };
    case 'additionalProperties':
      return {
        path: [...path, String(params['additionalProperty'])],
        message: `unknown field: not in the ${schemaName} (kubectl apply rejects it)`,
      };
    case 'type': {
      const types = String(params['type']).split(',');
      return { path, message: `expected ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}, ${got}` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `expected one of ${allowed}, ${got}` };
    }
    case 'anyOf': {
      const parent = error.parentSchema as Record<string, unknown> | undefined;
      const intOrString = parent?.['x-kubernetes-int-or-string'] === true;
      return { path, message: intOrString ? `expected an integer or a string, ${got}` : `matches none of the allowed forms, ${got}` };
    }
    case 'pattern':
      return { path, message: `expected text matching ${String(params['pattern'])}, ${got}` };
    case 'format': {
      const format = String(params['format']);
      return { path, message: `expected ${FORMAT_WORDS[format] ?? `format ${format}`}, ${got}` };
    }
    case 'maxLength':
      return { path, message: `expected at most ${String(params['limit'])} characters, ${got}` };
    case 'minLength':
      return { path, message: `expected at least ${String(params['limit'])} characters, ${got}` };
    case 'maxItems':
      return { path, message: `expected at most ${String(params['limit'])} items, got ${countOf(error.data)}` };
    case 'minItems':
      return { path, message: `expected at least ${String(params['limit'])} items, got ${countOf(error.data)}` };
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return { path, message: `expected a value ${String(params['comparison'])} ${String(params['limit'])}, ${got}` };
    case LIST_TYPE_KEYWORD:
      return { path, message: error.message ?? 'duplicate entry' };
    default:
      return { path, message: `${error.message ?? error.keyword}, ${got}` };
  }
}

/** A JSON pointer as path segments; list indexes become numbers (the data says which are lists). */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

/** `string "80a"`, `number 1.5`, `true`, `null`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return `string ${JSON.stringify(text)}`;
    }
    case 'number':
      return `number ${String(value)}`;
    case 'boolean':
      return `boolean ${String(value)}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function countOf(value: unknown): string {
  return Array.isArray(value) ? String(value.length) : describeValue(value);
}
