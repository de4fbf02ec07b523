import net from 'node:net';
import { RuntimeError } from './errors.js';

export interface WaitOptions {
  timeoutMs: number;
  /** Poll interval; short, since this is on the cold-start path. */
  intervalMs?: number;
  /** Called between attempts: throw to stop waiting (e.g. the instance exited). */
  check?: () => Promise<void> | void;
  signal?: AbortSignal;
}

/**
 * Waits until something accepts TCP connections at host:port: the readiness probe Knative's
 * queue-proxy uses by default. Only valid where no proxy accepts on the app's behalf
 * (a container's own address, or a host process), which is how the runtimes use it.
 */
export async function waitForPort(host: string, port: number, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 5;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (await tryConnect(host, port)) return;
    await opts.check?.();
    if (Date.now() > deadline) {
      throw new RuntimeError('ERR_NOT_READY', `nothing answered on ${host}:${port} within ${opts.timeoutMs} ms`, { port });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}
