import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  busTopic,
  eventsOf,
  findBus,
  findEventSource,
  loadEvents,
  type EventDocument,
  type EventsModel,
} from '../../../../src/model/events/index.js';
import { DiagnosticList } from '../../../../src/model/diagnostics.js';
import { formatDiagnostic, loadProject } from '../../../../src/model/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/events');
const shop = path.join(fixtures, 'shop');

async function loadShop(): Promise<{ model: EventsModel; others: EventDocument[] }> {
  const project = await loadProject([shop], { cwd: fixtures });
  expect(project.warnings.map((w) => formatDiagnostic(w, fixtures))).toEqual([]);
  return { model: project.events, others: project.others };
}

describe('loadProject: the events of a project shaped like OpenFunction\'s samples', () => {
  it('loads every kind, in manifest order, with their origins', async () => {
    const { model } = await loadShop();
    const names = (list: { namespace: string; name: string; origin: { file: string; doc: number } }[]) =>
      list.map((r) => `${r.namespace}/${r.name} ${path.basename(r.origin.file)}#${r.origin.doc}`);
    expect(names(model.eventBuses)).toEqual(['default/default event-bus.yaml#0', 'shop/shared event-bus.yaml#2']);
    expect(names(model.clusterEventBuses)).toEqual(['/shared event-bus.yaml#1']);
    expect(names(model.eventSources)).toEqual(['default/my-eventsource event-sources.yaml#0', 'orders/multi-source event-sources.yaml#1']);
    expect(names(model.triggers)).toEqual(['default/trigger-sample triggers.yaml#0', 'orders/orders-trigger triggers.yaml#1']);
  });

  it('applies the defaults: logLevel "1", empty source maps, sink ref and input namespaces from the referrer', async () => {
    const { model } = await loadShop();
    const [kafkaSource, multi] = model.eventSources;
    expect(kafkaSource!.spec.logLevel).toBe('2');
    expect(kafkaSource!.spec.sink).toEqual({
      ref: { apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', name: 'function-sample', namespace: 'default' },
    });
    expect(kafkaSource!.spec.kafka['sample-one']).toMatchObject({ brokers: expect.stringContaining(':9092'), topic: 'events-sample', authRequired: false });
    expect(kafkaSource!.spec.redis).toEqual({});
    expect(multi!.spec.logLevel).toBe('1');
    expect(multi!.spec.sink).toBeUndefined();
    expect(multi!.spec.http).toEqual({ 'order-webhook': { path: '/hooks/orders' } });

    const [sample, orders] = model.triggers;
    expect(sample!.spec.logLevel).toBe('2');
    expect(orders!.spec.logLevel).toBe('1');
    expect(orders!.spec.inputs['webhook']).toEqual({
      name: 'webhook',
      namespace: 'orders',
      eventSource: 'multi-source',
      event: 'order-webhook',
      topic: 'orders-multi-source-order-webhook',
    });
    expect(orders!.spec.subscribers[0]!.sink!.ref!.namespace).toBe('orders');
    expect(orders!.spec.subscribers[0]!.deadLetterSink).toEqual({ uri: 'http://dead-letters.orders.svc.cluster.local/' });
    expect(sample!.spec.subscribers).toEqual([
      { condition: 'inputDemo', sink: { uri: 'http://function-sample.default.svc.cluster.local/' } },
      { condition: 'inputDemo && tick', topic: 'metrics', deadLetterTopic: 'metrics-dead' },
    ]);
  });

  it('keeps an input namespace written out, and a sink ref namespace written out', async () => {
    const events = loadEvents([
      eventDoc('EventSource', 'es', 'shop', { eventBus: 'default', cron: { tick: { schedule: '@hourly' } } }),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'tick', namespace: 'shop' } },
        subscribers: [{ condition: 'a', sink: { ref: { apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', name: 'fn', namespace: 'ops' } } }],
      }),
    ]);
    const trigger = events.triggers[0]!;
    expect(trigger.spec.inputs['a']).toMatchObject({ namespace: 'shop', topic: 'shop-es-tick' });
    expect(trigger.spec.subscribers[0]!.sink!.ref!.namespace).toBe('ops');
  });

  it('gives the same model from project.others, without line numbers', async () => {
    const { model, others } = await loadShop();
    const diagnostics = new DiagnosticList();
    expect(loadEvents(others, { diagnostics })).toEqual(model);
    expect(diagnostics.items).toEqual([]);
  });
});

describe('lookups', () => {
  it('findBus: the EventBus of the namespace first, then the ClusterEventBus of that name', async () => {
    const { model } = await loadShop();
    expect(findBus(model, 'shared', 'shop')).toMatchObject({ kind: 'EventBus', namespace: 'shop', name: 'shared' });
    expect(findBus(model, 'shared', 'orders')).toMatchObject({ kind: 'ClusterEventBus', namespace: '', name: 'shared' });
    expect(findBus(model, 'default', 'default')).toMatchObject({ kind: 'EventBus', namespace: 'default' });
    // No EventBus "default" in shop and no ClusterEventBus "default": the embedded bus.
    expect(findBus(model, 'default', 'shop')).toBeUndefined();
    expect(findBus(model, 'nats', 'default')).toBeUndefined();
  });

  it('findEventSource and eventsOf', async () => {
    const { model } = await loadShop();
    expect(findEventSource(model, 'multi-source', 'default')).toBeUndefined();
    const multi = findEventSource(model, 'multi-source', 'orders')!;
    expect(eventsOf(multi)).toEqual([
      { sourceKind: 'cron', event: 'nightly' },
      { sourceKind: 'redis', event: 'cache-change' },
      { sourceKind: 'mqtt', event: 'sensor' },
      { sourceKind: 'http', event: 'order-webhook' },
    ]);
  });

  it('busTopic: <namespace>-<eventSource>-<event>, the topic upstream publishes on', () => {
    expect(busTopic('default', 'my-eventsource', 'sample-one')).toBe('default-my-eventsource-sample-one');
  });
});

describe('loadEvents on its own', () => {
  it('skips documents of other kinds and keeps resources with errors out of the model', () => {
    const diagnostics = new DiagnosticList();
    const model = loadEvents(
      [
        { ...eventDoc('EventSource', 'x', 'default', {}), apiVersion: 'dapr.io/v1alpha1', kind: 'Component' },
        eventDoc('EventSource', 'good', 'default', { eventBus: 'default', cron: { tick: { schedule: '@daily' } } }),
        eventDoc('EventSource', 'bad', 'default', { eventBus: 'default' }),
        eventDoc('Trigger', 't', 'default', { eventBus: 'default', inputs: { a: { eventSource: 'good', event: 'tock' } }, subscribers: [{ condition: 'a', topic: 'x' }] }),
      ],
      { diagnostics },
    );
    expect(model.eventSources.map((s) => s.name)).toEqual(['good']);
    // An input on an event its EventSource lacks is a warning (a cluster accepts it): the Trigger runs.
    expect(model.triggers.map((t) => t.name)).toEqual(['t']);
    expect(diagnostics.items.map((d) => `${d.severity} ${path.basename(d.file)} ${d.path}: ${d.message}`)).toEqual([
      expect.stringMatching(/^error bad\.yaml spec: defines no events: /),
      expect.stringMatching(/^warning t\.yaml spec\.inputs\.a\.event: EventSource default\/good defines no event "tock" \(its events: tick\): input "a" can never hold/),
    ]);
    expect(diagnostics.items.every((d) => d.line === undefined)).toBe(true);
  });
});

/** A document as loadProject keeps it, without line information. */
function eventDoc(kind: string, name: string, namespace: string, spec: Record<string, unknown>): EventDocument {
  return {
    apiVersion: 'events.openfunction.io/v1alpha1',
    kind,
    name,
    namespace,
    origin: { file: path.join(fixtures, `${name}.yaml`), doc: 0 },
    resource: { apiVersion: 'events.openfunction.io/v1alpha1', kind, metadata: { name, namespace }, spec },
  };
}
