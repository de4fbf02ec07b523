import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDocker } from '../helpers/engine.js';
import { tempProject } from '../helpers/temp-project.js';

// The reaper image cannot be pulled here (no registry); the module cleans up after itself anyway.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const { OfnLocalContainer } = await import('../../src/testing/testcontainers.js');
type Started = Awaited<ReturnType<InstanceType<typeof OfnLocalContainer>['start']>>;

describe.skipIf(!hasDocker)('Testcontainers module: the daemon in a container', () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  let started: Started | undefined;

  beforeAll(async () => {
    project = await tempProject('fixtures/hello-node');
    // The image is built from this checkout (dist/ included) with no registry.
    started = await new OfnLocalContainer(project.dir).start();
  }, 600_000);
  afterAll(async () => {
    await started?.stop();
    await project?.cleanup();
  });

  it('serves the project: a function answers through the mapped gateway', async () => {
    const res = await started!.project.invoke('hello-node', undefined, { path: '?name=container' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello, container');
    expect(started!.project.url('hello-node')).toBe(`${started!.gatewayUrl}/default/hello-node`);
    const status = await started!.project.status();
    expect(status.functions[0]).toMatchObject({ name: 'hello-node', runtime: 'knative', replicas: 1 });
  });

  it('stop removes the daemon, its function containers and its network', async () => {
    const docker = new Docker();
    const filters = { label: [`io.ofn-local.root=${project.dir}`] };
    expect((await docker.listContainers({ all: true, filters })).length).toBeGreaterThan(0);
    const name = started!.getName().replace(/^\//, '');
    await started!.stop();
    started = undefined;
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listContainers({ all: true })).filter((c) => c.Names.includes(`/${name}`))).toEqual([]);
  });
});
