import { describe, expect, it } from 'vitest';
import { isPlaceholderImage, registryImage, registryProblem } from '../../../src/export/image-name.js';
import { orderKeys } from '../../../src/export/key-order.js';
import { backingServices } from '../../../src/export/local-config.js';
import { listTypeProblems } from '../../../src/export/schema-ajv.js';
import { isRemoteUrl, isSshUrl, sameRepository, withoutCredentials } from '../../../src/export/src-repo.js';

describe('image names', () => {
  it('builds <registry>/<name>:<version> and tells placeholders and bad registries apart', () => {
    expect(registryImage('ghcr.io/acme/', 'hello', 'v1.0.0')).toEqual({ image: 'ghcr.io/acme/hello:v1.0.0', tag: 'v1.0.0', tagChanged: false });
    expect(registryImage('localhost:5000', 'hello', '.hidden/1')).toMatchObject({ image: 'localhost:5000/hello:hidden-1', tagChanged: true });
    expect(['<your registry name>/x:v1', 'your-registry/x', 'x y', ''].map(isPlaceholderImage)).toEqual([true, true, true, true]);
    expect(['ghcr.io/acme/x:v1', 'openfunction/sample-go:v1'].map(isPlaceholderImage)).toEqual([false, false]);
    expect(registryProblem('registry.example.com:5000/team')).toBeUndefined();
    expect(registryProblem('docker.io/team:v1')).toContain('without a tag or digest');
    expect(registryProblem('docker.io/team@sha256:abc')).toContain('without a tag or digest');
    expect(registryProblem(' ')).toContain('got an empty string');
  });
});

describe('git URLs', () => {
  it('knows remote, SSH and same-repository URLs, and takes credentials out', () => {
    expect(['https://g.example.com/a/b.git', 'git@g.example.com:a/b.git', 'ssh://git@g.example.com/a/b'].map(isRemoteUrl)).toEqual([true, true, true]);
    expect(['.', '../x', '/srv/git/x.git', 'file:///srv/git/x.git'].map(isRemoteUrl)).toEqual([false, false, false, false]);
    expect(['git@g.example.com:a/b.git', 'ssh://g.example.com/a/b', 'https://g.example.com/a/b'].map(isSshUrl)).toEqual([true, true, false]);
    expect(sameRepository('git@GitHub.com:Acme/Shop.git', 'https://github.com/acme/shop/')).toBe(true);
    expect(sameRepository('https://github.com/acme/shop', 'https://github.com/acme/shop-fork')).toBe(false);
    expect(withoutCredentials('https://bot:tok@g.example.com/a/b.git')).toEqual({ url: 'https://g.example.com/a/b.git', hadCredentials: true });
    expect(withoutCredentials('git@g.example.com:a/b.git')).toEqual({ url: 'git@g.example.com:a/b.git', hadCredentials: false });
  });
});

describe('key order', () => {
  it('puts the usual fields first, sorts user maps, and keeps lists as they are', () => {
    const ordered = orderKeys({
      spec: { serving: { params: { b: '1', type: '2', a: '3' }, triggers: {} }, image: 'x', version: 'v1' },
      metadata: { annotations: {}, name: 'n' },
      kind: 'Function',
      apiVersion: 'v',
      list: [{ value: 1, name: 'z' }, { name: 'a' }],
    });
    expect(JSON.stringify(ordered)).toBe(
      '{"apiVersion":"v","kind":"Function","metadata":{"name":"n","annotations":{}},"spec":{"version":"v1","image":"x","serving":{"triggers":{},"params":{"a":"3","b":"1","type":"2"}}},"list":[{"name":"z","value":1},{"name":"a"}]}',
    );
  });
});

describe('list types', () => {
  it('finds duplicate keys in map lists and duplicate items in sets', () => {
    expect(listTypeProblems('map', ['name'], [{ name: 'a' }, { name: 'b' }, { name: 'a' }])).toEqual([
      { index: 2, message: 'duplicate entry name="a": the same as item [0]' },
    ]);
    expect(listTypeProblems('set', undefined, ['x', 'y', 'x'])).toEqual([{ index: 2, message: 'duplicate entry "x": the same as item [0]' }]);
    expect(listTypeProblems('atomic', undefined, ['x', 'x'])).toEqual([]);
  });
});

describe('backing services in the project config', () => {
  it('reads a map or a list of services', () => {
    expect(backingServices({ services: [{ name: 'kafka', image: 'apache/kafka:3.7', ports: ['9092:9092'] }], backingServices: { redis: {} } })).toEqual([
      { name: 'kafka', kind: 'apache/kafka:3.7', address: 'kafka:9092' },
      { name: 'redis', kind: 'redis' },
    ]);
    expect(backingServices('not a config')).toEqual([]);
  });
});
