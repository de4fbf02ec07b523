/** Names and defaults of OpenFunction Events (`events.openfunction.io/v1alpha1`). */

export const EVENTS_API_VERSION = 'events.openfunction.io/v1alpha1';

export const EVENT_KINDS = ['EventSource', 'EventBus', 'ClusterEventBus', 'Trigger'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The bus name ofn-local serves with its embedded bus when no EventBus of that name is written. */
export const DEFAULT_BUS = 'default';

/** The handlers' klog level when `spec.logLevel` is not set (OpenFunction's default). */
export const DEFAULT_LOG_LEVEL = '1';

/** Event source kinds, in the order they are listed in messages. `http` is ofn-local's own. */
export const SOURCE_KINDS = ['cron', 'kafka', 'redis', 'mqtt', 'http'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** `events.openfunction.io/v1alpha1 EventSource`: how messages name the CRD a rule comes from. */
export function schemaName(kind: EventKind): string {
  return `${EVENTS_API_VERSION} ${kind}`;
}

export function isEventKind(apiVersion: string, kind: string): kind is EventKind {
  return apiVersion === EVENTS_API_VERSION && (EVENT_KINDS as readonly string[]).includes(kind);
}
