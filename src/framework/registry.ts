/**
 * The one piece of shared global state: a registry object on `globalThis` under
 * `Symbol.for(REGISTRY_SYMBOL_KEY)`. The shim package (loaded by user code) and the
 * framework bundle are separate module instances; whichever runs first creates the
 * registry, and both then use its `functions` map and its `Plugin` class, so
 * `class X extends Plugin` in user code is the class the framework checks against.
 */
import { REGISTRY_SYMBOL_KEY } from './artifacts.js';
import { Plugin } from './plugin.js';
import type { SignatureType, UserFunction } from './signature-type.js';

export interface RegisteredFunction {
  signatureType: SignatureType;
  userFunction: UserFunction;
}

export interface FrameworkRegistry {
  /** Declarative registrations by function name. */
  readonly functions: Map<string, RegisteredFunction>;
  readonly Plugin: typeof Plugin;
}

const REGISTRY_SYMBOL = Symbol.for(REGISTRY_SYMBOL_KEY);

export function getRegistry(): FrameworkRegistry {
  const holder = globalThis as unknown as Record<symbol, FrameworkRegistry | undefined>;
  let registry = holder[REGISTRY_SYMBOL];
  if (registry === undefined) {
    registry = { functions: new Map(), Plugin };
    Object.defineProperty(globalThis, REGISTRY_SYMBOL, { value: registry, enumerable: false });
  }
  return registry;
}

/** Starts with a letter, then letters, digits, `-` or `_`, ends with a letter or digit, at most 63 characters. */
const FUNCTION_NAME = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

export function registerFunction(name: string, signatureType: SignatureType, userFunction: UserFunction): void {
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new Error(`Invalid function name: ${String(name)}`);
  }
  if (typeof userFunction !== 'function') {
    throw new TypeError(`The handler registered as '${name}' is not a function.`);
  }
  getRegistry().functions.set(name, { signatureType, userFunction });
}
