/**
 * The project's EventSources, EventBuses, ClusterEventBuses and Triggers: each document checked
 * against its CRD schema and ofn-local's rules, duplicates and references checked across them,
 * defaults applied. Problems go to a DiagnosticList; the model holds only resources without errors.
 */
import { DiagnosticList, DocumentReporter } from '../diagnostics.js';
import { isEventKind } from './constants.js';
import { placeOf, qualifiedName, type EventDocument } from './event-document.js';
import { emptyEventsModel } from './lookup.js';
import { readEventBus } from './read-event-bus.js';
import { readEventSource } from './read-event-source.js';
import { readTrigger } from './read-trigger.js';
import { checkReferences, type Entry, type EventResource } from './references.js';
import type { EventsModel } from './types.js';

export interface LoadEventsOptions {
  /** Where problems are added; a new list when not given. */
  diagnostics?: DiagnosticList;
  /** Folder that file names in messages are relative to; default process.cwd(). */
  cwd?: string;
}

/** Documents of other kinds (Functions, Components, ...) are skipped, so `project.others` can be passed as is. */
export function loadEvents(documents: readonly EventDocument[], options: LoadEventsOptions = {}): EventsModel {
  const diagnostics = options.diagnostics ?? new DiagnosticList();
  const cwd = options.cwd ?? process.cwd();
  const entries = documents
    .filter((doc) => isEventKind(doc.apiVersion, doc.kind))
    .map((doc): Entry => {
      const reporter = new DocumentReporter(diagnostics, doc.origin.file, doc.origin.doc, doc.lineOf ?? (() => undefined));
      return { doc, reporter, resource: read(doc, reporter) };
    });
  const unique = withoutDuplicates(entries, cwd);
  checkReferences(unique, cwd);

  const model = emptyEventsModel();
  for (const { resource, reporter } of unique) {
    if (!resource || reporter.errors > 0) continue;
    if (resource.kind === 'EventSource') model.eventSources.push(resource);
    else if (resource.kind === 'Trigger') model.triggers.push(resource);
    else if (resource.kind === 'EventBus') model.eventBuses.push(resource);
    else model.clusterEventBuses.push(resource);
  }
  return model;
}

function read(doc: EventDocument, reporter: DocumentReporter): EventResource | undefined {
  switch (doc.kind) {
    case 'EventSource':
      return readEventSource(doc, reporter);
    case 'Trigger':
      return readTrigger(doc, reporter);
    case 'EventBus':
    case 'ClusterEventBus':
      return readEventBus(doc, doc.kind, reporter);
    default:
      return undefined;
  }
}

/** Reports a kind's name used twice in a namespace, naming the first place; keeps the first. */
function withoutDuplicates(entries: Entry[], cwd: string): Entry[] {
  const seen = new Map<string, Entry>();
  const unique: Entry[] = [];
  for (const entry of entries) {
    const { kind, namespace, name } = entry.doc;
    const key = `${kind}\0${namespace}\0${name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, entry);
      unique.push(entry);
      continue;
    }
    entry.reporter.error(
      ['metadata', 'name'],
      `duplicate ${kind} ${qualifiedName(namespace, name)}: also defined at ${placeOf(first.doc, ['metadata', 'name'], cwd)}`,
    );
  }
  return unique;
}
