/**
 * The retry part of Dapr's Resiliency resources: named retry policies, component targets
 * (`spec.targets.components.<name>.inbound|outbound.retry`) and the default policies that
 * apply without a target (`Default<Block>ComponentInboundRetryPolicy`, then
 * `DefaultComponentInboundRetryPolicy`, `DefaultComponentRetryPolicy`,
 * `DefaultRetryPolicy`). Timeouts and circuit breakers are read but not applied.
 */
import { parseGoDuration } from '../../shared/go-compat/duration.js';
import type { Logger } from '../logger.js';
import type { ResiliencyDocument } from '../resources/component-resource.js';
import type { RetryPolicy } from '../../dapr-components/retry-policy.js';

export type ResiliencyBlock = 'Pubsub' | 'Binding' | 'Statestore' | 'Secretstore';
export type Direction = 'Inbound' | 'Outbound';

function duration(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  return parseGoDuration(text, 'ms') ?? fallback;
}

export class Resiliency {
  private readonly retries = new Map<string, RetryPolicy>();
  private readonly targets = new Map<string, { Inbound?: string; Outbound?: string }>();

  constructor(documents: readonly ResiliencyDocument[] = [], log?: Logger) {
    for (const doc of documents) {
      for (const [name, r] of Object.entries(doc.spec.policies?.retries ?? {})) {
        const maxRetries = r.maxRetries === undefined ? -1 : Number(r.maxRetries);
        this.retries.set(name, {
          policy: r.policy ?? 'constant',
          durationMs: duration(r.duration, 5000),
          initialIntervalMs: 500,
          maxIntervalMs: duration(r.maxInterval, 60_000),
          maxRetries: Number.isFinite(maxRetries) ? maxRetries : -1,
        });
      }
      for (const [component, t] of Object.entries(doc.spec.targets?.components ?? {})) {
        this.targets.set(component, { Inbound: t.inbound?.retry, Outbound: t.outbound?.retry });
        if (t.inbound?.timeout || t.outbound?.timeout || t.inbound?.circuitBreaker || t.outbound?.circuitBreaker) {
          log?.warn(`resiliency ${doc.metadata.name}: timeouts and circuit breakers for component ${component} are not applied by ofn-local's sidecar`);
        }
      }
    }
  }

  /** The retry policy for calls in `direction` of `component`, or undefined (no retries). */
  componentRetry(component: string, block: ResiliencyBlock, direction: Direction): RetryPolicy | undefined {
    const target = this.targets.get(component);
    if (target) {
      const name = target[direction];
      return name ? this.retries.get(name) : undefined;
    }
    for (const level of [`${block}Component${direction}`, `Component${direction}`, 'Component', '']) {
      const policy = this.retries.get(`Default${level}RetryPolicy`);
      if (policy) return policy;
    }
    return undefined;
  }
}
