/**
 * Start-up failures (exit non-zero with a message) and the error response of a
 * failed invocation.
 */
import type { Response } from 'express';

import { STATUS_HEADER } from './signature-type.js';

/** A problem that stops the framework before it serves; main prints `message` and exits 1. */
export class FrameworkStartError extends Error {
  override name = 'FrameworkStartError';
}

/** `error` for a handler that threw or rejected; upstream uses `crash` for HTTP functions. */
export type FailureStatus = 'error' | 'crash';

/** Stack when there is one, else the thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Logs the failure to stderr and, unless the function already started its response,
 * answers 500 with the status header and (outside production) the error message.
 */
export function sendFailure(res: Response, err: unknown, status: FailureStatus): void {
  console.error(describeError(err));
  if (res.headersSent) return;
  res.set(STATUS_HEADER, status);
  if (process.env.NODE_ENV === 'production') {
    res.sendStatus(500);
  } else {
    const message = (err as { message?: unknown } | null | undefined)?.message || err;
    res.status(500).send(String(message));
  }
}
