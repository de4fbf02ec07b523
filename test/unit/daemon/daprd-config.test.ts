import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { daprdConfiguration, hasSqliteNameResolver, namesDir, resetNames, writeDaprdConfig } from '../../../src/daemon/daprd-config.js';
import type { LoadedFunction, Project } from '../../../src/model/types.js';

const fn = { name: 'orders', namespace: 'default', annotations: { 'dapr.io/config': 'tracing' }, origin: { file: '/p/functions.yaml', doc: 0 } } as unknown as LoadedFunction;

function project(spec: Record<string, unknown>): Pick<Project, 'others'> {
  return { others: [{ apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', name: 'tracing', namespace: 'default', origin: { file: '/p/config.yaml', doc: 1 }, resource: { spec } }] } as unknown as Pick<Project, 'others'>;
}

describe("daprd's --config under --dapr daprd", () => {
  it("keeps the function's own Configuration and adds the shared sqlite name registry", () => {
    const { document, notes } = daprdConfiguration(fn, project({ tracing: { samplingRate: '1' }, features: [{ name: 'x', enabled: true }] }), 'orders-default', '/state/names.db');
    expect(document).toEqual({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Configuration',
      metadata: { name: 'tracing', namespace: 'default' },
      spec: { tracing: { samplingRate: '1' }, features: [{ name: 'x', enabled: true }], nameResolution: { component: 'sqlite', version: 'v1', configuration: { connectionString: '/state/names.db' } } },
    });
    expect(notes).toEqual([]);
  });

  it('makes one of its own for a function without dapr.io/config', () => {
    const { document } = daprdConfiguration({ ...fn, annotations: {} } as LoadedFunction, { others: [] }, 'orders-default', '/n.db');
    expect(document.metadata).toEqual({ name: 'orders-default-ofn-local' });
  });

  it("says what differs from the cluster: a replaced nameResolution, per-app policies daprd cannot apply without mTLS, an old daprd's mDNS", () => {
    const spec = { nameResolution: { component: 'kubernetes' }, accessControl: { defaultAction: 'deny', trustDomain: 'public', policies: [{ appId: 'a', namespace: 'default', trustDomain: 'public', defaultAction: 'allow' }] } };
    const { document, notes } = daprdConfiguration(fn, project(spec), 'orders-default', '/n.db');
    expect((document.spec as { nameResolution: { component: string } }).nameResolution.component).toBe('sqlite');
    expect(notes).toEqual([
      expect.stringMatching(/^Configuration tracing \(\/p\/config\.yaml\): its spec\.nameResolution is replaced here by Dapr's sqlite resolver/),
      expect.stringMatching(/applies spec\.accessControl\.defaultAction to every call and not the per-app policies/),
    ]);
    const old = daprdConfiguration(fn, project({}), 'orders-default', undefined);
    expect((old.document.spec as Record<string, unknown>).nameResolution).toBeUndefined();
    expect(old.notes).toEqual([expect.stringMatching(/older than 1\.13 and has no sqlite name resolver/)]);
  });

  it('knows which daprd versions have the sqlite resolver', () => {
    expect(hasSqliteNameResolver('1.14.0')).toBe(true);
    expect(hasSqliteNameResolver('1.13.0-rc.1')).toBe(true);
    expect(hasSqliteNameResolver('1.11.2')).toBe(false);
    expect(hasSqliteNameResolver('2.0.0')).toBe(true);
  });

  it('writes the file daprd reads, and starts each run with an empty registry anyone may write', async () => {
    const state = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-daprd-config-'));
    try {
      const file = await writeDaprdConfig(state, 'orders-default', { kind: 'Configuration', spec: { x: 1 } });
      expect(parse(await readFile(file, 'utf8'))).toEqual({ kind: 'Configuration', spec: { x: 1 } });
      await resetNames(state);
      await writeFile(path.join(namesDir(state), 'names.db'), 'stale registrations');
      await resetNames(state);
      expect(await readdir(namesDir(state))).toEqual([]);
      expect((await stat(namesDir(state))).mode & 0o777).toBe(0o777);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});
