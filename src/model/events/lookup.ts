/** Names and lookups over the events model (pure functions over plain data). */
import { SOURCE_KINDS } from './constants.js';
import type { EventBus, EventSource, EventsModel, SourceEvent } from './types.js';

/** The bus topic an EventSource's event is published on: `<namespace>-<eventSource>-<event>`. */
export function busTopic(namespace: string, eventSource: string, event: string): string {
  return `${namespace}-${eventSource}-${event}`;
}

/**
 * The bus a resource in `namespace` means by `name`: the EventBus of that name in the namespace,
 * else the ClusterEventBus of that name (as the OpenFunction controller looks it up). Undefined:
 * none is written, and ofn-local carries the events on its embedded bus.
 */
export function findBus(model: EventsModel, name: string, namespace: string): EventBus | undefined {
  return (
    model.eventBuses.find((b) => b.name === name && b.namespace === namespace) ??
    model.clusterEventBuses.find((b) => b.name === name)
  );
}

export function findEventSource(model: EventsModel, name: string, namespace: string): EventSource | undefined {
  return model.eventSources.find((s) => s.name === name && s.namespace === namespace);
}

/** The events an EventSource defines, source kind by source kind. */
export function eventsOf(source: EventSource): SourceEvent[] {
  return SOURCE_KINDS.flatMap((sourceKind) => Object.keys(source.spec[sourceKind]).map((event) => ({ sourceKind, event })));
}

/** The empty model. */
export function emptyEventsModel(): EventsModel {
  return { eventSources: [], eventBuses: [], clusterEventBuses: [], triggers: [] };
}
