/** `cloudevent` signature: `(cloudevent)` returning the response, or `(cloudevent, callback)`. */
import type { RequestHandler } from 'express';

import { cloudEventFromRequest } from './cloudevent-request.js';
import { sendFailure } from './errors.js';
import { answerWithResult, doneCallback } from './invocation-result.js';
import type { UserFunction } from './signature-type.js';

export function cloudEventHandler(userFunction: UserFunction): RequestHandler {
  if (userFunction.length > 1) {
    return (req, res) => {
      const done = doneCallback(res);
      try {
        userFunction(cloudEventFromRequest(req), done);
      } catch (err) {
        sendFailure(res, err, 'crash');
      }
    };
  }
  return (req, res) => answerWithResult(res, () => userFunction(cloudEventFromRequest(req)));
}
