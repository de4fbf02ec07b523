/**
 * The resources shared by the SDK conformance tests: in-memory state and pubsub, a cron
 * binding, a localstorage output binding, and a Resiliency default inbound retry for
 * pubsub deliveries (what the js-sdk "RETRY" tests rely on).
 */
import { component } from './harness.js';

export function conformanceResources(filesRoot: string): Record<string, string> {
  return {
    'components.yaml': [
      component('statestore', 'state.in-memory'),
      component('pubsub', 'pubsub.in-memory'),
      component('cron', 'bindings.cron', { schedule: '@every 1s' }),
      component('files', 'bindings.localstorage', { rootPath: filesRoot }),
    ].join('---\n'),
    'resiliency.yaml': `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: retries
spec:
  policies:
    retries:
      DefaultPubsubComponentInboundRetryPolicy:
        policy: constant
        duration: 100ms
        maxRetries: 3
  targets: {}
`,
  };
}
