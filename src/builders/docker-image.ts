import type Docker from 'dockerode';
import tar from 'tar-fs';
import { BuildError } from './errors.js';

/**
 * Builds an image from a context folder (Dockerfile at its root) through the engine's API and
 * streams the build output to `log`.
 */
export async function buildImage(
  docker: Docker,
  contextDir: string,
  tag: string,
  labels: Record<string, string>,
  log: (line: string) => void,
  /** How the context folder is packed (e.g. `dereference` for a context made of symlinks to big folders). */
  pack: tar.PackOptions = {},
): Promise<void> {
  const context = tar.pack(contextDir, pack) as unknown as NodeJS.ReadableStream;
  const stream = await docker.buildImage(context, { t: tag, labels, rm: true, forcerm: true });
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.stream) for (const l of event.stream.split('\n')) if (l.trim()) log(l);
        if (event.error) failure = event.errorDetail?.message ?? event.error;
      },
    );
  }).catch((err: unknown) => {
    failure ??= String(err);
  });
  if (failure) throw new BuildError('ERR_IMAGE_BUILD', `image build for ${tag} failed: ${failure}`);
}
