/**
 * Runs a builder's lifecycle (`/cnb/lifecycle/creator`) on the engine as `pack build` does: one
 * container from the builder image, as root with the Docker socket mounted (`-daemon`: the image goes
 * straight into this engine), the app copied in owned by the builder's CNB_USER_ID (buildpacks rewrite
 * /workspace, so it is not bind-mounted), the build env as files under /platform/env, CNB_PLATFORM_API
 * negotiated, and the layer cache and launch cache in folders kept per function. Output lines go to
 * `log`; each phase start goes to `onPhase`; a failure names its phase and buildpack.
 */
import type Docker from 'dockerode';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import tar from 'tar-fs';
import { IGNORED_DIRS } from '../fingerprint.js';
import type { BuilderInfo } from './builder-info.js';
import { BuildpacksError } from './errors.js';
import { compareApi, negotiatePlatformApi, PLATFORM_APIS } from './platform-api.js';
import { describeFailure, newProgress, readLine, type LifecyclePhase } from './phases.js';

export interface CreatorRun {
  docker: Docker;
  builder: BuilderInfo;
  /** The app's source folder (copied in). */
  appDir: string;
  /** The image to make (in this engine). */
  image: string;
  /** More names for the same image. */
  tags?: string[];
  /** The image whose layers are reused (default: `image` itself, as the lifecycle does). */
  previousImage?: string;
  /** spec.build.env: one file each under /platform/env. */
  platformEnv: Record<string, string>;
  /** Host folders kept between builds of the function. */
  cacheDir: string;
  launchCacheDir: string;
  /** Labels of the build container (the project's, so a crash leaks nothing unnoticed). */
  labels: Record<string, string>;
  log: (line: string) => void;
  onPhase?: (phase: LifecyclePhase) => void;
  signal?: AbortSignal;
  /** For messages: `namespace/name`. */
  what: string;
}

export interface CreatorResult {
  platformApi: string;
  imageId: string;
}

/** Upper bound of the in-memory /layers (tmpfs takes only what is written). */
const LAYERS_TMPFS_SIZE = process.env.OFN_LOCAL_CNB_LAYERS_SIZE ?? '16g';

/** Proxy settings reach the buildpacks (npm, go) as they reach every other build. */
const PASS_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

export async function runCreator(r: CreatorRun): Promise<CreatorResult> {
  const { docker, builder } = r;
  const api = negotiatePlatformApi(builder.platformApis);
  if (!api) {
    throw new BuildpacksError(
      'ERR_PLATFORM_API',
      `the lifecycle of builder ${builder.ref} speaks Platform API ${builder.platformApis.join(', ') || '(none named)'}, and ofn-local speaks ${PLATFORM_APIS[0]} to ${PLATFORM_APIS[PLATFORM_APIS.length - 1]}`,
      { path: 'spec.build.builder' },
    );
  }
  await mkdir(r.cacheDir, { recursive: true });
  await mkdir(r.launchCacheDir, { recursive: true });
  const args = ['-app', '/workspace', '-layers', '/layers', '-platform', '/platform', '-cache-dir', '/cache', '-launch-cache', '/launch-cache', '-daemon', '-log-level', 'debug'];
  if (builder.runImage) args.push('-run-image', builder.runImage);
  if (r.previousImage && compareApi(api, '0.7') >= 0) args.push('-previous-image', r.previousImage);
  for (const t of r.tags ?? []) args.push('-tag', t);
  args.push(r.image);
  const socket = engineSocket(docker);
  const env = [`CNB_PLATFORM_API=${api}`, ...PASS_ENV.filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`)];

  const container = await docker.createContainer({
    Image: builder.id,
    User: 'root',
    Entrypoint: ['/cnb/lifecycle/creator'],
    Cmd: args,
    Env: env,
    Labels: r.labels,
    HostConfig: {
      Binds: [`${socket}:/var/run/docker.sock`, `${r.cacheDir}:/cache`, `${r.launchCacheDir}:/launch-cache`],
      ExtraHosts: ['host.docker.internal:host-gateway'],
      // /layers in memory: the restorer unpacks the cache layers (a Go module and build cache are tens
      // of thousands of files) and the container's removal takes them away, both several times
      // faster than in the container's overlay layer (measured: a Go rebuild 17 s -> 8.5 s).
      Tmpfs: { '/layers': `rw,exec,size=${LAYERS_TMPFS_SIZE},mode=0755` },
    },
  });
  const onAbort = () => void container.kill().catch(() => undefined);
  try {
    await copyIn(container, r.appDir, r.platformEnv, builder);
    const progress = newProgress();
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    docker.modem.demuxStream(stream, out, out);
    let pending = '';
    const lines = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) {
        const phase = readLine(progress, l);
        if (phase) r.onPhase?.(phase);
        if (l.trim()) r.log(l.replace(/\x1b\[[0-9;]*m/g, ''));
      }
    };
    out.on('data', lines);
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    if (r.signal?.aborted) throw new BuildpacksError('ERR_BUILDPACKS_PHASE', `the build of ${r.what} was aborted`);
    r.signal?.addEventListener('abort', onAbort, { once: true });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, sleep(1000)]);
    if (pending) lines(Buffer.from('\n'));
    if (StatusCode !== 0) {
      if (r.signal?.aborted) throw new BuildpacksError('ERR_BUILDPACKS_PHASE', `the build of ${r.what} was aborted`);
      const f = describeFailure(progress, StatusCode);
      throw new BuildpacksError(
        'ERR_BUILDPACKS_PHASE',
        `buildpacks build of ${r.what} failed in the ${f.phase ?? 'lifecycle'} phase${f.buildpack ? ` (buildpack ${f.buildpack})` : ''}: ${f.reason}`,
        {},
        f.phase === 'detect' ? "the builder's buildpacks did not recognise the folder: check spec.build.builder, spec.build.env.FUNC_NAME and the source folder" : undefined,
      );
    }
    const inspect = await docker.getImage(r.image).inspect();
    return { platformApi: api, imageId: inspect.Id };
  } finally {
    r.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** The app into /workspace (owned by the builder's user) and the build env into /platform/env. */
async function copyIn(container: Docker.Container, appDir: string, platformEnv: Record<string, string>, builder: BuilderInfo): Promise<void> {
  const own = (prefix: string, uid: number, gid: number) => (h: tar.Headers) => {
    h.name = h.name === '.' || h.name === '' ? prefix : `${prefix}/${h.name}`;
    h.uid = uid;
    h.gid = gid;
    // Readable by the buildpacks' user whatever the host's umask or temp folder mode.
    h.mode = h.type === 'directory' ? 0o755 : (h.mode ?? 0o644) | 0o444;
    return h;
  };
  const app = tar.pack(appDir, {
    ignore: (name) => path.relative(appDir, name).split(path.sep).some((part) => IGNORED_DIRS.has(part)),
    map: own('workspace', builder.uid, builder.gid),
  }) as unknown as NodeJS.ReadableStream;
  await container.putArchive(app, { path: '/' });
  const envDir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-platform-env-'));
  try {
    for (const [k, v] of Object.entries(platformEnv)) await writeFile(path.join(envDir, k), v);
    const env = tar.pack(envDir, { map: own('platform/env', 0, 0) }) as unknown as NodeJS.ReadableStream;
    await container.putArchive(env, { path: '/' });
  } finally {
    await rm(envDir, { recursive: true, force: true });
  }
}

/** The engine's unix socket on this host, mounted into the build for `-daemon`. */
export function engineSocket(docker: Docker): string {
  const configured = (docker.modem as { socketPath?: unknown }).socketPath;
  if (typeof configured === 'string' && configured) return configured;
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}
