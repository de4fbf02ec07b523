/**
 * `--dapr embedded|daprd`: whose sidecar runs beside functions. `embedded` (the default) is
 * ofn-local's own (src/sidecar); `daprd` runs the real one with the same flags and Component files:
 * the daprio/daprd image on Docker, a daprd binary (the Dapr CLI's `~/.dapr/bin/daprd`, or on PATH)
 * on the process runtime.
 */
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageExists, pullImage } from '../build/images.js';
import { OfnError } from '../errors.js';

export type DaprMode = 'embedded' | 'daprd';
/** The Dapr OpenFunction 1.2's Helm chart installs. */
export const DEFAULT_DAPRD_VERSION = '1.11.3';

export class DaprModeError extends OfnError<'ERR_DAPRD_UNAVAILABLE'> {}

/** The daprd image for `version`, pulled if the engine lacks it; a clear error when it cannot be. */
export async function daprdImage(docker: Docker, version: string): Promise<string> {
  const ref = `daprio/daprd:${version}`;
  if (await imageExists(docker, ref)) return ref;
  const why = await pullImage(docker, ref);
  if (why) {
    throw new DaprModeError(
      'ERR_DAPRD_UNAVAILABLE',
      `--dapr daprd needs the image ${ref}, which is not on this engine and cannot be pulled: ${why}`,
      {},
      `run with --dapr embedded (the default: ofn-local's own sidecar), or load ${ref} into the engine (docker pull / docker load on a machine that reaches Docker Hub)`,
    );
  }
  return ref;
}

/** The daprd binary for the process runtime: $DAPRD, the Dapr CLI's, or one on PATH. */
export function daprdBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.DAPRD, path.join(os.homedir(), '.dapr', 'bin', 'daprd'), ...(env.PATH ?? '').split(path.delimiter).map((d) => d && path.join(d, 'daprd'))].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new DaprModeError(
      'ERR_DAPRD_UNAVAILABLE',
      '--dapr daprd on the process runtime needs a daprd binary: none in $DAPRD, ~/.dapr/bin or on PATH',
      {},
      'install the Dapr CLI and run `dapr init --slim`, set DAPRD to a daprd binary, or run with --dapr embedded (the default)',
    );
  }
  return found;
}
