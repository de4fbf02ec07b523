/**
 * Differences between the local run and a cluster that show in any manifest: addresses that only
 * mean something on this machine, and Dapr components that keep their data inside one sidecar.
 * Pure: each finding becomes a note.
 */
import type { FieldPath, JsonObject } from '../model/index.js';
import type { Notes } from './notes.js';

const LOCAL_HOST =
  /(?:^|[/@\s"'=,(])(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal|[a-z0-9.-]+\.ofn\.localhost)(?=$|[:/\s"',)?])/i;

/** Strings that are not addresses however they look. */
const SKIPPED_KEYS = new Set(['kubectl.kubernetes.io/last-applied-configuration', 'description']);

/** Every string in the manifest naming this machine (localhost, host.docker.internal, *.ofn.localhost). */
export function localAddressNotes(object: JsonObject, subject: string, notes: Notes): void {
  walk(object, [], (path, text) => {
    const match = LOCAL_HOST.exec(text);
    if (!match) return;
    notes.add(
      subject,
      path,
      `${JSON.stringify(text)} names ${match[1]}, an address on this machine: on the cluster use the service's ` +
        'address (a function: http://<name>.<namespace>.svc.cluster.local/)',
    );
  });
}

const IN_MEMORY_TYPES = new Set(['pubsub.in-memory', 'state.in-memory']);

/** Dapr components whose data lives inside one sidecar: fine on one laptop, not shared on a cluster. */
export function inMemoryComponentNote(type: unknown, path: FieldPath, subject: string, notes: Notes): void {
  if (typeof type !== 'string' || !IN_MEMORY_TYPES.has(type)) return;
  const instead = type.startsWith('pubsub.') ? 'a broker (e.g. pubsub.redis or pubsub.kafka)' : 'a shared store (e.g. state.redis)';
  notes.add(
    subject,
    path,
    `${type} keeps its data inside one Dapr sidecar: on the cluster every replica (and the dapr-proxy) has its own; use ${instead}`,
  );
}

/** The component types of a Function's own bindings, pubsub and states. */
export function functionComponentNotes(object: JsonObject, subject: string, notes: Notes): void {
  const serving = asObject(asObject(object['spec'])?.['serving']);
  if (!serving) return;
  for (const block of ['bindings', 'pubsub'] as const) {
    for (const [name, spec] of Object.entries(asObject(serving[block]) ?? {})) {
      inMemoryComponentNote(asObject(spec)?.['type'], ['spec', 'serving', block, name, 'type'], subject, notes);
    }
  }
  for (const [name, state] of Object.entries(asObject(serving['states']) ?? {})) {
    // v1beta2 wraps the spec ({spec: {type}}); v1beta1 does not.
    const entry = asObject(state);
    const spec = asObject(entry?.['spec']) ?? entry;
    const path: FieldPath = asObject(entry?.['spec']) ? ['spec', 'serving', 'states', name, 'spec', 'type'] : ['spec', 'serving', 'states', name, 'type'];
    inMemoryComponentNote(spec?.['type'], path, subject, notes);
  }
}

function walk(value: unknown, path: FieldPath, visit: (path: FieldPath, text: string) => void): void {
  if (typeof value === 'string') {
    visit(path, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], visit));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!SKIPPED_KEYS.has(key)) walk(item, [...path, key], visit);
    }
  }
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
