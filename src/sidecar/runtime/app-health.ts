/**
 * App health checks (`--enable-app-health-check`): `GET <path>` every interval with the
 * probe timeout; 2xx is healthy; after `threshold` failures in a row the app is
 * unhealthy. The sidecar waits for the first healthy probe before reading subscriptions
 * and logs every change.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { AppChannel } from '../app-channel/app-channel.js';
import type { AppHealthOptions } from '../flags.js';
import type { Logger } from '../logger.js';

export class AppHealth {
  private healthy = false;
  private failures = 0;
  private firstHealthy!: () => void;
  readonly becameHealthy = new Promise<void>((resolve) => (this.firstHealthy = resolve));

  constructor(
    private readonly app: AppChannel,
    private readonly opts: AppHealthOptions,
    private readonly log: Logger,
  ) {}

  get isHealthy(): boolean {
    return this.healthy;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ok = false;
      try {
        const answer = await this.app.request({ method: 'GET', path: this.opts.path, timeoutMs: this.opts.timeoutMs, signal, kind: { type: 'health' } });
        ok = answer.status >= 200 && answer.status < 300;
      } catch {
        ok = false;
      }
      if (ok) {
        this.failures = 0;
        if (!this.healthy) {
          this.healthy = true;
          this.log.info('app entered healthy status');
          this.firstHealthy();
        }
      } else if (++this.failures >= this.opts.threshold && this.healthy) {
        this.healthy = false;
        this.log.warn(`app entered un-healthy status after ${this.failures} failed probes of ${this.opts.path}`);
      }
      await sleep(this.opts.intervalMs, undefined, { signal }).catch(() => {});
    }
  }
}
