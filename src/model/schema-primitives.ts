/**
 * Zod building blocks for the Function schemas. Every message says what was expected; the
 * issue formatter (schema-issues.ts) appends what was found.
 */
import { z } from 'zod';
import { parseGoDuration } from '../shared/go-compat/duration.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export const str = () => z.string({ error: 'expected a string' });

export const bool = () => z.boolean({ error: 'expected true or false' });

export const int32 = () =>
  z
    .int({ error: 'expected an integer' })
    .min(INT32_MIN, { error: 'expected a 32-bit integer' })
    .max(INT32_MAX, { error: 'expected a 32-bit integer' });

/** A TCP port; 0 is accepted because the webhook treats it as "not set". */
export const port = () =>
  z
    .int({ error: 'expected an integer from 1 to 65535' })
    .min(0, { error: 'expected an integer from 1 to 65535' })
    .max(65535, { error: 'expected an integer from 1 to 65535' });

export const stringMap = () =>
  z.record(z.string(), z.string({ error: 'expected a string (quote numbers and booleans)' }), {
    error: 'expected a mapping of names to strings',
  });

export const list = <T extends z.ZodType>(item: T, maxItems?: number) => {
  const schema = z.array(item, { error: 'expected a list' });
  return maxItems === undefined
    ? schema
    : schema.max(maxItems, { error: `expected a list of at most ${maxItems} items` });
};

/** A mapping whose keys are all known: unknown keys become `unrecognized_keys` issues (warnings). */
export const obj = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, { error: 'expected a mapping' });

/** A mapping we do not look inside (PodSpec, Dapr metadata values). */
export const anyObject = () => z.record(z.string(), z.unknown(), { error: 'expected a mapping' });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });

/** metav1.Duration: a Go duration string. */
export const duration = () =>
  str().refine((text) => parseGoDuration(text, 'ns') !== undefined, {
    error: 'expected a duration such as "30s", "5m" or "1h30m"',
  });

/** core/v1 LocalObjectReference. */
export const localObjectReference = () => obj({ name: str().optional() });
