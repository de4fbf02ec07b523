import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject, loadProjectConfig } from '../../../src/model/index.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function withConfig(text: string): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-project-config-'));
  await writeFile(path.join(dir, 'ofn-local.yaml'), text);
  return dir;
}

describe('ofn-local.yaml', () => {
  it('says how functions are built: build: buildpacks or fast; anything else names the field and the choices', async () => {
    expect((await loadProjectConfig(await withConfig('build: buildpacks\n')))?.build).toBe('buildpacks');
    expect((await loadProjectConfig(await withConfig('services: {}\n')))?.build).toBeUndefined();
    await expect(loadProjectConfig(await withConfig('build: pack\n'))).rejects.toThrow(/ofn-local\.yaml:1 build: fast or buildpacks/);
  });

  it('declares backing services under their host names, with default ports', async () => {
    const config = await loadProjectConfig(await withConfig('services:\n  redis: { type: redis }\n  emqx: { type: mqtt, port: 11883 }\n  bus: { type: nats, image: my/nats:1 }\n'));
    expect(config?.services).toEqual([
      { name: 'redis', type: 'redis', port: 6379 },
      { name: 'emqx', type: 'mqtt', port: 11883 },
      { name: 'bus', type: 'nats', port: 4222, image: 'my/nats:1' },
    ]);
  });

  it('is absent when there is no file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-project-config-'));
    expect(await loadProjectConfig(dir)).toBeUndefined();
  });

  it.each([
    ['services:\n  redis: { type: postgres }\n', /ofn-local\.yaml:2 services\.redis\.type: one of redis, mqtt, nats, kafka/],
    ['services:\n  redis:\n    type: redis\n    port: "x"\n', /ofn-local\.yaml:4 services\.redis\.port/],
    ['services:\n  Redis_1: { type: redis }\n', /services\.Redis_1: .*host name/],
    ['services:\n  redis: { type: redis, replicas: 2 }\n', /services\.redis/],
    ['servces: {}\n', /ofn-local\.yaml:1/],
  ])('rejects %j with the file, line and field', async (text, message) => {
    await expect(loadProjectConfig(await withConfig(text))).rejects.toThrow(message);
  });

  it('is not read as a manifest', async () => {
    const d = await withConfig('services: {}\n');
    await writeFile(path.join(d, 'fn.yaml'), 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: { name: f }\nspec:\n  image: x/y:1\n  serving: { triggers: { http: { port: 8080 } } }\n');
    const project = await loadProject([d]);
    expect(project.files.map((f) => path.basename(f))).toEqual(['fn.yaml']);
    expect(project.warnings).toEqual([]);
  });
});
