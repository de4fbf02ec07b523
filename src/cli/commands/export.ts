import path from 'node:path';
import {
  CrdSchemas,
  ExportError,
  SCHEMA_CHECK_SKIPPED,
  checkManifests,
  exportInputs,
  findCrdDir,
  registryProblem,
  renderYamlStream,
  writeDocuments,
  type ExportResult,
} from '../../export/index.js';
import { formatDiagnostic, formatPath } from '../../model/index.js';
import type { CliIo } from '../io.js';

export interface ExportCommandOptions {
  /** A folder for one file per manifest, or `-` (the default) for one YAML stream on stdout. */
  output?: string;
  registry?: string;
  apiVersion: 'v1beta2' | 'v1beta1';
  check?: boolean;
  crds?: string;
}

/**
 * `ofn-local export`: load the project, read git facts and the project config, map to cluster
 * manifests, check them against the CRDs when at hand, write them. `--check` judges manifests instead.
 */
export async function exportCommand(inputs: string[], opts: ExportCommandOptions, io: CliIo): Promise<number> {
  if (opts.check) return checkCommand(inputs, opts, io);
  const apiVersion = opts.apiVersion ?? 'v1beta2';
  if (apiVersion !== 'v1beta2' && apiVersion !== 'v1beta1') {
    throw new ExportError('ERR_USAGE', `--api-version: expected v1beta2 or v1beta1, got ${JSON.stringify(apiVersion)}`);
  }
  const registry = opts.registry?.trim();
  if (opts.registry !== undefined) {
    const problem = registryProblem(opts.registry);
    if (problem) throw new ExportError('ERR_USAGE', `--registry: ${problem}`);
  }
  const warn = (line: string) => io.stderr.write(`warning: ${line}\n`);
  // The exported manifests are checked against the CRDs when they can be found (a bad --crds fails first).
  const crdLocation = await findCrdDir({ ...(opts.crds !== undefined ? { option: opts.crds } : {}), cwd: io.cwd });

  const toFolder = opts.output !== undefined && opts.output !== '-';
  const result = await exportInputs(inputs, {
    cwd: io.cwd,
    apiVersion,
    ...(registry !== undefined ? { registry } : {}),
    // An earlier export into a folder inside the project is not part of the project.
    ...(toFolder ? { exclude: path.resolve(io.cwd, opts.output ?? '') } : {}),
  });
  for (const d of result.modelWarnings) warn(formatDiagnostic(d, io.cwd).replace(' warning: ', ' '));
  for (const line of result.warnings) warn(line);
  if (crdLocation) for (const line of await schemaWarnings(result, crdLocation.dir)) warn(line);

  if (!toFolder || opts.output === undefined) {
    io.stdout.write(renderYamlStream(result.documents));
    return 0;
  }
  const dir = path.resolve(io.cwd, opts.output);
  const { written, others } = await writeDocuments(dir, result.documents);
  for (const file of written) io.stdout.write(`${path.relative(io.cwd, file) || file}\n`);
  for (const file of others) {
    warn(`${path.relative(io.cwd, file) || file} was not written by this export: remove it if it is stale, since kubectl apply -f ${path.relative(io.cwd, dir) || '.'} applies it too`);
  }
  return 0;
}

/** Problems of the exported manifests against the CRD schemas. */
async function schemaWarnings(result: ExportResult, crdDir: string): Promise<string[]> {
  const crds = await CrdSchemas.load(crdDir);
  const lines: string[] = [];
  for (const doc of result.documents) {
    for (const problem of crds.check(doc.object) ?? []) {
      const subject = doc.namespace ? `${doc.kind} ${doc.namespace}/${doc.name}` : `${doc.kind} ${doc.name}`;
      lines.push(`${subject}: ${formatPath(problem.path)}: ${problem.message} (the exported manifest does not pass the CRD schema)`);
    }
  }
  return lines;
}

async function checkCommand(inputs: string[], opts: ExportCommandOptions, io: CliIo): Promise<number> {
  if (opts.output !== undefined || opts.registry !== undefined) {
    throw new ExportError('ERR_USAGE', '--check reads manifests and writes none: leave out -o and --registry', {}, 'Run export without --check to write manifests.');
  }
  const location = await findCrdDir({ ...(opts.crds !== undefined ? { option: opts.crds } : {}), cwd: io.cwd });
  const crds = location ? await CrdSchemas.load(location.dir) : undefined;
  if (!crds) io.stderr.write(`warning: ${SCHEMA_CHECK_SKIPPED}\n`);

  const result = await checkManifests(inputs, { cwd: io.cwd, ...(crds ? { crds } : {}) });
  for (const problem of result.problems) io.stdout.write(`${formatDiagnostic(problem, io.cwd)}\n`);
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const files = `${result.files.length} ${result.files.length === 1 ? 'file' : 'files'}`;
  const against = crds ? `the CRD schemas (${path.relative(io.cwd, crds.dir) || '.'}) and ofn-local's rules` : "ofn-local's rules";
  if (errors > 0) {
    io.stdout.write(`${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''} in ${files}, checked against ${against}\n`);
    return 1;
  }
  io.stdout.write(`ok: ${plural(result.manifests, 'manifest')} in ${files} pass ${against}${warnings > 0 ? ` (${plural(warnings, 'warning')})` : ''}\n`);
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
