/** ofn-local's Dapr sidecar: the public face. */
export { runSidecar, sidecarMain, sidecarUsage } from './main.js';
export type { RunSidecarOptions, RunningSidecar, SidecarIo } from './main.js';
export { parseSidecarFlags } from './flags.js';
export type { SidecarFlags } from './flags.js';
export { SidecarError } from './errors.js';
export { COMPONENT_PLUGINS } from '../dapr-components/index.js';
export type { ComponentStatus, ComponentState } from './runtime/component-registry.js';
export type { SubscriptionSpec } from './resources/load-resources.js';
export type { LogRecord, LogSink } from './logger.js';
export { SIDECAR_VERSION, DAPR_COMPAT_VERSION } from './version.js';
