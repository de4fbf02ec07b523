/**
 * The image the Testcontainers module runs ofn-local's daemon in, built on this machine with no
 * registry: the base function images use (the official Node image, else the offline base), this
 * Node and npm, and this package with its production dependencies. Tagged by a hash of what goes in,
 * so it is built once per version of ofn-local.
 */
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBaseImage } from '../builders/base-image.js';
import { buildImage } from '../builders/docker-image.js';
import { imageExists } from '../builders/images.js';
import { OfnTestingError } from './errors.js';

/** The package root (two levels above this file, from src/ or dist/). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What the image holds of the package. */
const PACKAGE_PARTS = ['package.json', 'package-lock.json', 'bin', 'dist', 'docker'];

/** `ofn-local/daemon:<version>-<hash>`: changes whenever the built package, Node or npm change. */
export async function daemonImageTag(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(process.version);
  hash.update(npmDir());
  for (const part of PACKAGE_PARTS) {
    for (const file of await listFiles(path.join(PACKAGE_ROOT, part))) {
      hash.update(`${path.relative(PACKAGE_ROOT, file)}\0`);
      hash.update(await readFile(file));
    }
  }
  const version = (JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return `ofn-local/daemon:${version}-${hash.digest('hex').slice(0, 12)}`;
}

/** Builds the daemon image unless the engine has it; resolves to its tag. */
export async function ensureDaemonImage(docker: Docker, log: (line: string) => void = () => {}): Promise<string> {
  if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new OfnTestingError('ERR_TESTING', `ofn-local is not built in ${PACKAGE_ROOT}`, {}, 'run npm run build');
  }
  const tag = await daemonImageTag();
  if (await imageExists(docker, tag)) return tag;
  const base = await resolveBaseImage(docker, undefined, log);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-daemon-image-'));
  try {
    const pkg = path.join(dir, 'pkg');
    for (const part of PACKAGE_PARTS) {
      if (existsSync(path.join(PACKAGE_ROOT, part))) await cp(path.join(PACKAGE_ROOT, part), path.join(pkg, part), { recursive: true });
    }
    log('installing ofn-local\'s production dependencies for the daemon image');
    await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], pkg);
    await copyFile(process.execPath, path.join(dir, 'node'));
    await cp(npmDir(), path.join(dir, 'npm'), { recursive: true });
    const ca = process.env.NODE_EXTRA_CA_CERTS && (await readFile(process.env.NODE_EXTRA_CA_CERTS).catch(() => undefined));
    if (ca) await writeFile(path.join(dir, 'extra-ca.pem'), ca);
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${base.ref}`,
        // This machine's Node (20+, which the daemon needs) and npm (function builds run npm install).
        'COPY node /usr/local/bin/node',
        'COPY npm /usr/local/lib/node_modules/npm',
        'RUN ln -sf /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -sf /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
        ...(ca ? ['COPY extra-ca.pem /usr/local/share/ofn-local/extra-ca.pem', 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ofn-local/extra-ca.pem'] : []),
        'COPY pkg /opt/ofn-local',
        'RUN ln -sf /opt/ofn-local/bin/ofn-local.js /usr/local/bin/ofn-local',
        'ENTRYPOINT ["/usr/local/bin/node", "/opt/ofn-local/bin/ofn-local.js"]',
        '',
      ].join('\n'),
    );
    log(`building the daemon image ${tag} FROM ${base.ref}`);
    await buildImage(docker, dir, tag, {}, log);
    await removeOlderDaemonImages(docker, tag);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}

/** Images of earlier builds of ofn-local are of no further use (one in use by a container stays). */
async function removeOlderDaemonImages(docker: Docker, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: ['ofn-local/daemon'] } });
  for (const image of images) {
    if ((image.RepoTags ?? []).includes(keep)) continue;
    for (const t of image.RepoTags ?? []) await docker.getImage(t).remove().catch(() => undefined);
  }
}

/** npm's own folder beside this Node (…/lib/node_modules/npm). */
function npmDir(): string {
  const candidates = [path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'), path.resolve(path.dirname(process.execPath), 'node_modules', 'npm')];
  const found = candidates.find((d) => existsSync(path.join(d, 'bin', 'npm-cli.js')));
  if (!found) throw new OfnTestingError('ERR_TESTING', `npm was not found beside ${process.execPath}`, {}, 'use a Node installed with its npm, or pass an image to OfnLocalContainer');
  return found;
}

async function listFiles(p: string): Promise<string[]> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return [];
  if (!s.isDirectory()) return [p];
  const out: string[] = [];
  for (const e of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(...(await listFiles(path.join(p, e.name))));
  }
  return out;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new OfnTestingError('ERR_TESTING', `${command} ${args.join(' ')} failed (${code}): ${err.trim()}`))));
  });
}
