import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonBus } from '../../../../src/daemon/bus.js';
import { BuildController, type BuildControllerOptions } from '../../../../src/daemon/controllers/build.js';
import { clusterHostNames } from '../../../../src/daemon/dapr-resources.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { loadProject } from '../../../../src/model/load.js';
import { CAPTURE_ENV } from '../../../../src/sidecar/capture.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

/** A Node function built from its folder, with a Redis state store named by its in-cluster name. */
const NODE_FUNCTION = `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata: { name: cart }
spec:
  version: v1.0.0
  image: example/cart:latest
  build:
    builder: openfunction/builder-node:latest
    env: { FUNC_NAME: cart }
    srcRepo: { url: "." }
  serving:
    triggers:
      http: { port: 8080 }
    states:
      carts:
        spec:
          type: state.redis
          version: v1
          metadata: [{ name: redisHost, value: "redis.default.svc.cluster.local:6379" }]
`;

const SOURCE = {
  'index.js': 'exports.cart = (req, res) => res.send("ok");\n',
  'package.json': '{ "name": "cart", "version": "1.0.0", "main": "index.js" }\n',
};

/** A build controller on the process runtime (no engine): Node functions become app folders. */
async function setup(files: Record<string, string>, o: Partial<BuildControllerOptions> = {}) {
  const dir = await tempProject(files);
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const build = new BuildController({
    bus,
    signal: new AbortController().signal,
    project: () => project,
    stateDir: path.join(dir, '.ofn-local'),
    sharedDir: path.join(dir, '.ofn-local'),
    buildsId: 'test',
    docker: undefined,
    runtimeKind: 'process',
    watch: false,
    readyTimeoutMs: 10_000,
    configBuild: () => undefined,
    // The stand-in of the sync function cart under each of its in-cluster names.
    functionAddresses: async () => new Map(clusterHostNames('default', 'cart').map((host) => [host, '127.0.0.1:41000'])),
    ...o,
  });
  return { build, bus, journal, project, dir };
}

describe('build controller', () => {
  it('builds a Node function into an app folder, with its sidecar pointed at where the backing services run', async () => {
    const { build, bus, journal, project } = await setup({ 'function.yaml': NODE_FUNCTION, ...SOURCE });
    await bus.dispatch({ type: 'services.addresses', reach: new Map(), pods: new Map([['redis.default.svc.cluster.local:6379', '127.0.0.1:40001']]) });
    const fn = project.functions[0]!;
    const spec = await build.instanceSpec(fn);
    expect(await readFile(path.join(spec.appDir!, 'index.js'), 'utf8')).toBe(SOURCE['index.js']);
    expect(spec.image).toBeUndefined();
    expect(build.language('default/cart')).toBe('node');
    expect(build.compiled('default/cart')).toBe(false);
    // ofn-local's sidecar, whose output the daemon journals, and the component file it loads.
    expect(spec.sidecar).toMatchObject({ appId: 'cart-default', appProtocol: 'http', env: { [CAPTURE_ENV]: '1' } });
    expect(spec.env.APP_PROTOCOL).toBe('http');
    expect(await readFile(path.join(spec.sidecar!.resourcesDir, 'carts.yaml'), 'utf8')).toContain('127.0.0.1:40001');
    // The other app ids: each sync function's stand-in, as pods reach it.
    expect(JSON.parse(await readFile(spec.sidecar!.appIdsFile!, 'utf8'))).toMatchObject({ 'cart-default': { address: '127.0.0.1:41000', protocol: 'http' } });
    expect(journal.filter((e) => e.type === 'build.finished')).toEqual([expect.objectContaining({ fn: 'default/cart', cached: false })]);
  });

  it('gives every spec a new generation, and does not build unchanged code twice', async () => {
    const { build, journal, project } = await setup({ 'function.yaml': NODE_FUNCTION, ...SOURCE });
    const fn = project.functions[0]!;
    const first = await build.instanceSpec(fn);
    const second = await build.instanceSpec(fn);
    expect(second.generation).toBe(first.generation + 1);
    expect(second.appDir).toBe(first.appDir);
    expect(journal.filter((e) => e.type === 'build.finished').map((e) => e.type === 'build.finished' && e.cached)).toEqual([false, true]);
  });

  it('runs the framework under its reload supervisor in dev mode, from a live folder', async () => {
    const { build, project } = await setup({ 'function.yaml': NODE_FUNCTION, ...SOURCE }, { watch: true });
    const spec = await build.instanceSpec(project.functions[0]!);
    expect(spec.env.OFN_LOCAL_RELOAD).toBe('1');
    expect(spec.liveAppDir).toBe(true);
    expect(build.servesLiveBinary('default/cart', spec.appDir)).toBe(false);
  });

  it('refuses what needs an engine on the process runtime, naming the field', async () => {
    const { build, project, journal } = await setup({ 'functions.yaml': imageFunction('prebuilt') });
    await expect(build.instanceSpec(project.functions[0]!)).rejects.toMatchObject({ code: 'ERR_RUNTIME_UNSUPPORTED', where: { path: 'spec.image' } });
    const buildpacks = await setup({ 'function.yaml': NODE_FUNCTION, ...SOURCE }, { configBuild: () => 'buildpacks' });
    await expect(buildpacks.build.instanceSpec(buildpacks.project.functions[0]!)).rejects.toMatchObject({ code: 'ERR_RUNTIME_UNSUPPORTED' });
    expect(journal.some((e) => e.type === 'build.finished')).toBe(false);
  });
});
