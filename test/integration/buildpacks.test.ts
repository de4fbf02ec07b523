import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleOfflineBuilder } from '../../src/builders/buildpacks/offline/assemble-builder.js';
import { OFFLINE_BUILDER_IMAGE } from '../../src/builders/buildpacks/offline/builder-files.js';
import { buildCommand } from '../../src/cli/commands/build.js';
import { buildImage } from '../../src/builders/docker-image.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { projectId } from '../../src/daemon/state.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker, hasGo } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

// Buildpacks builds on the real engine: the CNB lifecycle (built from the Go module proxy) in
// ofn-local's offline builder, assembled here (or reused when up to date) as CI does, building the
// Node and Go fixtures as the cluster's Shipwright build would; and a builder image given by name.

const docker = new Docker();
const PHASES = ['analyze', 'detect', 'restore', 'build', 'export'];

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

/**
 * Removes these names (an image goes with its last name). By name, never by id: buildpacks builds are
 * reproducible, so another project's image may be the very same image.
 */
async function removeImages(refs: Iterable<string>): Promise<void> {
  for (const ref of refs) await docker.getImage(ref).remove().catch(() => undefined);
}

/** The name each buildpacks build of a function also gets: the next build's previous image. */
function previousImageOf(root: string, fn: string): string {
  return `ofn-local/${projectId(root)}-default-${fn}:buildpacks`;
}

describe.skipIf(!hasDocker || !hasGo)('buildpacks builds (offline builder, real lifecycle)', () => {
  beforeAll(async () => {
    await assembleOfflineBuilder({ docker, log: () => undefined });
  }, 900_000);

  describe('up --build buildpacks: Node and Go fixtures served, rebuilt on edits', () => {
    let daemon: Daemon | undefined;
    let dir: string;
    let cleanup: () => Promise<void>;
    const entries: JournalEntry[] = [];
    const images = new Set<string>();
    const host = (name: string) => ({ host: `${name}.default.ofn.localhost` });

    beforeAll(async () => {
      ({ dir, cleanup } = await tempProject('fixtures'));
      // Only the two fixtures: orders is another project.
      daemon = await Daemon.start({
        inputs: [path.join(dir, 'hello-node'), path.join(dir, 'go-hello')],
        cwd: dir,
        port: 0,
        idleTimeoutMs: 600_000,
        readyTimeoutMs: 60_000,
        runtime: 'docker',
        zeroMode: 'stop',
        watch: true,
        build: 'buildpacks',
        onEvent: (e) => {
          entries.push(e);
          if (e.type === 'build.finished' && e.image) images.add(e.image).add(e.image.replace(/:[^:/]+$/, ':buildpacks'));
        },
      });
    }, 900_000);

    afterAll(async () => {
      await daemon?.stop();
      await removeImages(images);
      await cleanup?.();
    }, 120_000);

    it('builds both with the lifecycle, phase by phase, into images with the CNB labels', async () => {
      expect(daemon!.failures()).toEqual([]);
      for (const fn of ['default/hello-node', 'default/go-hello']) {
        const phases = entries.filter((e) => e.type === 'build.phase' && e.fn === fn).map((e) => (e as { phase: string }).phase);
        expect(phases).toEqual(PHASES);
        const finished = entries.find((e) => e.type === 'build.finished' && e.fn === fn) as { image: string };
        const labels = (await docker.getImage(finished.image).inspect()).Config.Labels ?? {};
        expect(Object.keys(labels)).toEqual(expect.arrayContaining(['io.buildpacks.lifecycle.metadata', 'io.buildpacks.build.metadata']));
        const bps = JSON.parse(labels['io.buildpacks.build.metadata']!).buildpacks.map((b: { id: string }) => b.id);
        expect(bps).toEqual([fn.endsWith('go-hello') ? 'io.ofn-local.go' : 'io.ofn-local.nodejs']);
      }
    });

    it('serves them through the gateway with FUNC_CONTEXT, as fast-built ones', async () => {
      const node = await request(`http://127.0.0.1:${daemon!.gatewayPort}/default/hello-node?name=cnb`);
      expect(node.status).toBe(200);
      expect(node.body).toBe('hello, cnb');
      const go = await request(`http://127.0.0.1:${daemon!.gatewayPort}/greet/Ada`, { headers: host('go-hello') });
      expect(go.status).toBe(200);
      expect(JSON.parse(go.body)).toEqual({ greeting: 'hello, Ada', function: 'Greet' });
    }, 120_000);

    it('a one-line Go change rebuilds from the cached layers and swaps; a compile error names phase, buildpack and line', async () => {
      const file = path.join(dir, 'go-hello', 'src', 'hello.go');
      const before = entries.length;
      await writeFile(file, (await readFile(file, 'utf8')).replace('hello from Go', 'hello from a rebuilt Go'));
      await waitFor(() => entries.slice(before).some((e) => (e.type === 'reload.finished' || e.type === 'reload.failed') && e.fn === 'default/go-hello'), 600_000, 'the Go rebuild');
      const reload = entries.slice(before).filter((e) => 'fn' in e && e.fn === 'default/go-hello');
      expect(reload.find((e) => e.type === 'reload.failed')).toBeUndefined();
      const logs = reload.filter((e) => e.type === 'build.log').map((e) => (e as { line: string }).line);
      expect(logs.some((l) => /Restoring data for "io\.ofn-local\.go:go_mod_cache" from cache/.test(l))).toBe(true);
      expect(logs.some((l) => /go: downloading/.test(l))).toBe(false);
      const answer = await request(`http://127.0.0.1:${daemon!.gatewayPort}/`, { headers: host('go-hello') });
      expect(answer.body.trim()).toBe('hello from a rebuilt Go');

      const broken = entries.length;
      await writeFile(file, (await readFile(file, 'utf8')).replace('fmt.Fprintln(w, "hello from a rebuilt Go")', 'fmt.Fprintln(w, undefinedThing)'));
      await waitFor(() => entries.slice(broken).some((e) => (e.type === 'reload.finished' || e.type === 'reload.failed') && e.fn === 'default/go-hello'), 600_000, 'the failing Go rebuild');
      const failed = entries.slice(broken).find((e) => e.type === 'reload.failed' && e.fn === 'default/go-hello') as { message: string } | undefined;
      expect(failed?.message).toMatch(/failed in the build phase \(buildpack io\.ofn-local\.go@0\.1\.0\): hello\.go:\d+:\d+: undefined: undefinedThing/);
      // The last good build keeps serving.
      const still = await request(`http://127.0.0.1:${daemon!.gatewayPort}/`, { headers: host('go-hello') });
      expect(still.body.trim()).toBe('hello from a rebuilt Go');
    }, 900_000);
  });

  describe('ofn-local build', () => {
    const made = new Set<string>();
    afterAll(async () => removeImages(made), 120_000);

    it('uses a builder image given by name (--builder-image), tags as export --registry names it, prints each image', async () => {
      const { dir, cleanup } = await tempProject('fixtures/hello-node');
      const named = `ofn-local-test/named-builder:${randomBytes(4).toString('hex')}`;
      const [repo, tag] = named.split(':') as [string, string];
      await docker.getImage(OFFLINE_BUILDER_IMAGE).tag({ repo, tag });
      made.add(named);
      try {
        const out = collect();
        const err = collect();
        const registry = `registry.test.example/${randomBytes(3).toString('hex')}`;
        const code = await buildCommand([dir], { registry, builderImage: named, verbose: true }, { stdout: out.stream, stderr: err.stream, cwd: dir });
        expect(err.text()).toContain(`buildpacks: ${named} (lifecycle 0.17.2)`);
        expect(code).toBe(0);
        const image = `${registry}/hello-node:v1.0.0`;
        made.add(image).add(previousImageOf(dir, 'hello-node'));
        expect(out.text()).toBe(`${image}\n`);
        const labels = (await docker.getImage(image).inspect()).Config.Labels ?? {};
        expect(labels['io.buildpacks.lifecycle.metadata']).toBeDefined();
        // It serves as the cluster would run it.
        const name = `ofn-local-test-bp-${randomBytes(4).toString('hex')}`;
        const c = await docker.createContainer({
          name,
          Image: image,
          Env: ['FUNC_CONTEXT={"name":"hello-node","version":"v1.0.0","port":"8080","runtime":"Knative"}'],
          Labels: { 'io.ofn-local.project': 'buildpacks-test' },
          HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
          ExposedPorts: { '8080/tcp': {} },
        });
        try {
          await c.start();
          const port = (await c.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
          await waitFor(async () => (await request(`http://127.0.0.1:${port}/?name=named`).catch(() => ({ status: 0, body: '' }))).body === 'hello, named', 30_000, 'the built image to answer');
        } finally {
          await c.remove({ force: true });
        }
      } finally {
        await cleanup();
      }
    }, 600_000);

    it("uses the builder spec.build.builder names, unchanged, when the engine has it; a missing --builder-image is an error, not a fallback", async () => {
      const { dir, cleanup } = await tempProject('fixtures/hello-node');
      const named = `ofn-local-test/manifest-builder:${randomBytes(4).toString('hex')}`;
      const [repo, tag] = named.split(':') as [string, string];
      await docker.getImage(OFFLINE_BUILDER_IMAGE).tag({ repo, tag });
      made.add(named);
      try {
        const manifest = path.join(dir, 'function.yaml');
        await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('openfunction/builder-node:latest', named));
        const registry = `registry.test.example/${randomBytes(3).toString('hex')}`;
        made.add(`${registry}/hello-node:v1.0.0`).add(previousImageOf(dir, 'hello-node'));
        const err = collect();
        expect(await buildCommand([dir], { registry, verbose: true }, { stdout: collect().stream, stderr: err.stream, cwd: dir })).toBe(0);
        expect(err.text()).toContain(`buildpacks: ${named} (lifecycle 0.17.2) builds default/hello-node`);
        expect(err.text()).not.toContain("using ofn-local's offline builder");

        const missing = collect();
        const code = await buildCommand([dir], { registry, builderImage: 'ofn-local-test/no-such-builder:none' }, { stdout: collect().stream, stderr: missing.stream, cwd: dir });
        expect(code).toBe(1);
        expect(missing.text()).toContain('builder image ofn-local-test/no-such-builder:none (--builder-image) is not on this engine and cannot be pulled');
      } finally {
        await cleanup();
      }
    }, 600_000);

    it("refuses a builder whose run image is missing, naming it; --build fast tags the fast build with the same name", async () => {
      const { dir, cleanup } = await tempProject('fixtures/hello-node');
      const ctx = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-test-builder-'));
      const broken = `ofn-local-test/no-run-image-builder:${randomBytes(4).toString('hex')}`;
      made.add(broken);
      try {
        const labels = (await docker.getImage(OFFLINE_BUILDER_IMAGE).inspect()).Config.Labels ?? {};
        const md = JSON.parse(labels['io.buildpacks.builder.metadata']!);
        md.images = [{ image: 'ofn-local-test/no-such-run-image:none' }];
        await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${OFFLINE_BUILDER_IMAGE}\n`);
        await buildImage(docker, ctx, broken, { 'io.buildpacks.builder.metadata': JSON.stringify(md) }, () => undefined);
        const registry = `registry.test.example/${randomBytes(3).toString('hex')}`;
        const err = collect();
        expect(await buildCommand([dir], { registry, builderImage: broken }, { stdout: collect().stream, stderr: err.stream, cwd: dir })).toBe(1);
        expect(err.text()).toContain(`the run image ofn-local-test/no-such-run-image:none of builder ${broken} is not on this engine and cannot be pulled`);

        const out = collect();
        made.add(`${registry}/hello-node:v1.0.0`);
        expect(await buildCommand([dir], { registry, build: 'fast' }, { stdout: out.stream, stderr: collect().stream, cwd: dir })).toBe(0);
        expect(out.text()).toBe(`${registry}/hello-node:v1.0.0\n`);
        const fastLabels = (await docker.getImage(`${registry}/hello-node:v1.0.0`).inspect()).Config.Labels ?? {};
        expect(fastLabels['io.buildpacks.lifecycle.metadata']).toBeUndefined();
      } finally {
        await rm(ctx, { recursive: true, force: true });
        await cleanup();
      }
    }, 600_000);

    it('installs Node dependencies into a cache layer that a one-line change reuses', async () => {
      const { dir, cleanup } = await tempProject('fixtures/hello-node');
      try {
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
        await writeFile(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: { ms: '2.1.3' } }, null, 2));
        await writeFile(path.join(dir, 'index.js'), "const ms = require('ms');\nexports.helloWorld = (req, res) => res.send(`one minute is ${ms(60000)}`);\n");
        const registry = `registry.test.example/${randomBytes(3).toString('hex')}`;
        made.add(`${registry}/hello-node:v1.0.0`).add(previousImageOf(dir, 'hello-node'));
        const first = collect();
        expect(await buildCommand([dir], { registry, verbose: true }, { stdout: collect().stream, stderr: first.stream, cwd: dir })).toBe(0);
        expect(first.text()).toContain('npm install (1 dependencies)');
        await writeFile(path.join(dir, 'index.js'), "const ms = require('ms');\nexports.helloWorld = (req, res) => res.send(`two minutes are ${ms(120000)}`);\n");
        const second = collect();
        expect(await buildCommand([dir], { registry, verbose: true }, { stdout: collect().stream, stderr: second.stream, cwd: dir })).toBe(0);
        expect(second.text()).toContain('reusing the dependencies layer (1 dependencies unchanged)');
        expect(second.text()).not.toContain('npm install');
      } finally {
        await cleanup();
      }
    }, 600_000);

    it('exits 1 naming the function whose build failed, with the phase: a Node function without FUNC_NAME fails detection', async () => {
      const { dir, cleanup } = await tempProject('fixtures/hello-node');
      try {
        const manifest = path.join(dir, 'function.yaml');
        await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('FUNC_NAME: "helloWorld"', 'FUNC_NAME_UNUSED: "helloWorld"'));
        const out = collect();
        const err = collect();
        const code = await buildCommand([dir], { registry: 'registry.test.example/fail' }, { stdout: out.stream, stderr: err.stream, cwd: dir });
        expect(code).toBe(1);
        expect(out.text()).toBe('');
        expect(err.text()).toMatch(/error: build of default\/hello-node failed: buildpacks build of default\/hello-node failed in the detect phase/);
        expect(err.text()).toContain('FUNC_NAME is not set');
        expect(err.text()).toMatch(/1 of 1 builds failed: default\/hello-node/);
      } finally {
        await cleanup();
      }
    }, 300_000);
  });
});
