/** The Dapr components' Logger over the engine's `log(line)`: warnings and errors only. */
import type { Logger } from '../../shared/logger.js';

export function componentLogger(log: (line: string) => void, scope: string, verbose = false): Logger {
  const write = (level: string) => (msg: string) => log(`${scope}: ${level === 'info' ? '' : `${level}: `}${msg}`);
  const logger: Logger = {
    debug: verbose ? write('debug') : () => {},
    info: verbose ? write('info') : () => {},
    warn: write('warn'),
    error: write('error'),
    enabled: (level) => verbose || level === 'warn' || level === 'error' || level === 'fatal',
    child: (child) => componentLogger(log, `${scope} ${child}`, verbose),
  };
  return logger;
}
