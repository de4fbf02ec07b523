/**
 * The image Python function images are built on: one with python3 and its venv module. The official
 * Python image when it is there or can be pulled; offline, the base docker/build-base-image.sh
 * --python makes with debootstrap (Debian's python3 and python3-venv).
 */
import type Docker from 'dockerode';
import { BASE_IMAGE_SCRIPT, type BaseImage } from '../base-image.js';
import { pullImage } from '../images.js';
import { PythonBuildError } from './errors.js';

export const DEFAULT_PYTHON_BASE_IMAGE = 'python:3.11-slim-bookworm';
export const OFFLINE_PYTHON_BASE_IMAGE = 'ofn-local/python-base:bookworm';

export async function resolvePythonBaseImage(docker: Docker, log: (line: string) => void, requested = process.env.OFN_LOCAL_PYTHON_BASE_IMAGE): Promise<BaseImage> {
  // The offline base first when nothing is asked for: a pull that cannot succeed costs seconds.
  for (const ref of requested ? [requested] : [OFFLINE_PYTHON_BASE_IMAGE, DEFAULT_PYTHON_BASE_IMAGE]) {
    const id = await inspectId(docker, ref);
    if (id) return { ref, id };
  }
  const wanted = requested ?? DEFAULT_PYTHON_BASE_IMAGE;
  const pullError = await pullImage(docker, wanted);
  if (!pullError) {
    log(`pulled ${wanted} for Python functions`);
    return { ref: wanted, id: (await inspectId(docker, wanted))! };
  }
  throw new PythonBuildError(
    'ERR_PYTHON_BASE_IMAGE',
    `no base image for Python functions: ${wanted} is not on this engine and cannot be pulled (${pullError})${requested ? ' (OFN_LOCAL_PYTHON_BASE_IMAGE)' : ''}`,
    {},
    `build the offline one with: sudo bash ${BASE_IMAGE_SCRIPT} --python  (then run again)`,
  );
}

async function inspectId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}
