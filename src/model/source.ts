/**
 * Where a Function's code is on this machine. In order:
 * 1. the annotation `ofn-local.dev/source: <folder>` (relative to the manifest's folder);
 * 2. `spec.build.srcRepo.url` that is a local path (`./x`, `../x`, `.`, `/abs`, `file://...`),
 *    relative to the manifest's folder, plus `sourceSubPath`;
 * 3. a remote git URL: taken to mean "this checkout", so `sourceSubPath` is resolved against the
 *    top folder of the git checkout holding the manifest;
 * 4. no `spec.build`: the image is run as is.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentReporter } from './diagnostics.js';
import type { FieldPath } from './field-path.js';
import type { FunctionV1beta2 } from './function-schema.js';
import type { GitTopLevel } from './git-toplevel.js';
import type { ResolvedSource } from './types.js';

export const SOURCE_ANNOTATION = 'ofn-local.dev/source';

export interface SourceContext {
  /** Absolute folder of the manifest file. */
  manifestDir: string;
  gitTopLevel: (dir: string) => Promise<GitTopLevel>;
}

const REMOTE_GIT_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;
const ANNOTATION_HINT = `add the annotation "${SOURCE_ANNOTATION}: <folder>" (relative to the manifest's folder) to metadata.annotations`;

/** Resolves the source; returns undefined after reporting when it cannot be found. */
export async function resolveSource(
  fn: FunctionV1beta2,
  ctx: SourceContext,
  reporter: DocumentReporter,
): Promise<ResolvedSource | undefined> {
  const annotation = fn.metadata.annotations?.[SOURCE_ANNOTATION];
  if (annotation !== undefined) {
    const at = ['metadata', 'annotations', SOURCE_ANNOTATION];
    if (annotation.trim() === '') {
      reporter.error(at, 'expected a folder (relative to the manifest\'s folder), got an empty string');
      return undefined;
    }
    const dir = path.resolve(ctx.manifestDir, annotation);
    return (await checkFolder(dir, at, reporter)) ? { kind: 'local', dir, via: 'annotation' } : undefined;
  }

  const build = fn.spec.build;
  if (!build) return { kind: 'image', image: fn.spec.image };

  const repo = build.srcRepo;
  const urlPath: FieldPath = ['spec', 'build', 'srcRepo', 'url'];
  const subPathPath: FieldPath = ['spec', 'build', 'srcRepo', 'sourceSubPath'];
  const subPath = (repo.sourceSubPath ?? '').replace(/^\/+/, '');
  if (!repo.url) {
    reporter.error(
      repo.bundleContainer ? ['spec', 'build', 'srcRepo', 'bundleContainer'] : urlPath,
      repo.bundleContainer
        ? `source bundles (bundleContainer) are not supported locally; ${ANNOTATION_HINT}`
        : `missing; expected the git URL or a local folder of the function's code, or ${ANNOTATION_HINT}`,
    );
    return undefined;
  }

  if (!REMOTE_GIT_URL.test(repo.url) || repo.url.startsWith('file://')) {
    let base: string;
    try {
      base = repo.url.startsWith('file://') ? fileURLToPath(repo.url) : path.resolve(ctx.manifestDir, repo.url);
    } catch (err) {
      reporter.error(urlPath, `expected an absolute file:// URL, got ${JSON.stringify(repo.url)} (${(err as Error).message})`);
      return undefined;
    }
    if (!(await checkFolder(base, urlPath, reporter))) return undefined;
    const dir = path.resolve(base, subPath);
    if (subPath && !(await checkFolder(dir, subPathPath, reporter))) return undefined;
    return { kind: 'local', dir, via: 'srcRepo.url' };
  }

  const top = await ctx.gitTopLevel(ctx.manifestDir);
  if (!top.ok) {
    reporter.error(
      urlPath,
      `${JSON.stringify(repo.url)} is a remote repository, which ofn-local takes to mean the git checkout ` +
        `holding the manifest, but ${top.message}; ${ANNOTATION_HINT}`,
    );
    return undefined;
  }
  const dir = path.resolve(top.dir, subPath);
  const at = subPath ? subPathPath : urlPath;
  return (await checkFolder(dir, at, reporter, `resolved against the checkout ${top.dir}`))
    ? { kind: 'local', dir, via: 'checkout' }
    : undefined;
}

async function checkFolder(dir: string, at: FieldPath, reporter: DocumentReporter, how?: string): Promise<boolean> {
  const resolved = how ? ` (${how})` : '';
  try {
    if ((await stat(dir)).isDirectory()) return true;
    reporter.error(at, `expected a folder with the function's code, but ${dir}${resolved} is not a folder`);
  } catch {
    reporter.error(at, `expected a folder with the function's code, but ${dir}${resolved} does not exist`);
  }
  return false;
}
