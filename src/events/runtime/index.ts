/** The events runtime: event sources, the event bus (embedded or NATS JetStream) and triggers, in-process. */
export {
  DEFAULT_INPUT_WINDOW_MS,
  DEFAULT_RETRY,
  EventsEngine,
  EventsError,
  defaultSinkUrl,
  type EventsErrorCode,
  type SourceStatus,
  type WebhookRoute,
} from './engine.js';
export type { BusEvent, EventHop, EventsEngineOptions, HopStage, HopStatus, RetryOptions } from './types.js';
export type { Bus, BusHandler, BusSubscription } from './bus.js';
export { EmbeddedBus } from './embedded-bus.js';
export { JetStreamBus, natsName } from './jetstream-bus.js';
export { sniffContentType, unwrapEvent, wrapEvent, type UnwrappedEvent, type WrapRequest } from './envelope.js';
export { resolveList, resolveUrlAuthority, sourceAppId } from './sources.js';
export { webhookEventProblem, type WebhookHeaders } from './webhook-event.js';
export { TriggerRunner, triggerGroup, type TriggerContext } from './trigger.js';
