/**
 * Rules across documents: the buses EventSources and Triggers name, the EventSources and events
 * Trigger inputs name, and webhook paths used twice. A reference to a document that has errors
 * of its own is not reported again.
 */
import type { DocumentReporter } from '../diagnostics.js';
import { DEFAULT_BUS } from './constants.js';
import { placeOf, qualifiedName, type EventDocument } from './event-document.js';
import { eventsOf } from './lookup.js';
import type { EventBus, EventSource, Trigger } from './types.js';

export type EventResource = EventSource | EventBus | Trigger;

export interface Entry {
  doc: EventDocument;
  reporter: DocumentReporter;
  /** Undefined when the document has errors of its own. */
  resource: EventResource | undefined;
}

/** Checks every reference between `entries` (duplicates already taken out). */
export function checkReferences(entries: readonly Entry[], cwd: string): void {
  const index = indexOf(entries);
  for (const entry of entries) {
    const resource = entry.resource;
    if (resource?.kind === 'EventSource' && resource.spec.eventBus) {
      checkBus(resource.spec.eventBus, resource.namespace, entry.reporter, index);
    }
    if (resource?.kind === 'Trigger') {
      checkBus(resource.spec.eventBus, resource.namespace, entry.reporter, index);
      checkInputs(resource, entry.reporter, index);
    }
  }
  checkWebhookPaths(entries, cwd);
}

interface Index {
  /** `<namespace>/<name>` of every EventBus. */
  buses: Set<string>;
  clusterBuses: Set<string>;
  /** Every EventSource by `<namespace>/<name>`, valid or not. */
  sources: Map<string, Entry>;
}

function indexOf(entries: readonly Entry[]): Index {
  const index: Index = { buses: new Set(), clusterBuses: new Set(), sources: new Map() };
  for (const entry of entries) {
    const { kind, namespace, name } = entry.doc;
    if (kind === 'EventBus') index.buses.add(`${namespace}/${name}`);
    if (kind === 'ClusterEventBus') index.clusterBuses.add(name);
    if (kind === 'EventSource') index.sources.set(`${namespace}/${name}`, entry);
  }
  return index;
}

/** Which bus `name` means in `namespace`: the EventBus there, the ClusterEventBus, or the embedded one. */
function busIdentity(name: string, namespace: string, index: Index): string {
  if (index.buses.has(`${namespace}/${name}`)) return `EventBus ${namespace}/${name}`;
  if (index.clusterBuses.has(name)) return `ClusterEventBus ${name}`;
  return `ofn-local's embedded bus "${name}"`;
}

function checkBus(name: string, namespace: string, reporter: DocumentReporter, index: Index): void {
  // The embedded bus serves `default` without any manifest, as a cluster with OpenFunction's default bus would.
  if (name === DEFAULT_BUS || index.buses.has(`${namespace}/${name}`) || index.clusterBuses.has(name)) return;
  reporter.warning(
    ['spec', 'eventBus'],
    `no EventBus "${name}" in namespace ${namespace} and no ClusterEventBus "${name}" in the project: ` +
      `ofn-local carries these events on its embedded bus; add an EventBus (or ClusterEventBus) named "${name}" ` +
      'for a cluster, or write eventBus: default',
  );
}

function checkInputs(trigger: Trigger, reporter: DocumentReporter, index: Index): void {
  for (const input of Object.values(trigger.spec.inputs)) {
    const at = ['spec', 'inputs', input.name];
    const entry = index.sources.get(`${input.namespace}/${input.eventSource}`);
    if (!entry) {
      const known = [...index.sources.values()].filter((e) => e.doc.namespace === input.namespace).map((e) => e.doc.name);
      reporter.error(
        [...at, 'eventSource'],
        `no EventSource "${input.eventSource}" in namespace ${input.namespace}: input "${input.name}" waits for its event ` +
          `"${input.event}"; add that EventSource or fix the name ` +
          (known.length > 0 ? `(EventSources in ${input.namespace}: ${known.join(', ')})` : `(there is none in ${input.namespace})`),
      );
      continue;
    }
    const source = entry.resource;
    if (source?.kind !== 'EventSource') continue; // Its own errors are reported.
    const events = eventsOf(source).map((e) => e.event);
    const sourceName = qualifiedName(source.namespace, source.name);
    if (!events.includes(input.event)) {
      // A cluster accepts such a Trigger (nothing checks the reference there): it runs, the input never holds.
      reporter.warning(
        [...at, 'event'],
        `EventSource ${sourceName} defines no event "${input.event}" (its events: ${events.join(', ')}): ` +
          `input "${input.name}" can never hold, so a condition that needs it never matches; ` +
          'name one of those events, or add the event to the EventSource',
      );
      continue;
    }
    const sourceBus = source.spec.eventBus;
    if (!sourceBus) {
      reporter.warning(
        [...at, 'eventSource'],
        `EventSource ${sourceName} has no eventBus: it sends its events only to its sink, so input "${input.name}" never fires; ` +
          `add eventBus: ${trigger.spec.eventBus} to the EventSource`,
      );
      continue;
    }
    const from = busIdentity(sourceBus, source.namespace, index);
    const to = busIdentity(trigger.spec.eventBus, trigger.namespace, index);
    if (from !== to) {
      reporter.warning(
        [...at, 'eventSource'],
        `EventSource ${sourceName} publishes on ${from}, this Trigger listens on ${to}: input "${input.name}" fires only if ` +
          'both carry the same topics; use the same eventBus in both',
      );
    }
  }
}

/** ofn-local's webhook source: one path serves one event. */
function checkWebhookPaths(entries: readonly Entry[], cwd: string): void {
  const first = new Map<string, { entry: Entry; event: string }>();
  for (const entry of entries) {
    const source = entry.resource;
    if (source?.kind !== 'EventSource') continue;
    for (const [event, http] of Object.entries(source.spec.http)) {
      if (http.path === undefined) continue;
      const seen = first.get(http.path);
      if (!seen) {
        first.set(http.path, { entry, event });
        continue;
      }
      const other = seen.entry.doc;
      entry.reporter.error(
        ['spec', 'http', event, 'path'],
        `"${http.path}" is already the webhook of EventSource ${qualifiedName(other.namespace, other.name)}, event ${seen.event} ` +
          `(${placeOf(other, ['spec', 'http', seen.event, 'path'], cwd)}); give each webhook its own path`,
      );
    }
  }
}
