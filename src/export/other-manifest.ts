/**
 * The project's other manifests (Dapr Components, EventSources, EventBuses, ClusterEventBuses,
 * Triggers, Gateways) for the cluster: as written, apart from ofn-local's own parts (its keys, the
 * `http` webhook event source) and what a cluster writes itself (status, resourceVersion, ...);
 * the namespace the local run used is written out. Each change, and each place where the
 * cluster behaves differently from the local run, is a note. Pure.
 */
import type { FieldPath, JsonObject, Project } from '../model/index.js';
import { inMemoryComponentNote } from './cluster-notes.js';
import { METADATA_KEY_PLACES, stripLocalKeys } from './local-keys.js';
import { subjectOf, type Notes } from './notes.js';

type Other = Project['others'][number];

const EVENTS_V1ALPHA1 = 'events.openfunction.io/v1alpha1';
/** The only Function version OpenFunction 1.2's Trigger controller resolves a sink `ref` to. */
const SINK_REF_FUNCTION_API = 'core.openfunction.io/v1beta1';

/** Metadata a cluster writes; a manifest to apply does not carry it. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
];

export interface OtherExportContext {
  /** `<namespace>/<name>` of every EventBus, and `<name>` of every ClusterEventBus, in the project. */
  eventBuses: ReadonlySet<string>;
  notes: Notes;
}

export function otherManifest(other: Other, ctx: OtherExportContext): JsonObject {
  const { notes } = ctx;
  const subject = subjectOf(other.kind, other.namespace, other.name);
  const object = structuredClone(other.resource);
  const metadata: JsonObject = { ...asObject(object['metadata']) };
  object['metadata'] = metadata;

  const written = SERVER_METADATA.filter((key) => metadata[key] !== undefined);
  for (const key of written) delete metadata[key];
  if (object['status'] !== undefined) {
    delete object['status'];
    written.push('status');
  }
  if (written.length > 0) {
    notes.add(subject, undefined, `left out ${written.join(', ')}: written by a cluster, not part of a manifest to apply`);
  }
  if (other.namespace && metadata['namespace'] === undefined) metadata['namespace'] = other.namespace;

  for (const { path, value } of stripLocalKeys(object, METADATA_KEY_PLACES)) {
    notes.add(subject, path, `ofn-local's own key (value ${JSON.stringify(value)}); removed: it means nothing to a cluster`);
  }

  const spec = asObject(object['spec']);
  if (other.apiVersion === EVENTS_V1ALPHA1 && spec) {
    if (other.kind === 'EventSource') eventSourceNotes(spec, other, subject, ctx);
    if (other.kind === 'Trigger') triggerNotes(spec, other, subject, ctx);
    if (other.kind === 'EventBus' || other.kind === 'ClusterEventBus') eventBusNotes(spec, subject, notes);
  }
  if (other.kind === 'Component' && spec) inMemoryComponentNote(spec['type'], ['spec', 'type'], subject, notes);
  return object;
}

function eventSourceNotes(spec: JsonObject, other: Other, subject: string, ctx: OtherExportContext): void {
  const { notes } = ctx;
  const http = asObject(spec['http']);
  if (spec['http'] !== undefined) {
    delete spec['http'];
    const events = Object.keys(http ?? {});
    const left = ['kafka', 'cron', 'redis', 'mqtt'].some((kind) => asObject(spec[kind]) && Object.keys(asObject(spec[kind]) ?? {}).length > 0);
    notes.add(
      subject,
      ['spec', 'http'],
      `ofn-local's own webhook event source${events.length > 0 ? ` (events ${events.join(', ')})` : ''}; removed: ` +
        'a cluster has no such source: publish those events to a Kafka, MQTT or Redis source instead, or call the function directly' +
        (left ? '' : ' (this EventSource has no other source left)'),
    );
  }
  const sink = asObject(spec['sink']);
  if (sink && sink['uri'] === undefined && sink['ref'] !== undefined) {
    notes.add(
      subject,
      ['spec', 'sink'],
      'has a ref and no uri: the OpenFunction 1.2 controller needs sink.uri on an EventSource (a ref alone stops its reconcile); ' +
        'give the address, e.g. http://<function>.<namespace>.svc.cluster.local/',
    );
  }
  eventBusReferenceNote(spec, other, subject, ctx);
}

function triggerNotes(spec: JsonObject, other: Other, subject: string, ctx: OtherExportContext): void {
  const { notes } = ctx;
  eventBusReferenceNote(spec, other, subject, ctx);
  const subscribers = spec['subscribers'];
  if (!Array.isArray(subscribers)) return;
  subscribers.forEach((item, i) => {
    const subscriber = asObject(item);
    if (!subscriber) return;
    for (const field of ['deadLetterSink', 'deadLetterTopic'] as const) {
      if (subscriber[field] !== undefined) {
        notes.add(
          subject,
          ['spec', 'subscribers', i, field],
          'ofn-local delivers rejected events there; OpenFunction 1.2\'s trigger handler never uses it, so on the cluster such events are lost',
        );
      }
    }
    const ref = asObject(asObject(subscriber['sink'])?.['ref']);
    if (ref && asObject(subscriber['sink'])?.['uri'] === undefined) sinkRefNote(ref, ['spec', 'subscribers', i, 'sink', 'ref'], subject, notes);
  });
}

function sinkRefNote(ref: JsonObject, path: FieldPath, subject: string, notes: Notes): void {
  if (ref['kind'] === 'Function' && ref['apiVersion'] !== SINK_REF_FUNCTION_API) {
    notes.add(
      subject,
      [...path, 'apiVersion'],
      `${JSON.stringify(ref['apiVersion'])}: the OpenFunction 1.2 controller only resolves Function refs written as ${SINK_REF_FUNCTION_API}; write that, or give sink.uri`,
    );
  }
  if (ref['namespace'] === undefined) {
    notes.add(subject, [...path, 'namespace'], 'not set: the OpenFunction 1.2 controller looks the ref up in namespace "" and fails; set it, or give sink.uri');
  }
}

function eventBusReferenceNote(spec: JsonObject, other: Other, subject: string, ctx: OtherExportContext): void {
  const bus = spec['eventBus'];
  if (typeof bus !== 'string' || bus === '') return;
  if (ctx.eventBuses.has(`${other.namespace}/${bus}`) || ctx.eventBuses.has(bus)) return;
  ctx.notes.add(
    subject,
    ['spec', 'eventBus'],
    `"${bus}": no EventBus or ClusterEventBus of that name in the project; ofn-local used its embedded bus, ` +
      `the cluster needs an EventBus "${bus}" in namespace ${other.namespace} (or a ClusterEventBus) backed by NATS Streaming`,
  );
}

function eventBusNotes(spec: JsonObject, subject: string, notes: Notes): void {
  const nats = asObject(spec['natsStreaming']);
  if (!nats) return;
  const url = typeof nats['natsURL'] === 'string' ? ` at ${nats['natsURL']}` : '';
  notes.add(
    subject,
    ['spec', 'natsStreaming'],
    `the cluster needs a NATS Streaming server${url} (OpenFunction 1.2's event bus speaks NATS Streaming; ofn-local used NATS JetStream or its embedded bus)`,
  );
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
