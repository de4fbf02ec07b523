/** What the routers need from the running sidecar; routers never reach further. */
import type { AppChannel } from '../app-channel/app-channel.js';
import type { Logger } from '../logger.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import type { Resiliency } from '../runtime/resiliency.js';
import type { SidecarFlags } from '../flags.js';
import type { SubscriptionSpec } from '../resources/load-resources.js';
import type { CaptureSink } from '../capture.js';
import type { AppIdResolver } from '../app-ids.js';

export interface ApiContext {
  flags: SidecarFlags;
  registry: ComponentRegistry;
  resiliency: Resiliency;
  log: Logger;
  /** Present when --app-port is set. */
  appChannel?: AppChannel;
  /** Values set through PUT /v1.0/metadata/{key}. */
  extended: Map<string, string>;
  /** Active subscriptions, for /v1.0/metadata. */
  subscriptions(): SubscriptionSpec[];
  /** Components loaded and API up. */
  outboundReady(): boolean;
  /** Whole start-up done (app channel initialised). */
  ready(): boolean;
  /** Where another app id answers (other local sidecars) and what it enforces, or undefined. */
  resolveAppId?: AppIdResolver;
  /** This app's namespace (NAMESPACE, as Dapr's injector sets it): part of its identity to other apps. */
  namespace: string;
  /** Sees every output binding call and publish that succeeded (ofn-local's output capture). */
  capture?: CaptureSink;
  /** Asks the sidecar to shut down (POST /v1.0/shutdown). */
  shutdown(): void;
}
