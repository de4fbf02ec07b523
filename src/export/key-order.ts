/**
 * A stable key order for manifests: the fields people expect first (apiVersion, kind, metadata,
 * spec; name before namespace; type and version before metadata), everything else alphabetical.
 * The keys of user maps (labels, annotations, env, params, ...) are sorted alphabetically.
 * Lists keep their order: it means something.
 */

/** Struct fields, in the order they come first wherever they appear. */
const LEADING_KEYS = [
  'apiVersion',
  'kind',
  'name',
  'namespace',
  'type',
  'version',
  'image',
  'imageCredentials',
  'port',
  'route',
  'workloadRuntime',
  'metadata',
  'spec',
  'builder',
  'url',
  'revision',
  'sourceSubPath',
  'runtime',
  'triggers',
  'labels',
  'annotations',
  'value',
  'minReplicas',
  'maxReplicas',
  'pre',
  'post',
];

const RANK = new Map(LEADING_KEYS.map((key, i) => [key, i]));

/** Fields whose value is a map with user-chosen keys. */
const USER_MAPS = new Set([
  'annotations',
  'labels',
  'env',
  'params',
  'knative',
  'tags',
  'baggage',
  'bindings',
  'pubsub',
  'states',
  'matchLabels',
  'nodeSelector',
]);

function compareStructKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? LEADING_KEYS.length;
  const rb = RANK.get(b) ?? LEADING_KEYS.length;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareAlphabetical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy of `value` with every mapping's keys in output order. */
export function orderKeys<T>(value: T): T {
  return orderValue(value, false) as T;
}

function orderValue(value: unknown, isUserMap: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => orderValue(item, false));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  entries.sort(([a], [b]) => (isUserMap ? compareAlphabetical(a, b) : compareStructKeys(a, b)));
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    // A user map's values are structs again (bindings: {name: ComponentSpec}).
    out[key] = orderValue(item, !isUserMap && USER_MAPS.has(key) && isPlainObject(item));
  }
  return out;
}

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
