/**
 * Finds and loads the user's module (CommonJS or ES module) and picks the target
 * function out of it, the way upstream does.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { describeError, FrameworkStartError } from './errors.js';
import { getRegistry } from './registry.js';
import type { SignatureType, UserFunction } from './signature-type.js';

export interface LoadedFunction {
  userFunction: UserFunction;
  signatureType: SignatureType;
  /** Absolute path of the module that was loaded. */
  entryFile: string;
}

// Any base works: only absolute paths are resolved with it.
const resolver = createRequire(join(process.cwd(), 'ofn-framework-resolver.js'));

function tryResolve(path: string): string | undefined {
  try {
    return resolver.resolve(path);
  } catch {
    return undefined;
  }
}

/**
 * The module to load for `source`: the file itself, else (for a folder) package.json
 * `main`, `index.js`, then `function.js`, then `index.mjs`.
 */
export function findEntryFile(source: string): string | undefined {
  const resolved = tryResolve(source) ?? tryResolve(join(source, 'function.js'));
  if (resolved !== undefined) return resolved;
  const indexMjs = join(source, 'index.mjs');
  return existsSync(indexMjs) ? indexMjs : undefined;
}

/** Type of the nearest package.json up from `dir`, if any. */
function nearestPackageType(dir: string): unknown {
  for (let current = dir; ; current = dirname(current)) {
    const pkgFile = join(current, 'package.json');
    if (existsSync(pkgFile) && statSync(pkgFile).isFile()) {
      try {
        return (JSON.parse(readFileSync(pkgFile, 'utf8')) as { type?: unknown }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(current) === current) return undefined;
  }
}

/** `.mjs`, or `.js` under a package.json with `"type": "module"`. */
export function isEsModule(file: string): boolean {
  const ext = extname(file);
  if (ext === '.mjs') return true;
  if (ext === '.cjs') return false;
  return nearestPackageType(dirname(file)) === 'module';
}

/** Loads a user file: `require` for CommonJS, native `import()` for ES modules. */
export async function loadModule(file: string): Promise<Record<string, unknown>> {
  if (isEsModule(file)) {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
  return createRequire(file)(file) as Record<string, unknown>;
}

/** Follows a dotted target (`a.b.c`) through the module's exports. */
export function resolveTarget(moduleExports: unknown, target: string): unknown {
  let value: unknown = moduleExports;
  for (const part of target.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function exportNames(moduleExports: unknown): string {
  const names =
    moduleExports !== null && (typeof moduleExports === 'object' || typeof moduleExports === 'function')
      ? Object.keys(moduleExports)
      : [];
  return names.length > 0 ? names.join(', ') : '(none)';
}

function loadFailureHint(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    return 'Are all required modules listed in the dependencies of package.json and installed?';
  }
  return 'Is there a syntax error in the code?';
}

/**
 * Loads the function `target` from `source`. A declarative registration under that
 * name (through the shim) wins and brings its own signature type; otherwise the
 * export `target` (or the export named `function`) is served as `signatureType`.
 *
 * @throws FrameworkStartError with a message that names the source, the target and what was found
 */
export async function loadUserFunction(
  source: string,
  target: string,
  signatureType: SignatureType,
): Promise<LoadedFunction> {
  const entryFile = findEntryFile(source);
  if (entryFile === undefined) {
    throw new FrameworkStartError(
      `No loadable function module in ${source}: expected a file, or a folder with package.json "main", ` +
        'index.js, function.js or index.mjs.',
    );
  }

  let moduleExports: Record<string, unknown>;
  try {
    moduleExports = await loadModule(entryFile);
  } catch (err) {
    throw new FrameworkStartError(
      `Cannot load the function module ${entryFile}. ${loadFailureHint(err)}\n${describeError(err)}`,
    );
  }

  const registered = getRegistry().functions;
  const declared = registered.get(target);
  if (declared !== undefined) return { ...declared, entryFile };

  let userFunction = resolveTarget(moduleExports, target);
  if (userFunction === undefined && Object.prototype.hasOwnProperty.call(moduleExports, 'function')) {
    userFunction = moduleExports['function'];
  }
  if (userFunction === undefined) {
    const declaredNames = registered.size > 0 ? `; registered: ${[...registered.keys()].join(', ')}` : '';
    throw new FrameworkStartError(
      `Function '${target}' is not defined in ${source} (module ${entryFile}). ` +
        `Exports found: ${exportNames(moduleExports)}${declaredNames}. ` +
        'Set the target with --target, FUNCTION_TARGET or FUNC_NAME.',
    );
  }
  if (typeof userFunction !== 'function') {
    throw new FrameworkStartError(
      `'${target}' in ${entryFile} needs to be a function, but it is of type ${typeof userFunction}.`,
    );
  }
  return { userFunction: userFunction as UserFunction, signatureType, entryFile };
}
