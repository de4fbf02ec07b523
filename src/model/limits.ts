/**
 * Sizes ofn-local accepts from a project, each checked before the work it would cost: a manifest
 * file before it is read (a 60 MB file took gigabytes to parse), `serving.params` before an
 * instance is spawned with them (the kernel refuses the exec with E2BIG).
 */
import type { DocumentReporter } from './diagnostics.js';

/**
 * A manifest file's largest size. A cluster keeps one object to 1.5 MiB (etcd's request limit) and
 * the API server takes 3 MiB per request; a file of several objects gets a little more room.
 */
export const MANIFEST_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * One environment variable (`NAME=value` and its terminating NUL): Linux's MAX_ARG_STRLEN
 * (32 pages of 4 KiB). execve fails with E2BIG beyond it, in a container as on the host.
 */
export const ENV_VAR_MAX_BYTES = 128 * 1024;

/**
 * All `serving.params` together. Linux takes at most a quarter of the stack limit (2 MiB under the
 * usual 8 MiB) for a program's arguments and environment; half of that is left for FUNC_CONTEXT,
 * the proxy settings and whatever else the instance's environment holds.
 */
export const PARAMS_TOTAL_MAX_BYTES = 1024 * 1024;

/** `1.5 MiB`, `200.0 KiB`, `812 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The message for a manifest file over MANIFEST_FILE_MAX_BYTES (reported against the file). */
export function manifestTooLarge(size: number): string {
  return (
    `the file is ${formatSize(size)}; ofn-local reads manifest files of at most ${formatSize(MANIFEST_FILE_MAX_BYTES)} ` +
    `(a cluster stores one object of at most 1.5 MiB): split it into several files, keep large data out of the manifests ` +
    '(a file the function reads, or a ConfigMap on the cluster), or move a YAML file that is not a manifest out of the project folder'
  );
}

/** Reports params a process could not be started with: each variable, then their total. */
export function checkParamsSize(params: Record<string, string>, reporter: DocumentReporter): void {
  const at = ['spec', 'serving', 'params'];
  const advice = 'keep large values out of params: put them in a file the function reads, or fetch them when it starts';
  let total = 0;
  for (const [name, value] of Object.entries(params)) {
    const size = Buffer.byteLength(`${name}=${value}`) + 1;
    total += size;
    if (size > ENV_VAR_MAX_BYTES) {
      reporter.error(
        [...at, name],
        `is ${formatSize(size)} as the environment variable ${name}; a process cannot be started with a variable over ` +
          `${formatSize(ENV_VAR_MAX_BYTES)} (Linux's limit per variable, E2BIG): ${advice}`,
      );
    }
  }
  if (total > PARAMS_TOTAL_MAX_BYTES) {
    reporter.error(
      at,
      `the params add up to ${formatSize(total)} of environment variables; ofn-local allows ${formatSize(PARAMS_TOTAL_MAX_BYTES)} ` +
        `(Linux starts a program with at most 2 MiB of arguments and environment under the usual 8 MiB stack, FUNC_CONTEXT included): ${advice}`,
    );
  }
}
