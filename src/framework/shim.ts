/**
 * Entry point of the `@openfunction/functions-framework` stand-in that the builder
 * copies into a function's node_modules. It only records registrations; the
 * framework bundle reads them from the registry after loading the user module.
 */
import { ComponentType, ContextUtils, RuntimeType, TraceProviderType } from './function-context.js';
import { getRegistry, registerFunction } from './registry.js';
import type { UserFunction } from './signature-type.js';

/** Registers an HTTP function `(req, res)`. */
export function http(functionName: string, handler: UserFunction): void {
  registerFunction(functionName, 'http', handler);
}

/** Registers a CloudEvent function `(cloudevent[, callback])`. */
export function cloudEvent(functionName: string, handler: UserFunction): void {
  registerFunction(functionName, 'cloudevent', handler);
}

/** Registers an OpenFunction function `async (ctx, data)`. */
export function openfunction(functionName: string, handler: UserFunction): void {
  registerFunction(functionName, 'openfunction', handler);
}

/** The framework's plugin base class (the registry's, so `instanceof` checks agree). */
const RegistryPlugin = getRegistry().Plugin;

export { ComponentType, ContextUtils, RegistryPlugin as Plugin, RuntimeType, TraceProviderType };
