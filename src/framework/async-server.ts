/**
 * The async runtime (FUNC_CONTEXT runtime `Async`): the function is a Dapr app, as upstream's
 * framework makes it with `DaprServer` in HTTP mode. For every FUNC_CONTEXT input:
 * - a binding: `OPTIONS /<componentName>` (daprd's probe) and `POST /<componentName>` with the data;
 *   200 when the function succeeds, 500 `{error: "COULD_NOT_PROCESS_CALLBACK"}` when it throws
 *   (daprd then retries, or the input binding reports the failure);
 * - a pubsub topic: listed by `GET /dapr/subscribe` with the route `/<pubsub>--<topic>--default`
 *   (lower case, as the SDK names it); the function gets the CloudEvent's `data` (or the whole body
 *   when there is none) and the answer is `{"status":"SUCCESS"}`, or `{"status":"DROP"}` when it
 *   throws (upstream drops a failed event rather than retrying it).
 * The function is `async (ctx, data)`: `ctx.send` and `ctx.state` reach the same sidecar.
 */
import express, { type Express, type Request, type Response } from 'express';

import { describeError } from './errors.js';
import { ContextUtils, type FunctionComponent, type FunctionContext } from './function-context.js';
import { createOpenFunctionContext, type RuntimeServices } from './openfunction-context.js';
import { bodyParser } from './request-body.js';
import type { UserFunction } from './signature-type.js';

interface Subscription {
  pubsubname: string;
  topic: string;
  route: string;
}

export function subscriptionRoute(pubsub: string, topic: string): string {
  return `/${pubsub.toLowerCase()}--${topic.toLowerCase()}--default`;
}

export function createAsyncApp(userFunction: UserFunction, context: FunctionContext | undefined, services: RuntimeServices): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(bodyParser());
  const run = async (req: Request, data: unknown): Promise<void> => {
    const ctx = createOpenFunctionContext(context, services, req);
    await services.plugins.runPreHooks(ctx);
    try {
      await userFunction(ctx, data);
    } catch (err) {
      ctx.error = err;
    }
    await services.plugins.runPostHooks(ctx);
    if (ctx.error) throw ctx.error;
  };

  const subscriptions: Subscription[] = [];
  for (const [name, input] of Object.entries(context?.inputs ?? {})) {
    if (ContextUtils.IsBindingComponent(input)) {
      const path = `/${input.componentName}`;
      app.options(path, (_req, res) => void res.status(200).end());
      app.post(path, (req, res) => {
        run(req, req.body).then(
          () => void res.status(200).end(),
          (err: unknown) => fail(res, name, err, 500, { error: 'COULD_NOT_PROCESS_CALLBACK', message: describeError(err) }),
        );
      });
    } else if (ContextUtils.IsPubSubComponent(input)) {
      const sub = subscriptionFor(input);
      subscriptions.push(sub);
      app.post(sub.route, (req, res) => {
        const body = req.body as { data?: unknown } | undefined;
        const data = body && typeof body === 'object' && 'data' in body ? body.data : body;
        run(req, data).then(
          () => void res.status(200).json({ status: 'SUCCESS' }),
          (err: unknown) => fail(res, name, err, 200, { status: 'DROP' }),
        );
      });
    } else {
      console.warn(`ofn-framework: input ${name} (${input.componentType}) is neither a binding nor a pubsub; ignored`);
    }
  }
  app.get('/dapr/subscribe', (_req, res) => void res.json(subscriptions));
  return app;
}

function subscriptionFor(input: FunctionComponent): Subscription {
  const topic = input.uri ?? '';
  return { pubsubname: input.componentName, topic, route: subscriptionRoute(input.componentName, topic) };
}

function fail(res: Response, input: string, err: unknown, status: number, body: object): void {
  console.error(`ofn-framework: the function failed on input ${input}: ${describeError(err)}`);
  if (!res.headersSent) res.status(status).json(body);
}
