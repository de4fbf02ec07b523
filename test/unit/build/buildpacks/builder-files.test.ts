import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builderInfoFrom } from '../../../../src/builders/buildpacks/builder-info.js';
import { readLayerMetadata, writeLaunchToml, writeLayerToml } from '../../../../src/builders/buildpacks/offline/cnb-io.js';
import { OFFLINE_RUN_IMAGE, builderLabels, orderToml, parseLifecycleToml } from '../../../../src/builders/buildpacks/offline/builder-files.js';
import type Docker from 'dockerode';

const LIFECYCLE_TOML = `[apis]
[apis.buildpack]
  deprecated = ["0.2"]
  supported = ["0.2", "0.8", "0.10"]
[apis.platform]
  deprecated = []
  supported = ["0.3", "0.11", "0.12"]

[lifecycle]
  version = "0.17.2"
`;

describe('offline builder files', () => {
  it('reads lifecycle.toml as the lifecycle script writes it', () => {
    expect(parseLifecycleToml(LIFECYCLE_TOML)).toEqual({
      version: '0.17.2',
      apis: { buildpack: { supported: ['0.2', '0.8', '0.10'], deprecated: ['0.2'] }, platform: { supported: ['0.3', '0.11', '0.12'], deprecated: [] } },
    });
    expect(() => parseLifecycleToml('[lifecycle]\n')).toThrow(/no version/);
  });

  it("labels the builder as pack's builders are labelled, and reads them back as a builder", () => {
    const labels = builderLabels(parseLifecycleToml(LIFECYCLE_TOML));
    const info = builderInfoFrom('ofn-local/cnb-builder:x', {
      Id: 'sha256:abc',
      Config: { Env: ['PATH=/bin', 'CNB_USER_ID=1000', 'CNB_GROUP_ID=1001'], Labels: labels },
    } as unknown as Docker.ImageInspectInfo);
    expect(info).toEqual({ ref: 'ofn-local/cnb-builder:x', id: 'sha256:abc', uid: 1000, gid: 1001, platformApis: ['0.3', '0.11', '0.12'], lifecycleVersion: '0.17.2', runImage: OFFLINE_RUN_IMAGE });
    expect(JSON.parse(labels['io.buildpacks.buildpack.order']!)).toEqual([{ group: [{ id: 'io.ofn-local.go', version: '0.1.0' }] }, { group: [{ id: 'io.ofn-local.nodejs', version: '0.1.0' }] }]);
    expect(orderToml()).toContain('id = "io.ofn-local.nodejs"');
  });

  it('refuses an image that is no builder, naming what it lacks', () => {
    const plain = { Id: 'sha256:def', Config: { Env: ['PATH=/bin'], Labels: {} } } as unknown as Docker.ImageInspectInfo;
    expect(() => builderInfoFrom('node:20', plain)).toThrow(/node:20 is not a buildpacks builder \(it has no io\.buildpacks\.builder\.metadata label\)/);
  });
});

describe('buildpack layer files', () => {
  it('writes layer metadata a later build reads back, and launch.toml with direct processes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-cnb-io-'));
    try {
      writeLayerToml(dir, 'deps', { launch: true, cache: true }, { key: 'a"b\\c' });
      expect(readLayerMetadata(dir, 'deps')).toEqual({ key: 'a"b\\c' });
      expect(await readFile(path.join(dir, 'deps.toml'), 'utf8')).toContain('launch = true\n  build = false\n  cache = true');
      expect(readLayerMetadata(dir, 'missing')).toBeUndefined();
      writeLaunchToml(dir, [{ type: 'web', command: 'node', args: ['/layers/x/fw.cjs'], default: true }]);
      expect(await readFile(path.join(dir, 'launch.toml'), 'utf8')).toBe('[[processes]]\n  type = "web"\n  command = "node"\n  args = ["/layers/x/fw.cjs"]\n  direct = true\n  default = true\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
