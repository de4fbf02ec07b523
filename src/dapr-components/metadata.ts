/**
 * Building blocks for component metadata schemas. Dapr hands components a flat
 * `{name: "value"}` map of strings; names match case-insensitively (Go's mapstructure)
 * and an empty value counts as unset. The helpers coerce strings the way Dapr's
 * decoder does: booleans are "truthy" strings, durations are Go durations or plain
 * seconds, integers are decimal.
 */
import { z } from 'zod';

import { parseGoDuration } from '../shared/go-compat/duration.js';
import type { Metadata } from './component.js';

const TRUTHY = new Set(['1', 'true', 't', 'y', 'yes', 'on']);

/** Dapr's IsTruthy: case-insensitive 1/true/t/y/yes/on; anything else is false. */
export function isTruthy(text: string | undefined): boolean {
  return text !== undefined && TRUTHY.has(text.trim().toLowerCase());
}

/** A truthy/falsy string; absent gives `fallback`. */
export const mdBool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? fallback : isTruthy(v)));

/** A decimal integer string; absent gives `fallback`. */
export const mdInt = <F extends number | undefined>(fallback: F) =>
  z
    .string()
    .optional()
    .transform((v, ctx): number | F => {
      if (v === undefined) return fallback;
      if (!/^\s*-?\d+\s*$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not an integer` });
        return z.NEVER;
      }
      return Number(v);
    });

/** A Go duration (`5s`, `1m30s`, `100ms`) or, as dapr/kit reads it, a plain number of seconds; in milliseconds. */
/** A duration in ms; a bare number counts in `bareUnitMs` (seconds, except where daprd reads milliseconds). */
export const mdDuration = <F extends number | undefined>(fallback: F, bareUnitMs = 1000) =>
  z
    .string()
    .optional()
    .transform((v, ctx): number | F => {
      if (v === undefined) return fallback;
      if (/^\s*-?\d+\s*$/.test(v)) return Number(v) * bareUnitMs;
      const ms = parseGoDuration(v.trim(), 'ms');
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. 5s, 100ms, 1m30s)` });
        return z.NEVER;
      }
      return ms;
    });

/** One of `values` (case-insensitive); absent gives `fallback`. */
export const mdEnum = <const T extends readonly [string, ...string[]], F extends T[number] | undefined>(values: T, fallback: F) =>
  z
    .string()
    .optional()
    .transform((v, ctx): T[number] | F => {
      if (v === undefined) return fallback;
      const found = values.find((x) => x.toLowerCase() === v.trim().toLowerCase());
      if (found === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not one of ${values.join(', ')}` });
        return z.NEVER;
      }
      return found;
    });

/** A comma-separated list; absent gives []. */
export const mdList = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)));

/**
 * An object schema over the normalised metadata record: keys are matched to the shape's
 * keys case-insensitively and empty values are dropped before parsing. Unknown keys stay
 * in `extra` for components that pass them on.
 */
export function metadataSchema<S extends z.ZodRawShape>(shape: S) {
  const names = new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k]));
  return z.preprocess((input) => {
    const record = (input ?? {}) as Metadata;
    const out: Record<string, unknown> = {};
    const extra: Metadata = {};
    for (const [key, value] of Object.entries(record)) {
      if (value === '') continue;
      const known = names.get(key.toLowerCase());
      if (known !== undefined && known !== 'extra') out[known] = value;
      else extra[key] = value;
    }
    if (names.has('extra')) out.extra = extra;
    return out;
  }, z.object(shape));
}

/** The `extra` field of a metadataSchema: metadata keys the schema does not name. */
export const mdExtra = () => z.record(z.string(), z.string());

/** Common binding metadata: `direction` (1.12+) and `route`. */
export const bindingCommon = {
  direction: mdList(),
  route: z.string().optional(),
};

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes-style quantity (`4Mi`, `16Ki`, `1000`) in bytes, or undefined. */
export function parseQuantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = QUANTITY_UNITS[m[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}
