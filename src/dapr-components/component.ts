/**
 * Contracts between the sidecar and its components. A component type is a plugin: a
 * metadata schema (zod, applied to the normalised `{name: value}` record) and a factory.
 * Components speak bytes and string maps only; the HTTP routers and the app channel do
 * the Dapr API's JSON and CloudEvents.
 */
import type { z } from 'zod';

import type { Logger } from '../shared/logger.js';

/** Request or response metadata, as daprd passes it: flat string pairs. */
export type Metadata = Record<string, string>;

export interface ComponentContext {
  /** `metadata.name` of the Component. */
  name: string;
  appId: string;
  /** The sidecar's NAMESPACE, when set. */
  namespace?: string;
  log: Logger;
  /** Relative paths in metadata (localstorage `rootPath`) resolve from here. */
  cwd: string;
  /** The sidecar's environment (secretstores.local.env reads it). */
  env: Record<string, string | undefined>;
}

/** What every component has: connect (may throw; the sidecar retries) and close. */
export interface Lifecycle {
  init(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------- state

export type StateFeature = 'ETAG' | 'TRANSACTIONAL' | 'TTL' | 'QUERY_API' | 'DELETE_WITH_PREFIX' | 'KEYS_LIKE' | 'ACTOR';

export interface StateOptions {
  concurrency?: 'first-write' | 'last-write';
  consistency?: 'eventual' | 'strong';
}

export interface StateGetRequest {
  key: string;
  metadata: Metadata;
}

export interface StateItem {
  data: Buffer;
  etag?: string;
  /** e.g. `ttlExpireTime`. */
  metadata?: Metadata;
}

export interface StateSetRequest {
  key: string;
  /** The value as it is stored (JSON text for JSON values). */
  value: Buffer;
  etag?: string;
  metadata: Metadata;
  options: StateOptions;
}

export interface StateDeleteRequest {
  key: string;
  etag?: string;
  metadata: Metadata;
  options: StateOptions;
}

export type StateOperation =
  | { operation: 'upsert'; request: StateSetRequest }
  | { operation: 'delete'; request: StateDeleteRequest };

export interface StateStore extends Lifecycle {
  readonly features: readonly StateFeature[];
  /** Undefined when the key is absent or expired. */
  get(req: StateGetRequest): Promise<StateItem | undefined>;
  /** Throws StateEtagError on a concurrency conflict. */
  set(req: StateSetRequest): Promise<void>;
  delete(req: StateDeleteRequest): Promise<void>;
  /** All-or-nothing; present when `features` has TRANSACTIONAL. */
  transact?(operations: StateOperation[], metadata: Metadata): Promise<void>;
}

/** `mismatch` answers 409 on save/delete; `invalid` answers 400. */
export class StateEtagError extends Error {
  override name = 'StateEtagError';
  constructor(
    readonly kind: 'mismatch' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------- pubsub

export type PubSubFeature = 'SUBSCRIBE_WILDCARDS' | 'MESSAGE_TTL' | 'BULK_PUBSUB';

export interface PublishRequest {
  topic: string;
  data: Buffer;
  contentType?: string;
  metadata: Metadata;
}

export interface PubSubMessage {
  topic: string;
  data: Buffer;
  contentType?: string;
  metadata: Metadata;
}

/** Resolves when the message is handled (acknowledge); rejects to fail it (the component decides what that means). */
export type MessageHandler = (message: PubSubMessage) => Promise<void>;

export interface SubscribeRequest {
  topic: string;
  /** The subscription's metadata (from `/dapr/subscribe` or a Subscription resource). */
  metadata: Metadata;
}

export interface Closable {
  close(): Promise<void>;
}

/**
 * Told when a component's client loses its broker connection (with the reason) and when it has it
 * again: the clients reconnect by themselves, and whoever runs the component shows the outage.
 */
export type ConnectionListener = (connected: boolean, reason?: string) => void;

export interface PubSub extends Lifecycle {
  readonly features: readonly PubSubFeature[];
  /** Connection changes of its subscriptions' client, from now on (brokers with a connection). */
  onConnection?(listener: ConnectionListener): void;
  publish(req: PublishRequest): Promise<void>;
  subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable>;
}

// ---------------------------------------------------------------------------- bindings

export interface BindingRequest {
  operation: string;
  data: Buffer;
  metadata: Metadata;
}

export interface BindingResponse {
  data?: Buffer;
  metadata?: Metadata;
  contentType?: string;
}

export interface InputEvent {
  data: Buffer;
  metadata: Metadata;
}

/** Resolves with the app's answer body; rejects when the app failed the event. */
export type InputHandler = (event: InputEvent) => Promise<Buffer | undefined>;

/** A binding has an output side (`operations` + `invoke`), an input side (`read`), or both. */
export interface Binding extends Lifecycle {
  readonly operations?: readonly string[];
  invoke?(req: BindingRequest): Promise<BindingResponse | undefined>;
  /** Starts delivering events to `handler`; `close` stops it. */
  read?(handler: InputHandler): Promise<void>;
  /** Connection changes of its input's client, once `read` started it (brokers with a connection). */
  onConnection?(listener: ConnectionListener): void;
}

/** A failed output call that still carries response metadata (HTTP binding: statusCode). */
export class BindingError extends Error {
  override name = 'BindingError';
  constructor(
    message: string,
    readonly metadata: Metadata = {},
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------- secrets

export interface SecretStore extends Lifecycle {
  /** The key/value pairs of one secret; throws when it does not exist. */
  get(name: string, metadata: Metadata): Promise<Metadata>;
  bulkGet(metadata: Metadata): Promise<Record<string, Metadata>>;
}

// ---------------------------------------------------------------------------- plugins

/**
 * `create` may be async so that a plugin can import its broker client lazily: the
 * bundled sidecar then only loads (and pays memory for) the clients it uses.
 */
interface PluginBase<M> {
  /** Parses the normalised metadata record; failures become a component error naming the fields. */
  readonly metadata: z.ZodType<M>;
}

export interface StatePlugin<M = unknown> extends PluginBase<M> {
  readonly block: 'state';
  create(metadata: M, ctx: ComponentContext): StateStore | Promise<StateStore>;
}

export interface PubSubPlugin<M = unknown> extends PluginBase<M> {
  readonly block: 'pubsub';
  create(metadata: M, ctx: ComponentContext): PubSub | Promise<PubSub>;
}

export interface BindingPlugin<M = unknown> extends PluginBase<M> {
  readonly block: 'bindings';
  /** Whether the type can be read from / written to at all (metadata `direction` narrows it further). */
  readonly input: boolean;
  readonly output: boolean;
  create(metadata: M, ctx: ComponentContext): Binding | Promise<Binding>;
}

export interface SecretStorePlugin<M = unknown> extends PluginBase<M> {
  readonly block: 'secretstores';
  create(metadata: M, ctx: ComponentContext): SecretStore | Promise<SecretStore>;
}

export type ComponentPlugin = StatePlugin | PubSubPlugin | BindingPlugin | SecretStorePlugin;
export type Block = ComponentPlugin['block'];
