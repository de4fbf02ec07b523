/**
 * Is a folder a Python function, and how its framework is launched: decided from the build env and a
 * file listing, as OpenFunction's Python builder (openfunction/gcp-builder, Google's Python
 * functions buildpack) decides it. Pure: the caller lists the folder and reads the source file.
 *
 * - target: `GOOGLE_FUNCTION_TARGET`, else OpenFunction's `FUNC_NAME`;
 * - source: `GOOGLE_FUNCTION_SOURCE`, else `FUNC_SRC`, else `main.py`;
 * - signature type: `GOOGLE_FUNCTION_SIGNATURE_TYPE`, else `FUNC_TYPE`, else the framework's (http);
 * - framework: Google's functions-framework for sync functions, OpenFunction's ofn-functions-framework
 *   for async ones (or when requirements.txt names it).
 */
import path from 'node:path';
import { PythonBuildError } from './errors.js';

export type PythonFramework = 'google' | 'openfunction';

export interface PythonLaunch {
  framework: PythonFramework;
  target: string;
  /** Relative to the function's folder, `/` separators. */
  source: string;
  /** Empty: the framework's default (http). */
  signatureType: string;
  /** The folder has a requirements.txt. */
  hasRequirements: boolean;
}

export interface PythonFolder {
  /** The folder, for messages. */
  dir: string;
  /** Files of the folder, relative, `/` separators. */
  files: readonly string[];
  /** spec.build.env. */
  buildEnv: Readonly<Record<string, string>>;
  /** spec.serving.runtime. */
  runtime: 'knative' | 'async';
  /** The manifest, for messages about build settings. */
  manifest?: string;
}

export const SIGNATURE_TYPES = ['http', 'event', 'cloudevent', 'typed'] as const;

/** The source file {@link detectPython} needs the text of. */
export function pythonSource(buildEnv: Readonly<Record<string, string>>): string {
  const raw = (buildEnv.GOOGLE_FUNCTION_SOURCE ?? buildEnv.FUNC_SRC ?? '').trim();
  return (raw || 'main.py').replace(/^\.\//, '');
}

/** Throws a {@link PythonBuildError} unless the folder is a Python function the builder can launch. */
export function detectPython(folder: PythonFolder, requirements: string | undefined): PythonLaunch {
  const { dir, files, buildEnv } = folder;
  const where = folder.manifest ? { file: folder.manifest } : {};
  const source = pythonSource(buildEnv);
  const sourceVar = buildEnv.GOOGLE_FUNCTION_SOURCE !== undefined ? 'GOOGLE_FUNCTION_SOURCE' : 'FUNC_SRC';
  if (path.posix.isAbsolute(source) || path.posix.normalize(source).startsWith('..')) {
    throw new PythonBuildError('ERR_PYTHON_SETTING', `spec.build.env.${sourceVar} is "${source}": the source file must be inside the function's folder`, { ...where, path: `spec.build.env.${sourceVar}` }, 'give a path relative to the folder, e.g. main.py');
  }
  if (!files.includes(path.posix.normalize(source))) {
    const py = files.filter((f) => !f.includes('/') && f.endsWith('.py'));
    const seen = py.length ? `; it has ${py.slice(0, 5).join(', ')}` : '';
    throw new PythonBuildError(
      'ERR_NOT_PYTHON',
      `no ${source} in ${dir}: a Python function's code is main.py, or the file spec.build.env GOOGLE_FUNCTION_SOURCE (or FUNC_SRC) names${seen}`,
      { file: path.join(dir, source) },
      py.length ? `set spec.build.env.GOOGLE_FUNCTION_SOURCE to the file that defines the function (e.g. ${py[0]})` : 'point spec.build.srcRepo (url, sourceSubPath) at the folder holding main.py',
    );
  }
  const target = (buildEnv.GOOGLE_FUNCTION_TARGET ?? buildEnv.FUNC_NAME ?? '').trim();
  if (!target) {
    throw new PythonBuildError(
      'ERR_PYTHON_TARGET',
      `no function target for ${path.join(dir, source)}: spec.build.env has neither GOOGLE_FUNCTION_TARGET nor FUNC_NAME`,
      { ...where, path: 'spec.build.env.GOOGLE_FUNCTION_TARGET' },
      'set spec.build.env.GOOGLE_FUNCTION_TARGET (or FUNC_NAME) to the name of the function in the source file',
    );
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) {
    throw new PythonBuildError('ERR_PYTHON_TARGET', `function target "${target}" is not a Python name`, { ...where, path: 'spec.build.env.GOOGLE_FUNCTION_TARGET' }, 'name a function defined at the top of the source file, e.g. hello_world');
  }
  const sigRaw = (buildEnv.GOOGLE_FUNCTION_SIGNATURE_TYPE ?? buildEnv.FUNC_TYPE ?? '').trim();
  const signatureType = sigRaw.toLowerCase();
  if (signatureType && !(SIGNATURE_TYPES as readonly string[]).includes(signatureType)) {
    throw new PythonBuildError(
      'ERR_PYTHON_SETTING',
      `signature type "${sigRaw}" is not one Python functions have (${SIGNATURE_TYPES.join(', ')})`,
      { ...where, path: `spec.build.env.${buildEnv.GOOGLE_FUNCTION_SIGNATURE_TYPE !== undefined ? 'GOOGLE_FUNCTION_SIGNATURE_TYPE' : 'FUNC_TYPE'}` },
      'use http for a function of (request), cloudevent for (cloud_event)',
    );
  }
  const namesOfn = requirements !== undefined && requirementNames(requirements).includes('ofn-functions-framework');
  return {
    framework: folder.runtime === 'async' || namesOfn ? 'openfunction' : 'google',
    target,
    source: path.posix.normalize(source),
    signatureType,
    hasRequirements: requirements !== undefined,
  };
}

/**
 * Whether the source text can define `target`: a `def`/`async def`, an assignment or an import of
 * that name at the top level. A wrong name is reported before the framework says "not found".
 */
export function definesTarget(sourceText: string, target: string): boolean {
  const esc = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = [
    new RegExp(`^(?:async\\s+)?def\\s+${esc}\\s*\\(`, 'm'),
    new RegExp(`^${esc}\\s*(?::[^=]*)?=`, 'm'),
    new RegExp(`^(?:from\\s+\\S+\\s+)?import\\s+.*\\b${esc}\\b`, 'm'),
    new RegExp(`^class\\s+${esc}\\b`, 'm'),
  ];
  return patterns.some((p) => p.test(sourceText));
}

/** Normalized project names a requirements file lists (PEP 503: lower case, runs of -_. as -). */
export function requirementNames(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
    if (m) names.push(normalizeName(m[1]!));
  }
  return names;
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
