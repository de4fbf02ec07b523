/** `http` signature: the function gets Express's `(req, res)` and answers itself. */
import type { RequestHandler } from 'express';

import { sendFailure } from './errors.js';
import { isThenable } from './invocation-result.js';
import type { UserFunction } from './signature-type.js';

export function httpHandler(userFunction: UserFunction): RequestHandler {
  return (req, res) => {
    try {
      const outcome = userFunction(req, res);
      if (isThenable(outcome)) outcome.then(undefined, (err: unknown) => sendFailure(res, err, 'crash'));
    } catch (err) {
      // Upstream catches these through a domain and labels them `crash`.
      sendFailure(res, err, 'crash');
    }
  };
}
