// Buildpacks builds: ofn-local's lifecycle driver beside `pack build` (github.com/buildpacks/pack,
// built from the Go module proxy by bench/build-pack.sh for this benchmark only), with the same
// builder (ofn-local's offline builder) and the same app, in the same run: a cold build (empty
// caches) and a rebuild after a one-line change, for the Node and Go fixtures.
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BuildpacksBuilder } from '../dist/builders/buildpacks/buildpacks-builder.js';
import { assembleOfflineBuilder } from '../dist/builders/buildpacks/offline/assemble-builder.js';
import { loadProject } from '../dist/model/index.js';
import { engineAvailable } from '../dist/runtime/docker/engine.js';
import { figure } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

const FIXTURES = [
  { name: 'node', dir: 'hello-node', file: 'index.js', from: "'world'", to: "'buildpacks'" },
  // The same function with a dependency to install (express: about 60 packages from the npm registry).
  { name: 'node+express', dir: 'hello-node', file: 'index.js', from: "'world'", to: "'buildpacks'", dependencies: { express: '4.21.2' } },
  { name: 'go', dir: 'go-hello', file: 'src/hello.go', from: 'hello from Go', to: 'hello from a rebuilt Go' },
];

export const buildpacksBenchmarks = [
  {
    name: 'buildpacks-build',
    description: "buildpacks build of the Node and Go fixtures with ofn-local's offline builder, cold and after a one-line change; baseline: pack build (v0.36.4) with the same builder and app",
    run: buildpacksBuild,
  },
];

async function buildpacksBuild() {
  if (!(await engineAvailable())) throw new Error('no Docker engine');
  const docker = new Docker();
  const builder = (await assembleOfflineBuilder({ docker, log: () => undefined })).image;
  const pack = (await run('bash', [path.join(root, 'bench', 'build-pack.sh')], { maxBuffer: 1 << 24 })).stdout.trim().split('\n').pop();
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const packHome = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-pack-home-'));
  const images = [];
  const figures = [];
  try {
    for (const fx of FIXTURES) {
      const project = `bench-${tag}-${fx.name.replace(/[^a-z0-9]/g, '')}`;
      const oursRun = () =>
        timeBuilds(fx, async (dir, fn) => {
          const b = new BuildpacksBuilder({ docker, stateDir: path.join(dir, '.ofn-local'), projectId: project, builderImage: builder, offlineBuilder: async () => builder });
          const r = await b.build(fn, { log: () => undefined });
          images.push(r.image, `ofn-local/${project}-default-${fn.name}:buildpacks`);
        });
      const packImage = `ofn-local-bench/${fx.name.replace(/[^a-z0-9]/g, '')}-pack:${tag}`;
      images.push(packImage);
      const packRun = () =>
        timeBuilds(fx, async (dir, fn) => {
          const args = ['build', packImage, '--builder', builder, '--path', fn.source.dir, '--pull-policy', 'never', '--trust-builder', '--quiet'];
          for (const [k, v] of Object.entries(fn.buildEnv)) args.push('--env', `${k}=${v}`);
          await run(pack, args, { env: { ...process.env, PACK_HOME: packHome, DOCKER_CONFIG: packHome }, maxBuffer: 1 << 26 });
        });
      // Which goes first (a proxy on the way may serve the second one's downloads from its cache).
      const packFirst = process.env.OFN_LOCAL_BENCH_PACK_FIRST === '1';
      const theirsFirst = packFirst ? await packRun() : undefined;
      const ours = await oursRun();
      const theirs = theirsFirst ?? (await packRun());
      figures.push(
        figure(`${fx.name} cold build`, 'ofn-local vs pack', ours.cold, theirs.cold, 's'),
        figure(`${fx.name} one-line rebuild`, 'ofn-local vs pack', ours.rebuild, theirs.rebuild, 's'),
        { name: `${fx.name} rebuild speed-up`, metric: 'cold / rebuild (ofn-local)', value: ours.cold / ours.rebuild, unit: 'x', baseline: theirs.cold / theirs.rebuild, ratio: undefined },
      );
    }
  } finally {
    for (const ref of images) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    // pack keeps its caches in volumes named after the image: this run's go.
    const volumes = (await docker.listVolumes()).Volumes ?? [];
    for (const v of volumes) if (v.Name.startsWith('pack-cache-') && v.Name.includes(tag)) await docker.getVolume(v.Name).remove().catch(() => undefined);
    await rm(packHome, { recursive: true, force: true });
  }
  return figures;
}

/** A fresh copy of the fixture: a cold build, then a one-line edit and a rebuild (seconds each). */
async function timeBuilds(fx, build) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-cnb-'));
  try {
    await cp(path.join(root, 'fixtures', fx.dir), dir, { recursive: true });
    if (fx.dependencies) {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: fx.dependencies }, null, 2));
    }
    const load = async () => (await loadProject([dir], { cwd: dir })).functions[0];
    let t0 = performance.now();
    await build(dir, await load());
    const cold = (performance.now() - t0) / 1000;
    const file = path.join(dir, fx.file);
    await writeFile(file, (await readFile(file, 'utf8')).replace(fx.from, fx.to));
    t0 = performance.now();
    await build(dir, await load());
    const rebuild = (performance.now() - t0) / 1000;
    return { cold, rebuild };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
