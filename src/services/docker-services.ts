import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackingServiceConfig } from '../model/project-config.js';
import { buildImage } from '../builders/docker-image.js';
import { imageExists } from '../builders/images.js';
import type { BaseImage } from '../builders/base-image.js';
import { LABEL_PROJECT, LABEL_ROOT } from '../runtime/docker/labels.js';
import { waitForPort } from '../runtime/wait-for-port.js';
import { errorMessage } from '../errors.js';
import { ServiceError } from './errors.js';
import { KAFKA_DOCKER_RECIPE, RECIPES } from './recipes.js';

const KAFKA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docker', 'kafka');

export interface DockerServicesOptions {
  docker: Docker;
  projectId: string;
  root: string;
  /** The project network: services join it under their names, so `redis:6379` works unchanged. */
  network: string;
  /** More names on that network (the in-cluster forms, `redis.default.svc`, ...). */
  aliases?: string[];
  base: () => Promise<BaseImage>;
  log: (line: string) => void;
}

/**
 * Starts each service as a container on the project network (removed with the project's label).
 *
 * Returns the address a client on the host uses: the container's IP and the service's port, except
 * for Kafka built here, where it is the EXTERNAL listener (container IP, port + 2), advertised as that
 * IP; the service's own port advertises `<name>:<port>`, which only containers on the project network
 * resolve.
 */
export interface DockerService {
  address: { host: string; port: number };
  /** Whether its container runs. */
  alive(): Promise<boolean>;
  /** Starts its container again (same name, network alias and data); resolves to its address then. */
  restart(): Promise<{ host: string; port: number }>;
}

export async function startDockerService(svc: BackingServiceConfig, o: DockerServicesOptions): Promise<DockerService> {
  const image = svc.image ?? (svc.type === 'kafka' ? await kafkaImage(o) : await recipeImage(svc, o));
  const builtKafka = svc.type === 'kafka' && !svc.image;
  const name = `ofn-local-${o.projectId}-svc-${svc.name}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const labels = { [LABEL_PROJECT]: o.projectId, [LABEL_ROOT]: o.root, 'io.ofn-local.service': svc.name };
  // Kafka built here keeps its log in a volume of the project: a crashed daemon's next start finds
  // the records (and consumer offsets) the old container held.
  if (builtKafka) await o.docker.createVolume({ Name: `${name}-data`, Labels: labels });
  const container = await o.docker.createContainer({
    name,
    Image: image,
    Labels: labels,
    ...(builtKafka ? { Env: KAFKA_DOCKER_RECIPE.env(svc.name, svc.port) } : {}),
    HostConfig: { NetworkMode: o.network, ...(builtKafka ? { Binds: [`${name}-data:${KAFKA_DOCKER_RECIPE.dataDir}`] } : {}) },
    NetworkingConfig: { EndpointsConfig: { [o.network]: { Aliases: [svc.name, ...(o.aliases ?? [])] } } },
  });
  const hostPort = builtKafka ? KAFKA_DOCKER_RECIPE.externalPort(svc.port) : svc.port;
  // A JVM broker on two cores takes a while; the others listen within a second.
  const timeoutMs = svc.type === 'kafka' ? 120_000 : 60_000;
  // Stop waiting as soon as the container is gone (a bad image, a broken start script).
  const check = async () => {
    const state = (await container.inspect()).State;
    if (state.Running) return;
    const logs = await container.logs({ stdout: true, stderr: true, tail: 20 }).then(demuxLogs, () => '');
    throw new ServiceError('ERR_SERVICE_START', `backing service ${svc.name} (${svc.type}) exited with ${state.ExitCode} before listening${logs.trim() ? `:\n${logs.trim()}` : ''}`, { port: svc.port });
  };
  const run = async (): Promise<{ host: string; port: number }> => {
    await container.start();
    const ip = (await container.inspect()).NetworkSettings.Networks[o.network]?.IPAddress ?? '127.0.0.1';
    for (const port of new Set([svc.port, hostPort])) {
      try {
        await waitForPort(ip, port, { timeoutMs, intervalMs: svc.type === 'kafka' ? 250 : 50, check });
      } catch (err) {
        if (err instanceof ServiceError) throw err;
        throw new ServiceError('ERR_SERVICE_START', `backing service ${svc.name} (${svc.type}) did not listen on port ${port} within ${timeoutMs / 1000} s`, { port });
      }
    }
    return { host: ip, port: hostPort };
  };
  const alive = async () => Boolean((await container.inspect().catch(() => undefined))?.State.Running);
  return {
    address: await run(),
    alive,
    restart: async () => {
      if (!(await alive())) return run();
      const ip = (await container.inspect()).NetworkSettings.Networks[o.network]?.IPAddress ?? '127.0.0.1';
      return { host: ip, port: hostPort };
    },
  };
}

async function recipeImage(svc: BackingServiceConfig, o: DockerServicesOptions): Promise<string> {
  if (svc.type === 'kafka') return kafkaImage(o);
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

/**
 * The Kafka image (see KAFKA_DOCKER_RECIPE), tagged by a hash of its Dockerfile, run-kafka.sh and the
 * jars' names and sizes (their names carry their versions), so it is built once per machine.
 */
async function kafkaImage(o: DockerServicesOptions): Promise<string> {
  const libs = await kafkaLibs();
  const jars = (await readdir(libs)).filter((f) => f.endsWith('.jar')).sort();
  if (jars.length === 0) throw new ServiceError('ERR_SERVICE_MISSING', `no Kafka jars in ${libs}`, {}, kafkaLibsHint());
  const script = await readFile(path.join(KAFKA_DIR, 'run-kafka.sh'));
  const base = await o.base();
  const lines = [`FROM ${base.ref}`, ...KAFKA_DOCKER_RECIPE.dockerfile(), ''];
  const hash = createHash('sha256').update(lines.join('\n')).update(script);
  for (const jar of jars) hash.update(`${jar}:${(await stat(path.join(libs, jar))).size}\n`);
  const tag = `ofn-local/service-kafka:${hash.digest('hex').slice(0, 12)}`;
  if (await imageExists(o.docker, tag)) return tag;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-service-'));
  try {
    await writeFile(path.join(dir, 'Dockerfile'), lines.join('\n'));
    await writeFile(path.join(dir, 'run-kafka.sh'), script);
    await mkdir(path.join(dir, 'libs'));
    // Copies, not links: the build context is a tar of this folder.
    for (const jar of jars) await copyFile(path.join(libs, jar), path.join(dir, 'libs', jar));
    o.log(`building the kafka image ${tag} (Debian's Java 17 and ${jars.length} jars from ${libs} on ${base.ref})`);
    await buildImage(o.docker, dir, tag, {}, o.log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}

function kafkaLibsHint(): string {
  return `run: export OFN_LOCAL_KAFKA_LIBS=$(bash ${path.join(KAFKA_DIR, 'fetch-kafka.sh')})  (needs Maven and a Java 17 JRE: apt-get install -y maven openjdk-17-jre-headless), or set image: to a Kafka image of yours`;
}

/**
 * The folder of Kafka's broker jars: OFN_LOCAL_KAFKA_LIBS, else what docker/kafka/fetch-kafka.sh
 * prints (its cache answers at once; the first run resolves the jars from Maven Central).
 */
export async function kafkaLibs(): Promise<string> {
  const fromEnv = process.env.OFN_LOCAL_KAFKA_LIBS;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new ServiceError('ERR_SERVICE_MISSING', `OFN_LOCAL_KAFKA_LIBS names ${fromEnv}, which does not exist`, {}, kafkaLibsHint());
  }
  const script = path.join(KAFKA_DIR, 'fetch-kafka.sh');
  const out = await new Promise<string>((resolve, reject) =>
    execFile('bash', [script], { timeout: 600_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${errorMessage(err).split('\n')[0]}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`));
      else resolve(stdout);
    }),
  ).catch((err: unknown) => {
    throw new ServiceError('ERR_SERVICE_MISSING', `backing service kafka needs Kafka's jars and ${script} could not get them (${errorMessage(err)})`, {}, kafkaLibsHint());
  });
  const libs = out.trim().split('\n').pop()?.trim() ?? '';
  if (!libs || !existsSync(libs)) throw new ServiceError('ERR_SERVICE_MISSING', `${script} printed no folder of Kafka jars`, {}, kafkaLibsHint());
  return libs;
}

/** The text of a non-TTY container's log buffer: frames of an 8-byte header (stream, size) and data. */
function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
