/**
 * Framework configuration: command-line flag, else environment variable, else default
 * (an empty value counts as unset, as upstream's `flag || env || default`).
 */
import { resolve } from 'node:path';

import type { FunctionContext } from './function-context.js';
import { isSignatureType, SIGNATURE_TYPES, type SignatureType } from './signature-type.js';

export interface FrameworkOptions {
  /** Port (or pipe path) to listen on. */
  port: string;
  /** Export to serve; may be a dotted path. */
  target: string;
  /** Absolute path of the function folder or file. */
  source: string;
  signatureType: SignatureType;
  /** Parsed `FUNC_CONTEXT`; undefined when unset or not valid JSON. */
  context: FunctionContext | undefined;
  /** Why `FUNC_CONTEXT` was ignored, when it was set but could not be used. */
  contextError?: string;
  printHelp: boolean;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export const HELP_TEXT = `Usage: node ofn-framework.cjs [--target=NAME] [--signature-type=TYPE] [--port=PORT]
                            [--source=DIR] [--context=JSON]
  --target          FUNCTION_TARGET, else FUNC_NAME             (default: function)
  --signature-type  FUNCTION_SIGNATURE_TYPE, else FUNC_TYPE     (default: http; one of ${SIGNATURE_TYPES.join(', ')})
  --port            PORT                                        (default: 8080)
  --source          FUNCTION_SOURCE                             (default: current directory)
  --context         FUNC_CONTEXT (OpenFunction context JSON)`;

const KNOWN_FLAGS = new Set(['port', 'target', 'signature-type', 'source', 'context']);

/** Reads `--name=value` and `--name value` for the known flags; other arguments are ignored. */
export function parseFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!KNOWN_FLAGS.has(name)) continue;
    if (eq !== -1) {
      flags.set(name, arg.slice(eq + 1));
      continue;
    }
    const next = args[i + 1];
    // Like minimist for string options: the next argument is the value unless it is itself a flag.
    if (next !== undefined && !/^--?[^-]/.test(next)) {
      flags.set(name, next);
      i++;
    } else {
      flags.set(name, '');
    }
  }
  return flags;
}

function firstSet(...values: Array<string | undefined>): string | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

function parseContext(raw: string | undefined): Pick<FrameworkOptions, 'context' | 'contextError'> {
  if (raw === undefined) return { context: undefined };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { context: parsed as FunctionContext };
    }
    return { context: undefined, contextError: 'FUNC_CONTEXT is not a JSON object' };
  } catch (err) {
    return { context: undefined, contextError: `FUNC_CONTEXT is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * @param args command-line arguments after the script name (`process.argv.slice(2)`)
 * @throws OptionsError for a signature type the framework does not know
 */
export function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv): FrameworkOptions {
  const flags = parseFlags(args);
  const signatureType = firstSet(flags.get('signature-type'), env.FUNCTION_SIGNATURE_TYPE, env.FUNC_TYPE) ?? 'http';
  if (!isSignatureType(signatureType)) {
    throw new OptionsError(
      `Function signature type must be one of: ${SIGNATURE_TYPES.join(', ')} (got '${signatureType}').`,
    );
  }
  return {
    port: firstSet(flags.get('port'), env.PORT) ?? '8080',
    target: firstSet(flags.get('target'), env.FUNCTION_TARGET, env.FUNC_NAME) ?? 'function',
    source: resolve(firstSet(flags.get('source'), env.FUNCTION_SOURCE) ?? ''),
    signatureType,
    ...parseContext(firstSet(flags.get('context'), env.FUNC_CONTEXT)),
    printHelp: args[0] === '-h' || args[0] === '--help',
  };
}
