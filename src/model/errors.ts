import path from 'node:path';
import { OfnError } from '../errors.js';
import type { Diagnostic } from './types.js';

export type ModelErrorCode =
  /** One or more manifests are invalid (details in `diagnostics`). */
  | 'ERR_MANIFEST'
  /** No YAML file, or no Kubernetes manifest, was found in the inputs. */
  | 'ERR_NO_MANIFESTS'
  /** An input path does not exist or a file could not be read. */
  | 'ERR_READ';

/** Thrown by `loadProject`: carries every problem found, not just the first. */
export class ModelError extends OfnError<ModelErrorCode> {
  constructor(
    code: ModelErrorCode,
    message: string,
    /** Errors and warnings, in file/document order. */
    readonly diagnostics: Diagnostic[],
    hint?: string,
  ) {
    const first = diagnostics.find((d) => d.severity === 'error');
    super(
      code,
      message,
      first ? { file: first.file, doc: first.doc, path: first.path, line: first.line } : {},
      hint,
    );
  }
}

/**
 * `<file relative to cwd>:<line> [doc N] <field path>: <message>`; warnings carry `warning: `
 * in front of the message. `doc` is the 0-based document index, as in `Diagnostic.doc`.
 */
export function formatDiagnostic(d: Diagnostic, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, d.file) || d.file;
  const where = d.line !== undefined ? `${rel}:${d.line}` : rel;
  const field = d.path ? ` ${d.path}:` : '';
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  return `${where} [doc ${d.doc}]${field} ${severity}${d.message}`;
}

/** The message of a ModelError: a summary line, then one line per diagnostic (errors first). */
export function formatDiagnostics(summary: string, diagnostics: Diagnostic[], cwd: string): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return [summary, ...[...errors, ...warnings].map((d) => `  ${formatDiagnostic(d, cwd)}`)].join('\n');
}
