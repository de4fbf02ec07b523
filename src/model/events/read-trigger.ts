/** One Trigger document to a validated, defaulted Trigger (no cross-references here). */
import type { DocumentReporter } from '../diagnostics.js';
import { checkAgainstSchema } from '../schema-issues.js';
import { checkCondition, isConditionName } from './condition.js';
import { DEFAULT_LOG_LEVEL, schemaName } from './constants.js';
import type { EventDocument } from './event-document.js';
import { busTopic } from './lookup.js';
import { checkSink, toSink } from './sink.js';
import { triggerSchema, type TriggerDocument } from './trigger-schema.js';
import type { Subscriber, Trigger, TriggerInput } from './types.js';

type SpecDocument = TriggerDocument['spec'];

export function readTrigger(doc: EventDocument, reporter: DocumentReporter): Trigger | undefined {
  const parsed = checkAgainstSchema(triggerSchema, doc.resource, reporter, { schemaName: schemaName('Trigger') });
  if (!parsed) return undefined;
  const errorsBefore = reporter.errors;
  checkTriggerSpec(parsed.spec, reporter);
  if (reporter.errors > errorsBefore) return undefined;
  return { kind: 'Trigger', name: doc.name, namespace: doc.namespace, origin: doc.origin, spec: toSpec(parsed.spec, doc.namespace) };
}

function checkTriggerSpec(spec: SpecDocument, reporter: DocumentReporter): void {
  if (spec.eventBus === '') {
    reporter.error(['spec', 'eventBus'], 'must not be empty: expected the bus the inputs\' events travel on, e.g. default (ofn-local\'s embedded bus)');
  }
  const inputNames = Object.keys(spec.inputs);
  if (inputNames.length === 0) {
    reporter.error(['spec', 'inputs'], 'expected at least one input, e.g. orders: {eventSource: shop, event: orders}');
  }
  for (const name of inputNames) {
    if (!isConditionName(name)) {
      reporter.warning(
        ['spec', 'inputs', name],
        `input name "${name}" cannot appear in a condition (not a CEL identifier, or a reserved word); ` +
          'use letters, digits and "_", e.g. order_created',
      );
    }
  }
  if (spec.subscribers.length === 0) {
    reporter.error(['spec', 'subscribers'], 'expected at least one subscriber, e.g. {condition: orders, sink: {uri: "http://fn.default.svc.cluster.local/"}}');
  }
  spec.subscribers.forEach((subscriber, i) => {
    const at = ['spec', 'subscribers', i];
    if (!subscriber.sink && !subscriber.topic) {
      reporter.error(at, 'expected sink, topic, or both: where the event goes when the condition holds');
    }
    if (subscriber.sink) checkSink(subscriber.sink, [...at, 'sink'], reporter);
    if (subscriber.deadLetterSink) checkSink(subscriber.deadLetterSink, [...at, 'deadLetterSink'], reporter);
    const problem = checkCondition(subscriber.condition, inputNames);
    if (problem) {
      const column = problem.column !== undefined ? ` (at column ${problem.column})` : '';
      reporter.error([...at, 'condition'], `${problem.message}${column}`);
    }
  });
}

function toSpec(spec: SpecDocument, namespace: string): Trigger['spec'] {
  const inputs: Record<string, TriggerInput> = {};
  for (const [name, input] of Object.entries(spec.inputs)) {
    const inputNamespace = input.namespace || namespace;
    inputs[name] = {
      name,
      namespace: inputNamespace,
      eventSource: input.eventSource,
      event: input.event,
      topic: busTopic(inputNamespace, input.eventSource, input.event),
    };
  }
  const subscribers = spec.subscribers.map(
    (s): Subscriber => ({
      condition: s.condition,
      ...(s.sink ? { sink: toSink(s.sink, namespace) } : {}),
      ...(s.deadLetterSink ? { deadLetterSink: toSink(s.deadLetterSink, namespace) } : {}),
      ...(s.topic ? { topic: s.topic } : {}),
      ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
    }),
  );
  return { eventBus: spec.eventBus, inputs, subscribers, logLevel: spec.logLevel || DEFAULT_LOG_LEVEL };
}
