/**
 * The `ctx` an `openfunction` function receives: a Proxy over a per-request runtime
 * object in which FUNC_CONTEXT fields (`ctx.name`, `ctx.outputs`, ...) win, then the
 * runtime's own members (`req`, `res`, `locals`, `error`, `send`, `state`, ...).
 */
import type { Request, Response } from 'express';

import type { DaprHttpClient } from './dapr-client.js';
import { ContextUtils, type FunctionComponent, type FunctionContext } from './function-context.js';
import type { Plugin } from './plugin.js';
import type { PluginChain } from './user-plugins.js';

/** Long-lived collaborators shared by every request's context. */
export interface RuntimeServices {
  readonly dapr: DaprHttpClient;
  readonly plugins: PluginChain;
}

/** State store operations; each takes a one-entry object whose value is the argument. */
export interface StateOperations {
  save(data: object, db?: string): Promise<void>;
  get(data: object, db?: string): Promise<unknown>;
  getBulk(data: object, db?: string): Promise<unknown>;
  delete(data: object, db?: string): Promise<void>;
  transaction(data: object, db?: string): Promise<void>;
  query(data: object, db?: string): Promise<unknown>;
}

function singleValue(data: object, operation: string): unknown {
  const values = Object.values(data ?? {});
  if (values.length !== 1) throw new Error(`State ${operation}: pass exactly one key, got ${values.length}`);
  return values[0];
}

export class OpenFunctionRuntime {
  /** Scratch space for the function and its plugins, per request. */
  readonly locals: Record<string, unknown> = {};
  /** Set when the function throws; plugins' post hooks may inspect or clear it. */
  error?: unknown;
  req?: Request;
  res?: Response;

  constructor(
    readonly context: FunctionContext | undefined,
    private readonly services: RuntimeServices,
  ) {}

  get sidecarPort(): { HTTP: string; GRPC: string } {
    return { HTTP: process.env.DAPR_HTTP_PORT || '3500', GRPC: process.env.DAPR_GRPC_PORT || '50001' };
  }

  setTrigger(req: Request, res?: Response): void {
    this.req = req;
    this.res = res;
  }

  getPlugin(name: string): Plugin | undefined {
    return this.services.plugins.get(name);
  }

  /**
   * Sends `data` to every FUNC_CONTEXT output (or only `outputName`): bindings are
   * invoked with the output's operation and metadata, pubsub outputs publish to
   * their `uri` topic. Never rejects: resolves to `Promise.allSettled` results.
   */
  send(data: unknown, outputName?: string): Promise<PromiseSettledResult<unknown>[]> {
    const outputs = this.context?.outputs ?? {};
    const dapr = this.services.dapr;
    const actions = Object.entries(outputs)
      .filter(([name]) => !outputName || name === outputName)
      .map(([name, component]) => {
        if (ContextUtils.IsBindingComponent(component)) {
          // allSettled hides a failed output from the function; the log shows it.
          return dapr.invokeBinding(component.componentName, component.operation || '', data, component.metadata).catch((err: unknown) => {
            console.error(`ofn-framework: output ${name} (binding ${component.componentName}) failed: ${err instanceof Error ? err.message : String(err)}`);
            throw err;
          });
        }
        if (ContextUtils.IsPubSubComponent(component)) {
          return dapr.publish(component.componentName, component.uri || '', data);
        }
        return Promise.resolve(undefined);
      });
    return Promise.allSettled(actions);
  }

  get state(): StateOperations {
    const dapr = this.services.dapr;
    const store = (db?: string): string => this.stateStore(db);
    return {
      save: async (data, db) => dapr.saveState(store(db), Object.values(data ?? {})[0]),
      get: async (data, db) => dapr.getState(store(db), String(singleValue(data, 'get'))),
      getBulk: async (data, db) => {
        const [keys, parallelism, metadata] = Object.values(data ?? {}) as [unknown, number?, string?];
        return dapr.getBulkState(store(db), keys, parallelism, metadata);
      },
      delete: async (data, db) => dapr.deleteState(store(db), String(singleValue(data, 'delete'))),
      transaction: async (data, db) => {
        const [operations, metadata] = Object.values(data ?? {});
        return dapr.stateTransaction(store(db), operations, metadata);
      },
      query: async (data, db) => dapr.queryState(store(db), (Object.values(data ?? {})[0] ?? {}) as object),
    };
  }

  /** Component name of state store `db`, or of the first one in FUNC_CONTEXT `states`. */
  private stateStore(db?: string): string {
    const states = this.context?.states ?? {};
    const names = Object.keys(states);
    if (names.length === 0) throw new Error('You must specify the state in the context (FUNC_CONTEXT states)');
    const name = db || names[0]!;
    const component: FunctionComponent | undefined = states[name];
    if (component === undefined) throw new Error(`State store '${name}' is not in FUNC_CONTEXT states`);
    if (!ContextUtils.IsStateComponent(component)) {
      throw new Error(`State store '${name}' has component type ${component.componentType}, not state.*`);
    }
    return component.componentName;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

// One handler for every request's Proxy; FUNC_CONTEXT fields shadow runtime members.
const contextFirst: ProxyHandler<OpenFunctionRuntime> = {
  get(target, prop) {
    const context = target.context;
    if (context !== undefined && hasOwn.call(context, prop)) return context[prop as string];
    return Reflect.get(target, prop);
  },
};

export type OpenFunctionContext = OpenFunctionRuntime & FunctionContext;

export function createOpenFunctionContext(
  context: FunctionContext | undefined,
  services: RuntimeServices,
  req?: Request,
  res?: Response,
): OpenFunctionContext {
  const runtime = new OpenFunctionRuntime(context, services);
  if (req !== undefined) runtime.setTrigger(req, res);
  return new Proxy(runtime, contextFirst) as OpenFunctionContext;
}
