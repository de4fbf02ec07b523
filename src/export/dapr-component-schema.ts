/**
 * The schema ofn-local checks a standalone `dapr.io/v1alpha1 Component` against. Dapr's CRD is
 * not among OpenFunction's, so this is written here from Dapr's documented Component format:
 * `spec.type`, `spec.version` and `spec.metadata` (items `{name, value | secretKeyRef}`) are
 * required, `scopes` lists app ids, `auth.secretStore` names a secret store.
 */
import type { JsonObject } from '../model/index.js';
import { OBJECT_META_SCHEMA } from './crd-schema-transform.js';

export const DAPR_COMPONENT_API_VERSION = 'dapr.io/v1alpha1';
export const DAPR_COMPONENT_KIND = 'Component';

export const DAPR_COMPONENT_SCHEMA: JsonObject = {
  type: 'object',
  required: ['spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: OBJECT_META_SCHEMA,
    auth: {
      type: 'object',
      required: ['secretStore'],
      additionalProperties: false,
      properties: { secretStore: { type: 'string' } },
    },
    scopes: { type: 'array', items: { type: 'string' } },
    spec: {
      type: 'object',
      required: ['type', 'version', 'metadata'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', minLength: 1 },
        version: { type: 'string', minLength: 1 },
        ignoreErrors: { type: 'boolean' },
        initTimeout: { type: 'string' },
        metadata: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1 },
              // A DynamicValue: any JSON value (strings in practice).
              value: {},
              envRef: { type: 'string' },
              secretKeyRef: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: { name: { type: 'string' }, key: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
};
