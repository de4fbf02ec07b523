import type { DocumentReporter } from './diagnostics.js';
import type { FieldPath } from './field-path.js';
import type { ServingV1beta2 } from './function-schema.js';
import { describeValue } from './schema-issues.js';
import type { ScaleSettings } from './types.js';

const KNATIVE = 'autoscaling.knative.dev/';
const MIN_KEYS = [`${KNATIVE}min-scale`, `${KNATIVE}minScale`];
const MAX_KEYS = [`${KNATIVE}max-scale`, `${KNATIVE}maxScale`];
const TARGET_KEY = `${KNATIVE}target`;
const CONTAINER_CONCURRENCY_KEY = `${KNATIVE}container-concurrency`;

const DEFAULT_TARGET = 100;

interface Setting {
  value: string;
  /** Where the value was written, for messages. */
  path: FieldPath;
}

/**
 * Effective scale settings of a function, with the precedence of the v1.2 Knative serving code:
 * `scaleOptions.knative` entries, overridden by `serving.annotations`, overridden by
 * `scaleOptions.minReplicas`/`maxReplicas`. Knative's defaults apply to what is left.
 * Returns undefined (after reporting) when a value is not a number.
 */
export function scaleSettings(serving: ServingV1beta2 | undefined, reporter: DocumentReporter): ScaleSettings | undefined {
  const settings = new Map<string, Setting>();
  for (const [key, value] of Object.entries(serving?.scaleOptions?.knative ?? {})) {
    settings.set(key, { value, path: ['spec', 'serving', 'scaleOptions', 'knative', key] });
  }
  for (const [key, value] of Object.entries(serving?.annotations ?? {})) {
    settings.set(key, { value, path: ['spec', 'serving', 'annotations', key] });
  }
  const { minReplicas, maxReplicas } = serving?.scaleOptions ?? {};
  for (const [keys, replicas, field] of [
    [MIN_KEYS, minReplicas, 'minReplicas'],
    [MAX_KEYS, maxReplicas, 'maxReplicas'],
  ] as const) {
    if (replicas === undefined) continue;
    for (const key of keys) {
      settings.set(key, { value: String(replicas), path: ['spec', 'serving', 'scaleOptions', field] });
    }
  }

  const errorsBefore = reporter.errors;
  const first = (keys: string[]) => keys.map((k) => settings.get(k)).find((s) => s !== undefined);
  const min = wholeNumber(first(MIN_KEYS), 0, 'a whole number of replicas (0 or more)', reporter);
  const max = wholeNumber(first(MAX_KEYS), 0, 'a whole number of replicas (0 or more; 0 means no limit)', reporter);
  const target = positiveNumber(settings.get(TARGET_KEY), DEFAULT_TARGET, reporter);
  const containerConcurrency = wholeNumber(
    settings.get(CONTAINER_CONCURRENCY_KEY),
    0,
    'a whole number of concurrent requests (0 or more; 0 means no limit)',
    reporter,
  );
  if (reporter.errors > errorsBefore) return undefined;

  if (max > 0 && min > max) {
    const where = first(MIN_KEYS);
    reporter.error(where?.path ?? ['spec', 'serving'], `min-scale ${min} is greater than max-scale ${max}`);
    return undefined;
  }
  return { min, max, target, containerConcurrency };
}

function wholeNumber(setting: Setting | undefined, fallback: number, expected: string, reporter: DocumentReporter): number {
  if (!setting) return fallback;
  if (/^\d+$/.test(setting.value.trim())) return Number(setting.value.trim());
  reporter.error(setting.path, `expected ${expected}, got ${describeValue(setting.value)}`);
  return fallback;
}

function positiveNumber(setting: Setting | undefined, fallback: number, reporter: DocumentReporter): number {
  if (!setting) return fallback;
  const text = setting.value.trim();
  const value = Number(text);
  if (text !== '' && Number.isFinite(value) && value >= 0.01) return value;
  reporter.error(setting.path, `expected a number of concurrent requests per instance (at least 0.01), got ${describeValue(setting.value)}`);
  return fallback;
}
