/**
 * Every component type the sidecar knows, keyed by Dapr `spec.type`, aliases included.
 * One literal map, so adding a type is one import and one line.
 */
import type { ComponentPlugin } from './component.js';
import { CRON_BINDING_PLUGIN } from './bindings/cron/index.js';
import { HTTP_BINDING_PLUGIN } from './bindings/http/index.js';
import { KAFKA_BINDING_PLUGIN } from './bindings/kafka/index.js';
import { LOCALSTORAGE_BINDING_PLUGIN } from './bindings/localstorage/index.js';
import { MQTT_BINDING_PLUGIN } from './bindings/mqtt3/index.js';
import { REDIS_BINDING_PLUGIN } from './bindings/redis/index.js';
import { IN_MEMORY_PUBSUB_PLUGIN } from './pubsub/in-memory/index.js';
import { JETSTREAM_PUBSUB_PLUGIN } from './pubsub/jetstream/index.js';
import { KAFKA_PUBSUB_PLUGIN } from './pubsub/kafka/index.js';
import { MQTT_PUBSUB_PLUGIN } from './pubsub/mqtt3/index.js';
import { REDIS_PUBSUB_PLUGIN } from './pubsub/redis/index.js';
import { LOCAL_ENV_SECRETSTORE_PLUGIN } from './secretstores/local-env/index.js';
import { LOCAL_FILE_SECRETSTORE_PLUGIN } from './secretstores/local-file/index.js';
import { IN_MEMORY_STATE_PLUGIN } from './state/in-memory/index.js';
import { REDIS_STATE_PLUGIN } from './state/redis/index.js';

export const COMPONENT_PLUGINS: Readonly<Record<string, ComponentPlugin>> = {
  'bindings.cron': CRON_BINDING_PLUGIN,
  'bindings.http': HTTP_BINDING_PLUGIN,
  'bindings.kafka': KAFKA_BINDING_PLUGIN,
  'bindings.localstorage': LOCALSTORAGE_BINDING_PLUGIN,
  'bindings.mqtt3': MQTT_BINDING_PLUGIN,
  'bindings.mqtt': MQTT_BINDING_PLUGIN,
  'bindings.redis': REDIS_BINDING_PLUGIN,
  'pubsub.in-memory': IN_MEMORY_PUBSUB_PLUGIN,
  'pubsub.jetstream': JETSTREAM_PUBSUB_PLUGIN,
  'pubsub.kafka': KAFKA_PUBSUB_PLUGIN,
  'pubsub.mqtt3': MQTT_PUBSUB_PLUGIN,
  'pubsub.mqtt': MQTT_PUBSUB_PLUGIN,
  'pubsub.redis': REDIS_PUBSUB_PLUGIN,
  'secretstores.local.env': LOCAL_ENV_SECRETSTORE_PLUGIN,
  'secretstores.local.file': LOCAL_FILE_SECRETSTORE_PLUGIN,
  'state.in-memory': IN_MEMORY_STATE_PLUGIN,
  'state.redis': REDIS_STATE_PLUGIN,
};

/** The plugin for a `spec.type` (Dapr types are case-sensitive), or undefined. */
export function findPlugin(type: string): ComponentPlugin | undefined {
  return Object.hasOwn(COMPONENT_PLUGINS, type) ? COMPONENT_PLUGINS[type] : undefined;
}

export type { ComponentPlugin } from './component.js';
