/**
 * A CRD version's `openAPIV3Schema` turned into a JSON schema that ajv checks the way the API
 * server (with `kubectl apply`'s strict field validation) judges a manifest:
 * - an object with declared `properties` rejects other fields, unless it carries
 *   `x-kubernetes-preserve-unknown-fields` or declares `additionalProperties`;
 * - `x-kubernetes-int-or-string` without `anyOf` becomes "an integer or a string";
 * - `metadata` gets the ObjectMeta rules the API server applies itself (the CRD only says
 *   `type: object`); `status` is not checked (the API server ignores it on apply);
 * - Dapr metadata values (`DynamicValue`, declared `type: object`) accept any JSON value: real
 *   manifests, OpenFunction's samples included, give plain strings and clusters accept them.
 * Pure: the input is left alone.
 */
import type { JsonObject } from '../model/index.js';

export interface PreparedSchema {
  schema: JsonObject;
  /** How many Dapr DynamicValue places were relaxed (for tests: exactly those places). */
  relaxedDynamicValues: number;
}

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };

/** The ObjectMeta fields a manifest sets, checked as the API server does (others pass). */
export const OBJECT_META_SCHEMA: JsonObject = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN },
    namespace: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
    labels: STRING_MAP,
    annotations: STRING_MAP,
  },
};

export function prepareCrdSchema(openApi: JsonObject): PreparedSchema {
  const counter = { relaxed: 0 };
  const schema = transform(structuredClone(openApi), counter);
  const properties = asObject(schema['properties']);
  if (properties) {
    properties['metadata'] = structuredClone(OBJECT_META_SCHEMA);
    if ('status' in properties) properties['status'] = {};
  }
  return { schema, relaxedDynamicValues: counter.relaxed };
}

function transform(node: JsonObject, counter: { relaxed: number }): JsonObject {
  if (node['x-kubernetes-int-or-string'] === true && node['anyOf'] === undefined && node['type'] === undefined) {
    node['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }

  const properties = asObject(node['properties']);
  if (properties) {
    if (isDaprMetadataItem(properties)) {
      properties['value'] = {
        description: 'Dapr DynamicValue: any JSON value (plain strings in practice)',
      };
      counter.relaxed++;
    }
    for (const [key, child] of Object.entries(properties)) {
      const sub = asObject(child);
      if (sub) properties[key] = transform(sub, counter);
    }
    const open = node['x-kubernetes-preserve-unknown-fields'] === true || node['additionalProperties'] !== undefined;
    if (!open) node['additionalProperties'] = false;
  }

  for (const key of ['items', 'additionalProperties', 'not'] as const) {
    const sub = asObject(node[key]);
    if (sub) node[key] = transform(sub, counter);
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) {
      node[key] = list.map((item) => {
        const sub = asObject(item);
        return sub ? transform(sub, counter) : item;
      });
    }
  }
  return node;
}

/**
 * An item of a Dapr ComponentSpec's `metadata` list: `{name, value, secretKeyRef}` whose `value`
 * (a DynamicValue) is declared as an object.
 */
function isDaprMetadataItem(properties: JsonObject): boolean {
  const value = asObject(properties['value']);
  return (
    value !== undefined &&
    value['type'] === 'object' &&
    asObject(properties['name']) !== undefined &&
    asObject(properties['secretKeyRef']) !== undefined
  );
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
