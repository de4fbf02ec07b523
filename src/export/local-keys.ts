/**
 * ofn-local's own labels and annotations (`ofn-local.dev/*`, e.g. `ofn-local.dev/source`) mean
 * nothing to a cluster: they are taken out of an exported manifest, and each removal is returned
 * so the caller can say what the cluster does instead.
 */
import type { FieldPath, JsonObject } from '../model/index.js';

export const LOCAL_KEY_PREFIX = 'ofn-local.dev/';

/** Where labels and annotations sit in every manifest. */
export const METADATA_KEY_PLACES: FieldPath[] = [
  ['metadata', 'labels'],
  ['metadata', 'annotations'],
];

/** ... and in a Function's pod template settings. */
export const FUNCTION_KEY_PLACES: FieldPath[] = [
  ...METADATA_KEY_PLACES,
  ['spec', 'serving', 'labels'],
  ['spec', 'serving', 'annotations'],
];

export interface RemovedKey {
  /** Path of the removed entry, e.g. `['metadata', 'annotations', 'ofn-local.dev/source']`. */
  path: FieldPath;
  key: string;
  value: unknown;
}

/** Removes every `ofn-local.dev/*` entry of the maps at `places` (in place); a map left empty goes too. */
export function stripLocalKeys(object: JsonObject, places: FieldPath[]): RemovedKey[] {
  const removed: RemovedKey[] = [];
  for (const place of places) {
    const parent = objectAt(object, place.slice(0, -1));
    const field = place[place.length - 1];
    if (!parent || typeof field !== 'string') continue;
    const map = parent[field];
    if (map === null || typeof map !== 'object' || Array.isArray(map)) continue;
    const entries = map as JsonObject;
    for (const key of Object.keys(entries).sort()) {
      if (!key.startsWith(LOCAL_KEY_PREFIX)) continue;
      removed.push({ path: [...place, key], key, value: entries[key] });
      delete entries[key];
    }
    if (Object.keys(entries).length === 0 && removed.some((r) => r.path.length === place.length + 1 && samePrefix(r.path, place))) {
      delete parent[field];
    }
  }
  return removed;
}

function objectAt(root: JsonObject, path: FieldPath): JsonObject | undefined {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as JsonObject)[segment as string];
  }
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as JsonObject) : undefined;
}

function samePrefix(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}
