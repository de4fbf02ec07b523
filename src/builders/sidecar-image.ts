import type Docker from 'dockerode';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BaseImage } from './base-image.js';
import { buildImage } from './docker-image.js';
import { SIDECAR_BUNDLE } from './framework-files.js';
import { fileHash } from './fingerprint.js';
import { imageExists } from './images.js';

/**
 * The image Dapr sidecar containers run: the bundled sidecar on the same Node base as function
 * images. Tagged by a hash of the bundle and the base, so it is built once per version.
 */
export async function ensureSidecarImage(docker: Docker, base: BaseImage, log: (line: string) => void): Promise<string> {
  const hash = (await fileHash(SIDECAR_BUNDLE)).slice(0, 12);
  const tag = `ofn-local/sidecar:${hash}-${base.id.replace(/^sha256:/, '').slice(0, 8)}`;
  if (await imageExists(docker, tag)) return tag;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-sidecar-'));
  try {
    await copyFile(SIDECAR_BUNDLE, path.join(dir, 'ofn-sidecar.cjs'));
    await writeFile(path.join(dir, 'Dockerfile'), [`FROM ${base.ref}`, 'COPY ofn-sidecar.cjs /ofn/ofn-sidecar.cjs', 'CMD ["node", "/ofn/ofn-sidecar.cjs"]', ''].join('\n'));
    log(`building the Dapr sidecar image ${tag}`);
    await buildImage(docker, dir, tag, {}, log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}
