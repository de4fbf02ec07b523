/**
 * How a function's outcome becomes the HTTP response for the `cloudevent` and `event`
 * signatures: the return value (or callback result) is the body, nothing means 204.
 */
import type { Response } from 'express';

import { sendFailure } from './errors.js';

/** Node-style completion callback handed to callback-style functions. */
export type DoneCallback = (err?: unknown, result?: unknown) => void;

export function sendResult(res: Response, result: unknown): void {
  if (res.headersSent) return;
  if (result === undefined || result === null) {
    res.status(204).end();
  } else if (typeof result === 'number') {
    // res.send(number) would be taken as a status code.
    res.json(result);
  } else {
    try {
      res.send(result);
    } catch (err) {
      // For example a cyclic object: the function did succeed, so answer without content.
      console.error(`ofn-framework: cannot serialize the return value: ${(err as Error).message}`);
      if (!res.headersSent) res.status(204).end();
    }
  }
}

/** Callback that answers the request once; later calls are logged and ignored. */
export function doneCallback(res: Response): DoneCallback {
  let done = false;
  return (err, result) => {
    if (done) {
      console.log('ofn-framework: ignoring an extra callback call');
      return;
    }
    done = true;
    if (err) sendFailure(res, err, 'error');
    else sendResult(res, result);
  };
}

/** Calls `invoke` and answers with its (awaited) result, or 500 if it throws or rejects. */
export function answerWithResult(res: Response, invoke: () => unknown): void {
  let outcome: unknown;
  try {
    outcome = invoke();
  } catch (err) {
    sendFailure(res, err, 'error');
    return;
  }
  if (isThenable(outcome)) {
    outcome.then(
      (result) => sendResult(res, result),
      (err: unknown) => sendFailure(res, err, 'error'),
    );
  } else {
    sendResult(res, outcome);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
