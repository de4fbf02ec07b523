/**
 * Sink delivery: an HTTP POST of the raw payload (as the Dapr HTTP binding the handlers use),
 * retried with doubling backoff on connection errors, timeouts, 5xx, 408 and 429. Other 4xx
 * answers are final at once. Each attempt is reported, so every retry shows up as a hop.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage } from '../../errors.js';
import type { RetryOptions } from './types.js';

export interface AttemptReport {
  attempt: number;
  ok: boolean;
  /** More attempts follow. */
  retrying: boolean;
  /** `HTTP 500`, `connection refused …`, or `HTTP 200`. */
  message: string;
}

export interface DeliveryRequest {
  url: string;
  data: Buffer;
  contentType: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  retry: RetryOptions;
  timeoutMs: number;
  /** Aborts between and during attempts (the engine is stopping): delivery then throws. */
  signal: AbortSignal;
  onAttempt(report: AttemptReport): void;
}

/** True when an attempt succeeded; false after the last failed attempt; throws when aborted. */
export async function deliver(req: DeliveryRequest): Promise<boolean> {
  const attempts = Math.max(1, req.retry.attempts);
  let delay = req.retry.initialMs;
  for (let attempt = 1; ; attempt++) {
    req.signal.throwIfAborted();
    const { ok, retriable, message } = await post(req);
    req.signal.throwIfAborted();
    const retrying = !ok && retriable && attempt < attempts;
    req.onAttempt({ attempt, ok, retrying, message });
    if (ok) return true;
    if (!retrying) return false;
    // Aborted: the check at the top of the loop throws the signal's reason.
    await sleep(Math.min(delay, req.retry.maxMs), undefined, { signal: req.signal }).catch(() => {});
    delay = Math.min(delay * 2, req.retry.maxMs);
  }
}

async function post(req: DeliveryRequest): Promise<{ ok: boolean; retriable: boolean; message: string }> {
  // One controller per attempt, its listener on the shared signal removed when the attempt ends
  // (AbortSignal.any left one per attempt on the engine's signal until garbage collection).
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, req.timeoutMs);
  const onAbort = () => attempt.abort(req.signal.reason);
  req.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      body: req.data,
      headers: { 'content-type': req.contentType, ...req.headers },
      signal: attempt.signal,
    });
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    const message = `HTTP ${res.status}`;
    if (res.ok) return { ok: true, retriable: false, message };
    return { ok: false, retriable: res.status >= 500 || res.status === 408 || res.status === 429, message };
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason ?? err;
    if (timedOut) return { ok: false, retriable: true, message: `no answer within ${req.timeoutMs} ms` };
    const cause = (err as { cause?: unknown }).cause;
    return { ok: false, retriable: true, message: cause ? errorMessage(cause) : errorMessage(err) };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}
