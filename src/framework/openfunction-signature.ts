/**
 * `openfunction` signature in the sync (Knative) runtime: `async (ctx, data)` with
 * `data` = parsed request body. Plugin pre hooks run before it and post hooks after
 * it (also after a failure); if nothing answered the request by then, the framework
 * replies 204. A failure (still set in `ctx.error` after the post hooks) gives 500.
 */
import type { RequestHandler } from 'express';

import { sendFailure } from './errors.js';
import type { FunctionContext } from './function-context.js';
import { isThenable } from './invocation-result.js';
import { createOpenFunctionContext, type OpenFunctionContext, type RuntimeServices } from './openfunction-context.js';
import type { UserFunction } from './signature-type.js';

async function invokeWithPlugins(
  userFunction: UserFunction,
  ctx: OpenFunctionContext,
  data: unknown,
  services: RuntimeServices,
): Promise<void> {
  await services.plugins.runPreHooks(ctx);
  try {
    await userFunction(ctx, data);
  } catch (err) {
    ctx.error = err;
  }
  await services.plugins.runPostHooks(ctx);
  if (ctx.error) throw ctx.error;
}

export function openFunctionHandler(
  userFunction: UserFunction,
  context: FunctionContext | undefined,
  services: RuntimeServices,
): RequestHandler {
  const withPlugins = !services.plugins.isEmpty;
  return (req, res) => {
    const ctx = createOpenFunctionContext(context, services, req, res);
    const finish = (): void => {
      if (!res.headersSent) res.status(204).end();
    };
    const fail = (err: unknown): void => sendFailure(res, err, 'error');

    if (withPlugins) {
      invokeWithPlugins(userFunction, ctx, req.body, services).then(finish, fail);
      return;
    }
    // No plugins: skip the async wrapper so a synchronous function answers without extra ticks.
    let outcome: unknown;
    try {
      outcome = userFunction(ctx, req.body);
    } catch (err) {
      fail(err);
      return;
    }
    if (isThenable(outcome)) outcome.then(finish, fail);
    else finish();
  };
}
