import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';

/** True when the engine has the image. */
export function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Pulls an image; resolves to why it failed (the engine's words, trimmed), or undefined on success. */
export async function pullImage(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    return undefined;
  } catch (err) {
    return errorMessage(err).replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim();
  }
}
