/**
 * The ajv instance CRD schemas are compiled with: every error reported (not just the first), the
 * formats the CRDs use, and `x-kubernetes-list-type` checked as the API server does (`map`: no two
 * items with the same key fields; `set`: no two equal items). The other `x-kubernetes-*` markers
 * need no check of their own here (see crd-schema-transform.ts for how they shape the schema).
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaValidateFunction } from 'ajv';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const LIST_TYPE_KEYWORD = 'x-kubernetes-list-type';

export function createSchemaAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    logger: false,
    // Go's regexp syntax is closer to JavaScript's non-unicode mode.
    unicodeRegExp: false,
  });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => RFC3339.test(s) });
  ajv.addFormat('duration', { type: 'string', validate: (s: string) => GO_DURATION.test(s) });
  ajv.addFormat('byte', { type: 'string', validate: (s: string) => BASE64.test(s) && s.length % 4 === 0 });
  ajv.addKeyword({ keyword: LIST_TYPE_KEYWORD, type: 'array', schemaType: 'string', errors: true, validate: checkListType });
  return ajv;
}

type DataCxt = Parameters<SchemaValidateFunction>[3];

const checkListType: SchemaValidateFunction = function checkListType(
  listType: string,
  data: unknown[],
  parentSchema?: AnySchemaObject,
  cxt?: DataCxt,
): boolean {
  const itemProperties = (parentSchema?.['items'] as AnySchemaObject | undefined)?.['properties'] as
    | Record<string, AnySchemaObject>
    | undefined;
  const defaults = Object.fromEntries(
    Object.entries(itemProperties ?? {}).flatMap(([k, s]) => (s['default'] !== undefined ? [[k, s['default']]] : [])),
  );
  const problems = listTypeProblems(listType, parentSchema?.['x-kubernetes-list-map-keys'], data, defaults);
  (checkListType as { errors?: Partial<ErrorObject>[] }).errors = problems.map(({ index, message }) => ({
    keyword: LIST_TYPE_KEYWORD,
    instancePath: `${cxt?.instancePath ?? ''}/${index}`,
    message,
    params: { listType },
  }));
  return problems.length === 0;
};

/**
 * Duplicates in a `map` or `set` list, each named by the index of the second occurrence. A key
 * field left out counts as its schema default (`protocol` is `TCP`), as after the API server's defaulting.
 */
export function listTypeProblems(
  listType: string,
  mapKeys: unknown,
  items: unknown[],
  defaults: Record<string, unknown> = {},
): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const seen = new Map<string, number>();
  const keys = Array.isArray(mapKeys) ? mapKeys.filter((k): k is string => typeof k === 'string') : [];
  items.forEach((item, index) => {
    let identity: string;
    let described: string;
    if (listType === 'map' && keys.length > 0) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
      const record = item as Record<string, unknown>;
      const values = keys.map((k) => record[k] ?? defaults[k] ?? null);
      identity = JSON.stringify(values);
      described = keys.map((k, i) => `${k}=${JSON.stringify(values[i])}`).join(', ');
    } else if (listType === 'set') {
      identity = JSON.stringify(item);
      described = identity;
    } else {
      return;
    }
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, index);
    } else {
      problems.push({ index, message: `duplicate entry ${described}: the same as item [${first}]` });
    }
  });
  return problems;
}
