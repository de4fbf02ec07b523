/**
 * Input bindings toward the app: a binding is read when the app answers the `OPTIONS
 * /<route>` probe with 2xx or 405 (or when its `direction` lists `input`, which skips the
 * probe). Each event is POSTed to `/<route>` as the raw bytes with the event metadata as
 * headers; a 2xx answer is success (its body goes back to the component), anything else
 * is an error for the component (after the Resiliency inbound policy, if any).
 */
import type { AppChannel } from '../app-channel/app-channel.js';
import type { Binding, InputEvent } from '../../dapr-components/component.js';
import { canonicalHeaderKey, isHeaderName, isSafeHeaderValue } from '../../shared/http-headers.js';
import type { Logger } from '../logger.js';
import { withRetries, type RetryPolicy } from '../../dapr-components/retry-policy.js';

export type ProbeResult = 'subscribed' | 'not-subscribed';

/** OPTIONS probe; throws on a connection error. */
export async function probeBinding(app: AppChannel, route: string): Promise<ProbeResult> {
  const answer = await app.request({ method: 'OPTIONS', path: route, headers: { 'content-type': 'application/json' }, timeoutMs: 3000 });
  return (answer.status >= 200 && answer.status < 300) || answer.status === 405 ? 'subscribed' : 'not-subscribed';
}

export function eventHeaders(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(metadata)) {
    const name = canonicalHeaderKey(k);
    if (name.toLowerCase() === 'content-type' || name.toLowerCase() === 'content-length') continue;
    if (isHeaderName(name) && isSafeHeaderValue(v)) out[name] = v;
  }
  return out;
}

export async function startInputBinding(opts: {
  name: string;
  route: string;
  binding: Binding;
  app: AppChannel;
  retry?: RetryPolicy;
  log: Logger;
  signal: AbortSignal;
}): Promise<void> {
  const { name, route, binding, app, log } = opts;
  if (!binding.read) return;
  const deliver = async (event: InputEvent): Promise<Buffer | undefined> => {
    const attempt = async (): Promise<Buffer> => {
      const answer = await app.request({ method: 'POST', path: route, headers: eventHeaders(event.metadata), body: event.data, signal: opts.signal, kind: { type: 'binding', name, metadata: event.metadata } });
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      throw new Error(`app responded with status ${answer.status} to input binding ${name}: ${answer.body.toString('utf8').slice(0, 200)}`);
    };
    try {
      return opts.retry ? await withRetries(opts.retry, attempt, { signal: opts.signal }) : await attempt();
    } catch (err) {
      log.debug(`error from app for input binding ${name}: ${(err as Error).message}`);
      throw err;
    }
  };
  await binding.read(deliver);
  log.info(`input binding ${name} started, delivering to /${route.replace(/^\//, '')}`);
}
