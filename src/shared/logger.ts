/**
 * The logger the Dapr components, the sidecar and the event sources write to: levels and scopes as
 * daprd's (`dapr.contrib`, `dapr.runtime.http`, …). The sidecar formats lines as daprd does
 * (src/sidecar/logger.ts); the event sources send them to the daemon's journal.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  enabled(level: LogLevel): boolean;
  /** Same settings, another scope (`dapr.contrib`, `dapr.runtime.http`, …). */
  child(scope: string): Logger;
}

/** A logger that drops everything (tests, helpers). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => false,
  child: () => silentLogger,
};
