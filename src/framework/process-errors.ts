/**
 * Errors that escape every request (a throw in a timer, a rejection nobody awaits):
 * log them and keep serving.
 */
import { describeError } from './errors.js';

export function logEscapedErrors(): void {
  process.on('uncaughtException', (err) => {
    console.error(`ofn-framework: uncaught exception (still serving): ${describeError(err)}`);
  });
  process.on('unhandledRejection', (reason) => {
    console.error(`ofn-framework: unhandled promise rejection (still serving): ${describeError(reason)}`);
  });
}
