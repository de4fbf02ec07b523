/**
 * `--dapr embedded|daprd`: whose sidecar runs beside functions. `embedded` (the default) is
 * ofn-local's own (src/sidecar); `daprd` runs the real one with the same flags and Component files.
 *
 * Where daprd comes from, first found wins:
 * - Docker: the official `daprio/daprd:<version>` image when the engine has it (a user's laptop),
 *   else `ofn-local/daprd:<version>`, an image made here from a daprd built from source (no registry).
 * - Process: `$DAPRD`, the Dapr CLI's `~/.dapr/bin/daprd`, a `daprd` on PATH, else the daprd built
 *   from source.
 * "Built from source" is docker/daprd/build-daprd.sh: the dapr module from the Go module proxy,
 * built with the stable components into the cache folder (cacheDir() below, the script's too). When
 * it is not there yet and Go is, it is built on demand (minutes, once); without Go, the error says
 * what to run.
 */
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BaseImage } from '../builders/base-image.js';
import { buildImage } from '../builders/docker-image.js';
import { imageExists } from '../builders/images.js';
import { OfnError } from '../errors.js';
import { splitLines } from '../runtime/split-lines.js';

// Declared with the status the CLI, the TUI and the test API read; re-exported for the daemon's users.
export type { DaprMode } from '../protocol/status.js';
/**
 * The daprd `--dapr daprd` runs by default: the newest the Go module proxy serves that builds here.
 * OpenFunction 1.2's chart installs 1.11.3, which the proxy does not serve (1.11.2 and 1.11.0 it does).
 */
export const DEFAULT_DAPRD_VERSION = '1.14.0';

export const DAPRD_BUILD_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docker', 'daprd', 'build-daprd.sh');

export class DaprModeError extends OfnError<'ERR_DAPRD_UNAVAILABLE'> {}

/**
 * The cache folder daprd builds go to (as docker/daprd/build-daprd.sh picks it): $OFN_LOCAL_CACHE,
 * else /var/cache/ofn-local when writable, else ~/.cache/ofn-local.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OFN_LOCAL_CACHE) return env.OFN_LOCAL_CACHE;
  const machine = '/var/cache/ofn-local';
  try {
    mkdirSync(machine, { recursive: true });
    accessSync(machine, constants.W_OK);
    return machine;
  } catch {
    return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'ofn-local');
  }
}

/** Where the daprd built from source for `version` is (whether or not it exists yet). */
export function builtDaprdPath(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), `daprd-${version}`, 'daprd');
}

function checkVersion(version: string): void {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) {
    throw new DaprModeError('ERR_DAPRD_UNAVAILABLE', `--daprd-version ${version} is not a Dapr version`, {}, `give one such as ${DEFAULT_DAPRD_VERSION} (without a leading v)`);
  }
}

/** The command that builds daprd from source, as a user would type it. */
function buildCommand(version: string, image: boolean): string {
  return `bash ${DAPRD_BUILD_SCRIPT} ${version}${image ? '' : ' --no-image'}`;
}

/** A `go` to build with: on PATH, or Go's usual /usr/local/go. */
function goBinary(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/go/bin'];
  return dirs.map((d) => path.join(d, 'go')).find((c) => existsSync(c));
}

/**
 * The daprd built from source for `version`: the cached one, else built now (Go needed) with its
 * progress on `log`. Only the binary: the image is made by daprdImage from it.
 */
export async function builtDaprd(version: string, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  checkVersion(version);
  const bin = builtDaprdPath(version, env);
  if (existsSync(bin)) return bin;
  // Several functions asking at once share one build.
  let building = builds.get(bin);
  if (!building) {
    building = buildDaprd(version, bin, log, env).finally(() => builds.delete(bin));
    builds.set(bin, building);
  }
  return building;
}

const builds = new Map<string, Promise<string>>();
const images = new Map<string, Promise<void>>();

async function buildDaprd(version: string, bin: string, log: (line: string) => void, env: NodeJS.ProcessEnv): Promise<string> {
  const go = goBinary(env);
  if (!go) {
    throw new DaprModeError(
      'ERR_DAPRD_UNAVAILABLE',
      `--dapr daprd needs daprd ${version}: there is no daprd here (no daprio/daprd image, no daprd in $DAPRD, ~/.dapr/bin or on PATH, none built at ${bin}) and no Go to build one`,
      {},
      `install Go and run \`${buildCommand(version, false)}\` (it builds daprd from the Go module proxy), install the Dapr CLI and run \`dapr init --slim\`, or run with --dapr embedded (the default: ofn-local's own sidecar)`,
    );
  }
  log(`building daprd ${version} from source (Go module proxy, stable components): several minutes, once; later runs reuse ${bin}`);
  const lines: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [DAPRD_BUILD_SCRIPT, version, '--no-image'], {
      env: { ...env, PATH: `${env.PATH ?? ''}${path.delimiter}${path.dirname(go)}`, OFN_LOCAL_CACHE: cacheDir(env) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    splitLines(child.stderr!, (line) => {
      lines.push(line);
      if (lines.length > 20) lines.shift();
      // Go's per-module download lines are many and say little: progress is the script's own lines.
      if (!line.startsWith('go: downloading')) log(`daprd build: ${line}`);
    });
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0 || !existsSync(bin)) {
    throw new DaprModeError('ERR_DAPRD_UNAVAILABLE', `building daprd ${version} from source failed:\n${lines.slice(-10).join('\n')}`, {}, `run \`${buildCommand(version, false)}\` to see the whole output, or run with --dapr embedded`);
  }
  return bin;
}

/**
 * The daprd image for `version`: the official one when the engine has it, else ofn-local's made
 * from the daprd built from source (built first when needed), FROM `base` (the function images' base).
 */
export async function daprdImage(docker: Docker, version: string, base: () => Promise<BaseImage>, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  checkVersion(version);
  const official = `daprio/daprd:${version}`;
  if (await imageExists(docker, official)) return official;
  const local = `ofn-local/daprd:${version}`;
  if (await imageExists(docker, local)) return local;
  let making = images.get(local);
  if (!making) {
    making = (async () => {
      const bin = await builtDaprd(version, log, env);
      const from = await base();
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-daprd-image-'));
      try {
        await copyFile(bin, path.join(dir, 'daprd'));
        await writeFile(path.join(dir, 'Dockerfile'), [`FROM ${from.ref}`, 'COPY daprd /daprd', 'ENTRYPOINT []', 'CMD ["/daprd", "--version"]', ''].join('\n'));
        log(`building the daprd image ${local} from ${bin}`);
        await buildImage(docker, dir, local, { 'org.opencontainers.image.version': version }, log);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })().finally(() => images.delete(local));
    images.set(local, making);
  }
  await making;
  return local;
}

/** A daprd someone installed: $DAPRD, the Dapr CLI's, or one on PATH. */
export function installedDaprd(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = env.HOME || os.homedir();
  const candidates = [env.DAPRD, path.join(home, '.dapr', 'bin', 'daprd'), ...(env.PATH ?? '').split(path.delimiter).map((d) => d && path.join(d, 'daprd'))].filter((c): c is string => Boolean(c));
  return candidates.find((c) => existsSync(c));
}

/** The daprd binary for the process runtime: an installed one, else the one built from source (built now when needed). */
export async function daprdBinary(version: string, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  checkVersion(version);
  return installedDaprd(env) ?? (await builtDaprd(version, log, env));
}
