import { RuntimeError } from './errors.js';
import type { Instance } from './runtime.js';

/**
 * Waits until an instance's sidecar answers `GET /v1.0/healthz` with 204 on its public port, the
 * probe the kubelet uses for daprd's readiness (204 once the app channel is initialised), or
 * `/v1.0/healthz/outbound` (204 once components are loaded and the API is up).
 */
export async function waitForSidecarHealth(instance: Instance, opts: { timeoutMs: number; check?: () => Promise<void>; path?: string }): Promise<void> {
  const dapr = instance.dapr;
  if (!dapr) return;
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(`http://${dapr.host}:${dapr.port}${opts.path ?? '/v1.0/healthz'}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 204) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await opts.check?.();
    if (Date.now() > deadline) {
      throw new RuntimeError('ERR_NOT_READY', `the sidecar of ${instance.id} was not healthy within ${opts.timeoutMs} ms (${last})`, { port: dapr.port });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
