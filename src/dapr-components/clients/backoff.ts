/** The `backOff*` metadata of components that retry deliveries (dapr/kit's retry config). */
import type { RetryPolicy } from '../retry-policy.js';
import { mdDuration, mdEnum, mdInt } from '../metadata.js';

export const backOffFields = {
  backOffPolicy: mdEnum(['constant', 'exponential'], 'constant'),
  backOffDuration: mdDuration(5000),
  backOffInitialInterval: mdDuration(500),
  backOffMaxInterval: mdDuration(60_000),
  backOffMaxRetries: mdInt(0),
};

export function backOffPolicy(md: {
  backOffPolicy: 'constant' | 'exponential';
  backOffDuration: number;
  backOffInitialInterval: number;
  backOffMaxInterval: number;
  backOffMaxRetries: number;
}): RetryPolicy {
  return {
    policy: md.backOffPolicy,
    durationMs: md.backOffDuration,
    initialIntervalMs: md.backOffInitialInterval,
    maxIntervalMs: md.backOffMaxInterval,
    maxRetries: md.backOffMaxRetries,
  };
}

