/**
 * Output bindings, independent of the transport: lookup (an unknown binding, one without an
 * output side or an operation it does not list are all 500 ERR_INVOKE_OUTPUT_BINDING, as in
 * daprd), the outbound Resiliency policy and output capture. Used by the HTTP bindings router
 * and the gRPC API.
 */
import { BindingError, type Binding, type BindingResponse, type Metadata } from '../../dapr-components/component.js';
import { SidecarError } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';
import { withRetries } from '../../dapr-components/retry-policy.js';
import { captureRecord } from '../capture.js';

const CODE = 'ERR_INVOKE_OUTPUT_BINDING';

/** A failed output binding call; `responseMetadata` is what the component still returned (HTTP binding: statusCode). */
export class OutputBindingError extends SidecarError {
  constructor(
    name: string,
    message: string,
    readonly responseMetadata: Metadata = {},
  ) {
    super(CODE, `error invoking output binding ${name}: ${message}`, { status: 500 });
  }
}

export interface OutputBindingCall {
  operation: string;
  /** The bytes the component gets. */
  data: Buffer;
  metadata: Metadata;
  /** Content type recorded by the output capture. */
  captureContentType: string;
  /** Metadata recorded by the output capture; default `metadata`. */
  captureMetadata?: Metadata;
}

/** Calls the binding; resolves with its response (undefined: nothing to send back). */
export async function invokeOutputBinding(ctx: ApiContext, name: string, call: OutputBindingCall): Promise<BindingResponse | undefined> {
  const { operation, data, metadata } = call;
  if (operation === '') throw new OutputBindingError(name, 'operation field is missing from request');
  const found = ctx.registry.lookup<Binding>('bindings', name);
  if (found.kind === 'unavailable') throw new OutputBindingError(name, `binding is not ready: ${found.reason}`);
  if (found.kind === 'missing' || typeof found.instance.invoke !== 'function' || !ctx.registry.outputAllowedFor(name)) {
    throw new OutputBindingError(name, `couldn't find output binding ${name}`);
  }
  const binding = found.instance;
  const ops = binding.operations ?? [];
  if (!ops.includes(operation)) throw new OutputBindingError(name, `binding ${name} does not support operation ${operation}. supported operations:${ops.join(' ')}`);

  const policy = ctx.resiliency.componentRetry(name, 'Binding', 'Outbound');
  const invoke = () => binding.invoke!({ operation, data, metadata });
  let result;
  try {
    result = policy ? await withRetries(policy, invoke) : await invoke();
  } catch (err) {
    throw new OutputBindingError(name, (err as Error).message, err instanceof BindingError ? err.metadata : {});
  }
  ctx.capture?.(captureRecord('binding', name, operation, data, call.captureContentType, call.captureMetadata ?? metadata));
  return result;
}
