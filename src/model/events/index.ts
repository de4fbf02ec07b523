/** The events model: parse, default and validate EventSources, EventBuses and Triggers; CEL conditions. */
export type {
  CronEventSpec,
  EventBus,
  EventBusScaleOption,
  EventBusSpec,
  EventSource,
  EventSourceSpec,
  EventsModel,
  HttpEventSpec,
  KafkaEventSpec,
  KafkaScaleOption,
  MqttEventSpec,
  NatsStreamingSpec,
  RedisEventSpec,
  Sink,
  SinkRef,
  SourceEvent,
  Subscriber,
  Trigger,
  TriggerInput,
  TriggerSpec,
} from './types.js';
export {
  DEFAULT_BUS,
  DEFAULT_LOG_LEVEL,
  EVENTS_API_VERSION,
  EVENT_KINDS,
  SOURCE_KINDS,
  isEventKind,
  type EventKind,
  type SourceKind,
} from './constants.js';
export type { EventDocument } from './event-document.js';
export { loadEvents, type LoadEventsOptions } from './load-events.js';
export { busTopic, emptyEventsModel, eventsOf, findBus, findEventSource } from './lookup.js';
export {
  ConditionError,
  checkCondition,
  compileCondition,
  isConditionName,
  type Condition,
  type ConditionProblem,
} from './condition.js';
