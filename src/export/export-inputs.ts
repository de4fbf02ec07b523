/**
 * The whole export of some inputs (a project folder or manifest files): load the project, read
 * the git facts of every function folder ofn-local builds and the project's own config, then map.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadProject, type Diagnostic, type Project } from '../model/index.js';
// The model finds a folder's manifests this way; the -o folder is taken out of that list.
import { findManifestFiles } from '../model/index.js';
import { exportProject } from './export-project.js';
import { readGitFactsFor } from './git-facts.js';
import { readLocalConfig } from './local-config.js';
import type { ExportApiVersion, ExportResult } from './types.js';

export interface ExportInputsOptions {
  /** Folder relative inputs and the paths in messages are relative to. */
  cwd: string;
  apiVersion?: ExportApiVersion;
  registry?: string;
  /**
   * A folder whose manifests are not part of the project although it lies inside an input
   * folder: the `-o` folder of an earlier export, which would otherwise be read as a second copy.
   */
  exclude?: string;
}

export interface ExportInputsResult extends ExportResult {
  project: Project;
  /** The model's warnings about the manifests read (unknown fields dropped, files skipped). */
  modelWarnings: Diagnostic[];
}

/** Throws the model's ModelError when the manifests are invalid. */
export async function exportInputs(inputs: string[], opts: ExportInputsOptions): Promise<ExportInputsResult> {
  const cwd = path.resolve(opts.cwd);
  const given = inputs.length > 0 ? inputs : [cwd];
  const project = await loadProject(await withoutExcluded(given, cwd, opts.exclude), { cwd });
  const sources = project.functions.flatMap((fn) => (fn.source.kind === 'local' ? [fn.source.dir] : []));
  const [git, localConfig] = await Promise.all([readGitFactsFor(sources, opts.exclude && path.resolve(cwd, opts.exclude)), readLocalConfig(await rootOf(given, cwd))]);
  const result = exportProject(project, {
    ...(opts.apiVersion ? { apiVersion: opts.apiVersion } : {}),
    ...(opts.registry !== undefined ? { registry: opts.registry } : {}),
    git,
    ...(localConfig ? { localConfig } : {}),
    cwd,
  });
  return { ...result, project, modelWarnings: project.warnings };
}

/** The inputs, as a list of files without those below `exclude` when there are such files. */
async function withoutExcluded(given: string[], cwd: string, exclude: string | undefined): Promise<string[]> {
  if (exclude === undefined) return given;
  const { files, unreadable } = await findManifestFiles(given, cwd);
  if (unreadable.length > 0) return given; // Let the model say what cannot be read.
  const kept = files.filter((file) => !isInside(file, path.resolve(cwd, exclude)));
  return kept.length === files.length || kept.length === 0 ? given : kept;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The project folder: the first input when it is a folder, else the folder of that file. */
async function rootOf(given: string[], cwd: string): Promise<string> {
  const first = path.resolve(cwd, given[0] ?? '.');
  try {
    return (await stat(first)).isDirectory() ? first : path.dirname(first);
  } catch {
    return cwd;
  }
}
