/**
 * Names of the files `scripts/bundle-framework.mjs` writes, relative to the
 * framework output folder (`dist/framework` in this package). The image builder
 * imports these, so this file must stay free of imports.
 */

/** Folder of the framework outputs, relative to the package root. */
export const FRAMEWORK_DIST_DIR = 'dist/framework';

/** Self-contained framework entry point (CommonJS; needs no node_modules). Run with `node`. */
export const FRAMEWORK_BUNDLE = 'ofn-framework.cjs';

/** Program that restarts a compiled function (a Go binary) in place on SIGHUP: dev mode's hot reload. */
export const RESTART_SUPERVISOR_BUNDLE = 'ofn-restart-supervisor.cjs';
/** A program run as its child, stopped when ofn-local dies (the real daprd on the process runtime). */
export const PARENT_BOUND_BUNDLE = 'ofn-parent-bound.cjs';

/**
 * Folder holding the package that stands in for `@openfunction/functions-framework`.
 * Copy its contents to `<function>/node_modules/@openfunction/functions-framework/`.
 */
export const SHIM_DIR = 'shim';

/** npm name the shim answers to. */
export const SHIM_PACKAGE_NAME = '@openfunction/functions-framework';

/** Upstream version whose behaviour the framework follows; written into the shim's package.json. */
export const EMULATED_FRAMEWORK_VERSION = '0.6.1';

/**
 * Key (for `Symbol.for`) of the registry object on `globalThis` through which the
 * shim hands declarative registrations and the `Plugin` class to the framework.
 */
export const REGISTRY_SYMBOL_KEY = 'ofn-local.framework.registry';
