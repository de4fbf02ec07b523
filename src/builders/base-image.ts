import type Docker from 'dockerode';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { pullImage } from './images.js';
import { BuildError } from './errors.js';

/** An official Node image: what a user with a registry gets. */
export const DEFAULT_BASE_IMAGE = 'node:20-bookworm-slim';
/** Built without any registry by docker/build-base-image.sh (debootstrap + docker import). */
export const OFFLINE_BASE_IMAGE = 'ofn-local/node-base:bookworm';

export const BASE_IMAGE_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'docker',
  'build-base-image.sh',
);

export interface BaseImage {
  ref: string;
  id: string;
}

/**
 * The image function images are built FROM. An explicit choice must exist or be pullable. The
 * default is the official Node image; offline, the locally built base stands in for it (with a notice).
 */
export async function resolveBaseImage(docker: Docker, requested: string | undefined, log: (line: string) => void): Promise<BaseImage> {
  const wanted = requested ?? DEFAULT_BASE_IMAGE;
  const local = await inspectId(docker, wanted);
  if (local) return { ref: wanted, id: local };
  const pullError = await pullImage(docker, wanted);
  if (!pullError) return { ref: wanted, id: (await inspectId(docker, wanted))! };
  if (!requested) {
    const offline = await inspectId(docker, OFFLINE_BASE_IMAGE);
    if (offline) {
      log(`base image ${wanted} cannot be pulled (${pullError}); using the offline base ${OFFLINE_BASE_IMAGE}`);
      return { ref: OFFLINE_BASE_IMAGE, id: offline };
    }
  }
  throw new BuildError(
    'ERR_BASE_IMAGE',
    `base image ${wanted} is not on this engine and cannot be pulled: ${pullError}`,
    {},
    `build the offline base image with: sudo bash ${BASE_IMAGE_SCRIPT}  (then run again; or pass --base-image)`,
  );
}

async function inspectId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}
