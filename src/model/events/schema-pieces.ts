/** Zod pieces shared by the event kinds' schemas. */
import { z } from 'zod';
import { kedaAdvancedSchema } from '../shared-schemas.js';
import { int32, obj, str, stringMap } from '../schema-primitives.js';
import { schemaName, type EventKind } from './constants.js';

/**
 * A field the CRD requires. Missing, it reads "missing; required by the <CRD> schema: <hint>"
 * (the formatter adds "missing; "); of the wrong type, "expected a string, got ...".
 */
export const requiredString = (kind: EventKind, hint: string) => neededString(requiredMessage(kind, hint));

/** A string ofn-local needs although the CRD does not require it; `missing` says why. */
export const neededString = (missing: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? missing : 'expected a string') });

export const requiredOneOf = <const T extends readonly [string, ...string[]]>(kind: EventKind, values: T, hint: string) =>
  z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? requiredMessage(kind, hint)
        : `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  });

export const requiredBool = (kind: EventKind, hint: string) =>
  z.boolean({ error: (issue) => (issue.input === undefined ? requiredMessage(kind, hint) : 'expected true or false') });

export const requiredMap = <S extends z.ZodType>(kind: EventKind, value: S, what: string, hint: string) =>
  z.record(z.string(), value, {
    error: (issue) => (issue.input === undefined ? requiredMessage(kind, hint) : `expected a mapping of ${what}`),
  });

export const requiredList = <S extends z.ZodType>(kind: EventKind, item: S, hint: string) =>
  z.array(item, { error: (issue) => (issue.input === undefined ? requiredMessage(kind, hint) : 'expected a list') });

function requiredMessage(kind: EventKind, hint: string): string {
  return `required by the ${schemaName(kind)} CRD schema: ${hint}`;
}

/** A mapping of event names (or input names) to settings. */
export const namedMap = <S extends z.ZodType>(value: S, what: string) =>
  z.record(z.string(), value, { error: `expected a mapping of ${what}` });

/** `sink` / `deadLetterSink`: a uri, or a ref to an addressable object. */
export const sinkSchema = (kind: EventKind) =>
  obj({
    uri: str().optional(),
    ref: obj({
      kind: requiredString(kind, 'the kind of the object events go to, e.g. Function'),
      apiVersion: requiredString(kind, 'the apiVersion of that object, e.g. core.openfunction.io/v1beta2'),
      name: requiredString(kind, 'the name of the object events go to'),
      namespace: str().optional(),
    }).optional(),
  });

export type SinkInput = z.output<ReturnType<typeof sinkSchema>>;

/** The KEDA fields both scale options share (upstream's GenericScaleOption). */
export const genericScaleOptionFields = (kind: EventKind) => ({
  pollingInterval: int32().optional(),
  cooldownPeriod: int32().optional(),
  minReplicaCount: int32().optional(),
  maxReplicaCount: int32().optional(),
  advanced: kedaAdvancedSchema.optional(),
  metadata: stringMap().optional(),
  authRef: obj({ name: requiredString(kind, 'the name of the KEDA TriggerAuthentication'), kind: str().optional() }).optional(),
});
