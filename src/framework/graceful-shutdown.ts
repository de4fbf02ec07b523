/**
 * SIGTERM / SIGINT: stop accepting connections, let in-flight requests finish, then
 * exit 0. A second signal, or requests still running after the grace period, exit 1.
 */
import type { Server } from 'node:http';

const GRACE_PERIOD_MS = 30_000;
/** Keep-alive connections that finish their request after close() must be closed too. */
const IDLE_SWEEP_MS = 100;

export function exitGracefullyOnSignals(server: Server, gracePeriodMs = GRACE_PERIOD_MS): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      console.error(`ofn-framework: ${signal} received again, exiting now`);
      process.exit(1);
    }
    closing = true;
    console.log(`ofn-framework: ${signal} received, finishing in-flight requests`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    setTimeout(() => {
      console.error(`ofn-framework: requests still running after ${gracePeriodMs} ms, exiting`);
      process.exit(1);
    }, gracePeriodMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Stops accepting, tells every client to drop its connection after the current response (the
 * gateway would otherwise reuse a kept-alive socket to old code), and exits once in-flight
 * requests are done.
 */
export function retireServer(server: Server, gracePeriodMs = GRACE_PERIOD_MS): void {
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
  setTimeout(() => process.exit(0), gracePeriodMs).unref();
}
