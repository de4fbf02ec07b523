/**
 * Loads a project: finds the manifest files, reads every YAML document, and turns Functions into
 * what a cluster would run (v1beta1 converted, webhook defaults and rules applied, FUNC_CONTEXT
 * built, code located). Every problem is collected; any error makes the whole load fail.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { isEventKind, loadEvents, type EventDocument } from './events/index.js';
import { DiagnosticList, DocumentReporter } from './diagnostics.js';
import { ModelError, formatDiagnostics } from './errors.js';
import { readFunctionV1beta1, readFunctionV1beta2, type FunctionDocument } from './function-document.js';
import { cachedGitTopLevel } from './git-toplevel.js';
import { toLoadedFunction } from './loaded-function.js';
import {
  DAPR_COMPONENT,
  FUNCTION_V1ALPHA2,
  FUNCTION_V1BETA1,
  FUNCTION_V1BETA2,
  SUPPORTED_KINDS_TEXT,
  findOtherKind,
} from './manifest-kinds.js';
import { MANIFEST_FILE_MAX_BYTES, manifestTooLarge } from './limits.js';
import { findManifestFiles, readErrorMessage } from './manifest-files.js';
import { attachServices, DEPLOYMENT, readDeployment } from './deployment.js';
import { formatPath } from './field-path.js';
import { describeValue } from './schema-issues.js';
import type { JsonObject, LoadedDeployment, LoadedFunction, Origin, Project } from './types.js';
import { parseYamlDocuments } from './yaml-documents.js';

export interface LoadOptions {
  /** Folder that relative inputs and the paths in messages are relative to; default process.cwd(). */
  cwd?: string;
}

const DEFAULT_NAMESPACE = 'default';

interface PendingFunction {
  doc: FunctionDocument;
  origin: Origin;
  namespace: string;
  /** Line of metadata.name, for duplicate messages. */
  nameLine?: number;
}

/**
 * Loads the manifests in `inputs` (folders and/or files; none means the cwd).
 * Throws ModelError with every diagnostic when something is wrong.
 */
export async function loadProject(inputs: string[], opts: LoadOptions = {}): Promise<Project> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const given = inputs.length > 0 ? inputs : [cwd];
  const diagnostics = new DiagnosticList();

  const { files, unreadable } = await findManifestFiles(given, cwd);
  for (const { input, message } of unreadable) {
    diagnostics.add({ severity: 'error', file: input, doc: 0, path: '', message });
  }

  const pending: PendingFunction[] = [];
  const others: Project['others'] = [];
  const eventDocs: EventDocument[] = [];
  const deployments: LoadedDeployment[] = [];
  let readFailures = unreadable.length;
  for (const file of files) {
    if (!(await readManifestFile(file, diagnostics, { pending, others, eventDocs, deployments }))) readFailures++;
  }
  const events = loadEvents(eventDocs, { diagnostics, cwd });

  const unique = withoutDuplicates(pending, cwd);
  const existingTypes = daprComponentTypes(others);
  const gitTopLevel = cachedGitTopLevel();
  const functions: LoadedFunction[] = [];
  for (const item of unique) {
    const loaded = await toLoadedFunction({
      doc: item.doc,
      origin: item.origin,
      namespace: item.namespace,
      existingComponentType: (name) => existingTypes.get(`${item.namespace}/${name}`),
      gitTopLevel,
    });
    if (loaded) functions.push(loaded);
  }

  const kept = withoutDuplicateDeployments(deployments, functions, diagnostics);
  attachServices(
    kept,
    others
      .filter((o) => o.apiVersion === 'v1' && o.kind === 'Service')
      .map((o) => ({ ...o, warn: (at: (string | number)[], message: string) => diagnostics.add({ severity: 'warning', file: o.origin.file, doc: o.origin.doc, path: formatPath(at), message }) })),
  );
  const all = diagnostics.sorted();
  if (diagnostics.hasErrors()) {
    const errors = all.filter((d) => d.severity === 'error').length;
    const code = readFailures > 0 ? 'ERR_READ' : 'ERR_MANIFEST';
    throw new ModelError(
      code,
      formatDiagnostics(`${errors} ${errors === 1 ? 'error' : 'errors'} in the manifests:`, all, cwd),
      all,
      code === 'ERR_READ' ? 'Check the paths given.' : 'Fix the manifests and run again.',
    );
  }
  if (files.length === 0 || functions.length + others.length + deployments.length === 0) {
    const where = given.map((g) => path.relative(cwd, path.resolve(cwd, g)) || '.').join(', ');
    const summary =
      files.length === 0
        ? `no *.yaml or *.yml files found in ${where}`
        : `no Kubernetes manifests found in ${where} (ofn-local reads ${SUPPORTED_KINDS_TEXT})`;
    const hint = 'Point ofn-local at the folder or files holding your Function manifests.';
    throw new ModelError('ERR_NO_MANIFESTS', formatDiagnostics(summary, all, cwd), all, hint);
  }

  const warnings = all.filter((d) => d.severity === 'warning');
  return { root: await projectRoot(given, cwd), files, functions, deployments: kept, others, events, warnings };
}

/** Reads the documents of one file; false when the file cannot be read. */
/** What the documents of the files read so far hold, by kind. */
interface ReadDocuments {
  pending: PendingFunction[];
  others: Project['others'];
  eventDocs: EventDocument[];
  deployments: LoadedDeployment[];
}

async function readManifestFile(file: string, diagnostics: DiagnosticList, into: ReadDocuments): Promise<boolean> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      // The size first: parsing a file of tens of MiB takes gigabytes.
      const { size } = await handle.stat();
      if (size > MANIFEST_FILE_MAX_BYTES) {
        diagnostics.add({ severity: 'error', file, doc: 0, path: '', message: manifestTooLarge(size) });
        return false;
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    diagnostics.add({ severity: 'error', file, doc: 0, path: '', message: readErrorMessage(err, file) });
    return false;
  }
  const docs = parseYamlDocuments(text);
  if (docs.length === 0) {
    diagnostics.add({ severity: 'warning', file, doc: 0, path: '', message: 'not a Kubernetes manifest; skipped (empty file)' });
  }
  for (const doc of docs) {
    const reporter = new DocumentReporter(diagnostics, file, doc.index, doc.lineOf);
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        diagnostics.add({
          severity: 'error',
          file,
          doc: doc.index,
          ...(err.line !== undefined ? { line: err.line } : {}),
          path: '',
          message: `YAML syntax error: ${err.message}`,
        });
      }
      continue;
    }
    const other = readDocument(doc.value, { file, doc: doc.index }, reporter, doc.lineOf(['metadata', 'name']), into);
    if (other && isEventKind(other.apiVersion, other.kind)) into.eventDocs.push({ ...other, lineOf: doc.lineOf });
  }
  return true;
}

function readDocument(
  value: unknown,
  origin: Origin,
  reporter: DocumentReporter,
  nameLine: number | undefined,
  { pending, others, deployments }: ReadDocuments,
): Project['others'][number] | undefined {
  if (!isObject(value) || (value['apiVersion'] === undefined && value['kind'] === undefined)) {
    reporter.warning([], 'not a Kubernetes manifest; skipped');
    return;
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    reporter.error(['apiVersion'], `missing; expected a string such as "${FUNCTION_V1BETA2}"`);
    return;
  }
  if (typeof kind !== 'string' || kind === '') {
    reporter.error(['kind'], 'missing; expected a string such as "Function"');
    return;
  }
  if (apiVersion === FUNCTION_V1ALPHA2) {
    reporter.error(['apiVersion'], `${FUNCTION_V1ALPHA2} was removed in OpenFunction 1.0; rewrite the ${kind} as ${FUNCTION_V1BETA2}`);
    return;
  }

  const isFunction = kind === 'Function' && (apiVersion === FUNCTION_V1BETA2 || apiVersion === FUNCTION_V1BETA1);
  const isDeployment = apiVersion === DEPLOYMENT.apiVersion && kind === DEPLOYMENT.kind;
  const other = isFunction || isDeployment ? undefined : findOtherKind(apiVersion, kind);
  if (!isFunction && !isDeployment && !other) {
    reporter.error(['kind'], `${apiVersion} ${kind} is not supported; ofn-local reads ${SUPPORTED_KINDS_TEXT}`);
    return;
  }

  const metadata = isObject(value['metadata']) ? value['metadata'] : {};
  const name = metadata['name'];
  const namespace = typeof metadata['namespace'] === 'string' && metadata['namespace'] ? metadata['namespace'] : DEFAULT_NAMESPACE;
  if (name === undefined || name === null || name === '') {
    reporter.error(['metadata', 'name'], `missing; expected the ${kind}'s name`);
    return;
  }

  if (isFunction) {
    const doc = apiVersion === FUNCTION_V1BETA2 ? readFunctionV1beta2(value, reporter) : readFunctionV1beta1(value, reporter);
    if (doc) {
      const fnOrigin: Origin = doc.convertedFrom ? { ...origin, convertedFrom: doc.convertedFrom } : origin;
      pending.push({ doc, origin: fnOrigin, namespace, ...(nameLine !== undefined ? { nameLine } : {}) });
    }
    return;
  }

  if (typeof name !== 'string') {
    reporter.error(['metadata', 'name'], `expected a string, got ${describeValue(name)}`);
    return;
  }
  if (isDeployment) {
    const deployment = readDeployment(value, namespace, origin, reporter);
    if (deployment) deployments.push(deployment);
    return;
  }
  const kept = { apiVersion, kind, name, namespace: other?.clusterScoped ? '' : namespace, origin, resource: value };
  others.push(kept);
  return kept;
}

/** Reports Functions defined twice in one namespace, naming both places; keeps the first. */
function withoutDuplicates(pending: PendingFunction[], cwd: string): PendingFunction[] {
  const seen = new Map<string, PendingFunction>();
  const unique: PendingFunction[] = [];
  for (const item of pending) {
    const key = `${item.namespace}/${item.doc.fn.metadata.name ?? ''}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, item);
      unique.push(item);
      continue;
    }
    const firstFile = path.relative(cwd, first.origin.file) || first.origin.file;
    const firstWhere = `${firstFile}${first.nameLine !== undefined ? `:${first.nameLine}` : ''} [doc ${first.origin.doc}]`;
    item.doc.reporter.error(['metadata', 'name'], `duplicate Function ${key}: also defined at ${firstWhere}`);
  }
  return unique;
}

/**
 * Reports Deployments defined twice in one namespace, or named as a Function of it (status, logs
 * and the journal name both by `<namespace>/<name>`); keeps the first.
 */
function withoutDuplicateDeployments(deployments: LoadedDeployment[], functions: LoadedFunction[], diagnostics: DiagnosticList): LoadedDeployment[] {
  const seen = new Map<string, string>(functions.map((f) => [`${f.namespace}/${f.name}`, `a Function (${f.origin.file})`]));
  return deployments.filter((d) => {
    const key = `${d.namespace}/${d.name}`;
    const first = seen.get(key);
    if (first === undefined) return seen.set(key, `a Deployment (${d.origin.file})`);
    diagnostics.add({ severity: 'error', file: d.origin.file, doc: d.origin.doc, path: 'metadata.name', message: `Deployment ${key} has the name of ${first}: rename one of them` });
    return false;
  });
}

/** Types of the standalone Dapr Components loaded, by `<namespace>/<name>`. */
function daprComponentTypes(others: Project['others']): Map<string, string> {
  const types = new Map<string, string>();
  for (const other of others) {
    if (other.apiVersion !== DAPR_COMPONENT.apiVersion || other.kind !== DAPR_COMPONENT.kind) continue;
    const spec = other.resource['spec'];
    const type = isObject(spec) ? spec['type'] : undefined;
    if (typeof type === 'string' && type) types.set(`${other.namespace}/${other.name}`, type);
  }
  return types;
}

/** The folder given first, or the folder of the first file given. */
async function projectRoot(given: string[], cwd: string): Promise<string> {
  const first = path.resolve(cwd, given[0] ?? '.');
  try {
    return (await stat(first)).isDirectory() ? first : path.dirname(first);
  } catch {
    return cwd;
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
