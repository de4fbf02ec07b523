import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Where the bundled functions framework lives once built (`npm run build` writes dist/framework).
 * Two levels up from this file is the package root, whether it runs from src/ (tests) or dist/.
 */
export const FRAMEWORK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'framework');
export const FRAMEWORK_BUNDLE = path.join(FRAMEWORK_DIR, 'ofn-framework.cjs');
/** The `@openfunction/functions-framework` stand-in copied into a function's node_modules. */
export const FRAMEWORK_SHIM_DIR = path.join(FRAMEWORK_DIR, 'shim');
/** ofn-local's Dapr sidecar, bundled by scripts/bundle-sidecar.mjs. */
export const SIDECAR_BUNDLE = path.resolve(FRAMEWORK_DIR, '..', 'sidecar', 'ofn-sidecar.cjs');
/** The program that restarts a compiled function in place on SIGHUP (Go hot reload). */
export const RESTART_SUPERVISOR_BUNDLE = path.join(FRAMEWORK_DIR, 'ofn-restart-supervisor.cjs');
export const PARENT_BOUND_BUNDLE = path.join(FRAMEWORK_DIR, 'ofn-parent-bound.cjs');
