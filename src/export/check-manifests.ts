/**
 * `export --check`: a set of manifests (a project folder, files, or exported ones) judged as a
 * cluster would judge them: against the CRD schemas (when CRDs are at hand) and ofn-local's model
 * rules (the webhook's defaults and validation, FUNC_CONTEXT, scale options, ...). Every problem
 * names its file, document, line and field path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError, formatPath, loadProject, type Diagnostic } from '../model/index.js';
// The model reads files and YAML this way; the schema check must see the same documents.
import { findManifestFiles } from '../model/index.js';
import { parseYamlDocuments } from '../model/index.js';
import type { CrdSchemas } from './crd-schemas.js';

export interface CheckOptions {
  cwd: string;
  /** The CRD schemas; without them only the model's rules are checked. */
  crds?: CrdSchemas;
}

export interface CheckResult {
  /** Errors and warnings, in file, document and line order. */
  problems: Diagnostic[];
  /** Every manifest file read, absolute, sorted. */
  files: string[];
  /** Kubernetes manifests found (documents with an apiVersion and kind). */
  manifests: number;
  /** Whether the CRD schemas were checked. */
  schemaChecked: boolean;
}

export async function checkManifests(inputs: string[], opts: CheckOptions): Promise<CheckResult> {
  const cwd = path.resolve(opts.cwd);
  const given = inputs.length > 0 ? inputs : [cwd];
  const { files } = await findManifestFiles(given, cwd);

  let manifests = 0;
  const schemaProblems: Diagnostic[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // The model reports unreadable files.
    }
    for (const doc of parseYamlDocuments(text)) {
      const value = doc.value;
      if (doc.errors.length > 0 || value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      const { apiVersion, kind } = value as Record<string, unknown>;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
      manifests++;
      for (const problem of opts.crds?.check(value) ?? []) {
        const line = doc.lineOf(problem.path);
        schemaProblems.push({
          severity: 'error',
          file,
          doc: doc.index,
          ...(line !== undefined ? { line } : {}),
          path: formatPath(problem.path),
          message: problem.message,
        });
      }
    }
  }

  const modelProblems = await modelDiagnostics(given, cwd);
  const modelErrorAt = new Set(modelProblems.filter((d) => d.severity === 'error').map(placeOf));
  // One message per place: the model's says more about what to write there.
  const problems = [...modelProblems, ...schemaProblems.filter((d) => !modelErrorAt.has(placeOf(d)))];
  return { problems: sortDiagnostics(problems), files, manifests, schemaChecked: opts.crds !== undefined };
}

/** The model's rules: loadProject's errors and warnings, minus what only matters to a local run. */
async function modelDiagnostics(inputs: string[], cwd: string): Promise<Diagnostic[]> {
  try {
    const project = await loadProject(inputs, { cwd });
    return project.warnings;
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    if (err.code === 'ERR_NO_MANIFESTS') {
      const first = err.message.split('\n')[0] ?? err.message;
      return [...err.diagnostics, { severity: 'error', file: path.resolve(cwd, inputs[0] ?? '.'), doc: 0, path: '', message: first }];
    }
    return err.diagnostics.map(localRunOnly);
  }
}

const SOURCE_FIELDS = /^(spec\.build\.srcRepo($|\.)|metadata\.annotations\[ofn-local\.dev\/source\])/;
const SOURCE_LOOKUP = /folder|git checkout|not supported locally/;

/**
 * Where the code is on this machine matters to `ofn-local up`, not to a cluster: exported
 * manifests name a git remote that need not be checked out here. Such errors become warnings.
 */
export function localRunOnly(d: Diagnostic): Diagnostic {
  if (d.severity !== 'error' || !SOURCE_FIELDS.test(d.path) || !SOURCE_LOOKUP.test(d.message)) return d;
  return { ...d, severity: 'warning', message: `(matters to a local run only) ${d.message}` };
}

function placeOf(d: Diagnostic): string {
  return `${d.file}\0${d.doc}\0${d.path}`;
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      compare(a.file, b.file) ||
      a.doc - b.doc ||
      (a.line ?? 0) - (b.line ?? 0) ||
      compare(a.path, b.path) ||
      compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
