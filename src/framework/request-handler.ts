/** Picks the Express handler for a loaded function's signature type. */
import type { RequestHandler } from 'express';

import { eventHandler } from './event-signature.js';
import type { FunctionContext } from './function-context.js';
import { httpHandler } from './http-signature.js';
import type { RuntimeServices } from './openfunction-context.js';
import { openFunctionHandler } from './openfunction-signature.js';
import type { SignatureType, UserFunction } from './signature-type.js';

/**
 * The `cloudevent` signature is loaded on demand: the `cloudevents` package costs
 * start-up time that the other signatures do not need to pay.
 */
export async function requestHandlerFor(
  signatureType: SignatureType,
  userFunction: UserFunction,
  context: FunctionContext | undefined,
  services: RuntimeServices,
): Promise<RequestHandler> {
  switch (signatureType) {
    case 'http':
      return httpHandler(userFunction);
    case 'cloudevent':
      return (await import('./cloudevent-signature.js')).cloudEventHandler(userFunction);
    case 'event':
      return eventHandler(userFunction);
    case 'openfunction':
      return openFunctionHandler(userFunction, context, services);
  }
}
