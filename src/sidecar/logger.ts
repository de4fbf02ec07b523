/**
 * daprd-shaped log lines. Text: `time="…" level=info msg="…" app_id=… scope=… type=log ver=…`;
 * with `--log-as-json` one JSON object per line with the same keys. Lines go to a sink,
 * so the daemon can collect a sidecar's output when it runs in-process.
 */
import { LOG_LEVELS, type Logger, type LogLevel } from '../shared/logger.js';
import { SIDECAR_VERSION } from './version.js';

// Re-exported for the sidecar's own modules and the daemon, which create and pass these loggers.
export { LOG_LEVELS, silentLogger, type Logger, type LogLevel } from '../shared/logger.js';

export interface LogRecord {
  time: string;
  level: LogLevel;
  msg: string;
  scope: string;
  appId: string;
}

/** Receives each formatted line (without newline) and the record it came from. */
export type LogSink = (line: string, record: LogRecord) => void;

export interface LoggerOptions {
  level: LogLevel;
  json: boolean;
  appId: string;
  sink: LogSink;
  scope?: string;
}

const rank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

function quote(text: string): string {
  return JSON.stringify(text);
}

export function formatRecord(record: LogRecord, json: boolean): string {
  if (json) {
    return JSON.stringify({
      app_id: record.appId,
      level: record.level,
      msg: record.msg,
      scope: record.scope,
      time: record.time,
      type: 'log',
      ver: SIDECAR_VERSION,
    });
  }
  return `time=${quote(record.time)} level=${record.level} msg=${quote(record.msg)} app_id=${record.appId} scope=${record.scope} type=log ver=${SIDECAR_VERSION}`;
}

export function createLogger(opts: LoggerOptions): Logger {
  const scope = opts.scope ?? 'dapr.runtime';
  const write = (level: LogLevel, msg: string): void => {
    if (rank(level) < rank(opts.level)) return;
    const record: LogRecord = { time: new Date().toISOString(), level, msg, scope, appId: opts.appId };
    opts.sink(formatRecord(record, opts.json), record);
  };
  return {
    debug: (msg) => write('debug', msg),
    info: (msg) => write('info', msg),
    warn: (msg) => write('warn', msg),
    error: (msg) => write('error', msg),
    enabled: (level) => rank(level) >= rank(opts.level),
    child: (child) => createLogger({ ...opts, scope: child }),
  };
}

