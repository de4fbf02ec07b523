import { OfnError } from '../../errors.js';
import { buildProjectImages } from '../../builders/project-images.js';
import { registryProblem } from '../../export/index.js';
import { loadProject } from '../../model/index.js';
import { loadProjectConfig } from '../../model/project-config.js';
import { projectId, projectRoot } from '../../daemon/state.js';
import type { CliIo } from '../io.js';

export interface BuildCommandOptions {
  build?: 'fast' | 'buildpacks';
  registry?: string;
  builderImage?: string;
  verbose?: boolean;
}

/**
 * `ofn-local build`: builds every function's image as the cluster would and prints each image name
 * (stdout, one a line); build phases and failures go to stderr. Exit 1 naming each failed function.
 */
export async function buildCommand(inputs: string[], opts: BuildCommandOptions, io: CliIo): Promise<number> {
  if (opts.registry !== undefined) {
    const problem = registryProblem(opts.registry);
    if (problem) throw new OfnError('ERR_USAGE', `--registry: ${problem}`);
  }
  const project = await loadProject(inputs, { cwd: io.cwd });
  const root = projectRoot(inputs, io.cwd);
  const config = await loadProjectConfig(root);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  const outcomes = await buildProjectImages({
    project,
    root,
    projectId: projectId(root),
    build: opts.build ?? config?.build ?? 'buildpacks',
    ...(opts.registry ? { registry: opts.registry.trim() } : {}),
    ...(opts.builderImage ? { builderImage: opts.builderImage } : {}),
    log: (fn, line) => (opts.verbose ? err(`${fn} | ${line}`) : undefined),
    onPhase: (fn, phase) => err(`${fn} buildpacks: ${phase}`),
  });
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of outcomes) {
    if (o.ok && 'image' in o) io.stdout.write(`${o.image}\n`);
    else if (o.ok) err(`${o.fn}: skipped: ${o.skipped}`);
    else err(`error: build of ${o.fn} failed: ${o.message}`);
  }
  if (failed.length > 0) {
    err(`${failed.length} of ${outcomes.length} builds failed: ${failed.map((o) => o.fn).join(', ')}`);
    return 1;
  }
  return 0;
}
