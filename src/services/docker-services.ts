import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BackingServiceConfig } from '../model/project-config.js';
import { buildImage } from '../build/docker-image.js';
import { imageExists } from '../build/images.js';
import type { BaseImage } from '../build/base-image.js';
import { LABEL_PROJECT, LABEL_ROOT } from '../runtime/docker/labels.js';
import { waitForPort } from '../runtime/wait-for-port.js';
import { ServiceError } from './errors.js';
import { RECIPES } from './recipes.js';

export interface DockerServicesOptions {
  docker: Docker;
  projectId: string;
  root: string;
  /** The project network: services join it under their names, so `redis:6379` works unchanged. */
  network: string;
  base: () => Promise<BaseImage>;
  log: (line: string) => void;
}

/** Starts each service as a container on the project network (removed with the project's label). */
export async function startDockerService(svc: BackingServiceConfig, o: DockerServicesOptions): Promise<{ host: string; port: number }> {
  const image = svc.image ?? (await recipeImage(svc, o));
  const name = `ofn-local-${o.projectId}-svc-${svc.name}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const container = await o.docker.createContainer({
    name,
    Image: image,
    Labels: { [LABEL_PROJECT]: o.projectId, [LABEL_ROOT]: o.root, 'io.ofn-local.service': svc.name },
    HostConfig: { NetworkMode: o.network },
    NetworkingConfig: { EndpointsConfig: { [o.network]: { Aliases: [svc.name] } } },
  });
  await container.start();
  const ip = (await container.inspect()).NetworkSettings.Networks[o.network]?.IPAddress ?? '127.0.0.1';
  try {
    await waitForPort(ip, svc.port, { timeoutMs: 60_000, intervalMs: 50 });
  } catch {
    throw new ServiceError('ERR_SERVICE_START', `backing service ${svc.name} (${svc.type}) did not listen on port ${svc.port} within 60 s`, { port: svc.port });
  }
  return { host: ip, port: svc.port };
}

async function recipeImage(svc: BackingServiceConfig, o: DockerServicesOptions): Promise<string> {
  if (svc.type === 'kafka') {
    throw new ServiceError('ERR_SERVICE_UNSUPPORTED', `backing service ${svc.name}: Kafka runs as a host process only for now`, {}, 'use --runtime process, set image: to a Kafka image of yours, or run Kafka yourself');
  }
  const base = await o.base();
  const lines = [`FROM ${base.ref}`, ...RECIPES[svc.type].dockerfile(svc.port), ''];
  const tag = `ofn-local/service-${svc.type}:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12)}`;
  if (await imageExists(o.docker, tag)) return tag;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-service-'));
  try {
    await writeFile(path.join(dir, 'Dockerfile'), lines.join('\n'));
    o.log(`building the ${svc.type} image ${tag} (Debian's package on ${base.ref})`);
    await buildImage(o.docker, dir, tag, {}, o.log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}
