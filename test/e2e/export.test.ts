import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/cli/commands/export.js';
import type { CliIo } from '../../src/cli/io.js';
import { renderError } from '../../src/cli/render-error.js';
import { CRDS_DIR, REMOTE_URL, describeWithCrds, makeCheckout, markPushed, useTempDirs, type Checkout } from '../unit/export/helpers.js';

/** The export command wired as program.ts wires it, run with captured output. */
async function ofnLocal(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const io: CliIo = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd };
  let code = 0;
  const program = new Command('ofn-local')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  program
    .command('export')
    .description('write the manifests that give this project\'s behaviour on an OpenFunction cluster, or --check manifests')
    .argument('[inputs...]', 'project folder and/or manifest files (default: this folder)')
    .option('-o, --output <dir|->', 'a folder for one file per manifest, or - for one YAML stream on stdout (default)')
    .option('--registry <registry>', 'registry the cluster build pushes to: images become <registry>/<name>:<version>')
    .addOption(new Option('--api-version <version>', 'Function apiVersion to write').choices(['v1beta2', 'v1beta1']).default('v1beta2'))
    .option('--check', 'check manifests against the CRD schemas and ofn-local\'s rules instead; exit 1 on any problem')
    .option('--crds <dir>', 'folder with OpenFunction\'s CRDs (default: $OFN_LOCAL_CRDS, else ../shared/crds beside ofn-local)')
    .action(async (inputs: string[], opts) => {
      code = await exportCommand(inputs, opts, io);
    });
  try {
    await program.parseAsync(['node', 'ofn-local', ...args]);
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode;
    else {
      io.stderr.write(renderError(err));
      code = 1;
    }
  }
  return { code, stdout, stderr };
}

const tempDir = useTempDirs('file');

describe('ofn-local export', () => {
  let checkout: Checkout;
  beforeAll(async () => {
    checkout = await makeCheckout(await tempDir(), { copy: { 'functions/hello-node': 'fixtures/hello-node' } });
    markPushed(checkout.top);
  });

  it('-o DIR writes one file per manifest and lists them; warnings go to stderr', async () => {
    const run = await ofnLocal(checkout.top, 'export', 'functions', '-o', 'deploy', '--registry', 'registry.example.com/team');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${path.join('deploy', 'function-default-hello-node.yaml')}\n`);
    expect(run.stderr.trimEnd().split('\n').every((line) => line.startsWith('warning: '))).toBe(true);
    expect(run.stderr).toContain('warning: Function default/hello-node: spec.imageCredentials: not set');
    const written = await readFile(path.join(checkout.top, 'deploy', 'function-default-hello-node.yaml'), 'utf8');
    expect(written).toContain('  image: registry.example.com/team/hello-node:v1.0.0\n');
    expect(written).toContain(`      url: ${REMOTE_URL}\n      revision: ${checkout.revision}\n      sourceSubPath: functions/hello-node\n`);
  });

  it('without -o (or with -o -) prints one YAML stream, the same bytes every time', async () => {
    const first = await ofnLocal(checkout.top, 'export', 'functions');
    const dash = await ofnLocal(checkout.top, 'export', 'functions', '-o', '-');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^apiVersion: core\.openfunction\.io\/v1beta2\nkind: Function\nmetadata:\n  name: hello-node\n/);
    expect(dash.stdout).toBe(first.stdout);
    expect(first.stderr).toContain('warning: Function default/hello-node: spec.image: "<your registry name>/hello-node:v1" is a placeholder: pass --registry');
  });

  it('--api-version v1beta1 writes v1beta1 Functions', async () => {
    const run = await ofnLocal(checkout.top, 'export', 'functions', '--api-version', 'v1beta1');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('apiVersion: core.openfunction.io/v1beta1\n');
    expect(run.stdout).toContain('  port: 8080\n');
    expect(run.stdout).toContain('    runtime: knative\n');
  });

  it('warns about YAML files in the -o folder that this export did not write', async () => {
    await writeFile(path.join(checkout.top, 'deploy', 'function-default-gone.yaml'), 'stale: true\n');
    const run = await ofnLocal(checkout.top, 'export', 'functions', '-o', 'deploy');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `warning: ${path.join('deploy', 'function-default-gone.yaml')} was not written by this export: remove it if it is stale, since kubectl apply -f deploy applies it too`,
    );
  });

  it('refuses bad flags and bad manifests with one clear message', async () => {
    const badVersion = await ofnLocal(checkout.top, 'export', '--api-version', 'v1alpha2');
    expect(badVersion.code).not.toBe(0);
    expect(badVersion.stderr).toContain("argument 'v1alpha2' is invalid");

    const badRegistry = await ofnLocal(checkout.top, 'export', 'functions', '--registry', 'docker.io/team:v1');
    expect(badRegistry).toMatchObject({ code: 1, stdout: '' });
    expect(badRegistry.stderr).toContain('error: --registry: expected a registry (and optional path) without a tag or digest, got "docker.io/team:v1"');

    const checkWithOutput = await ofnLocal(checkout.top, 'export', '--check', '-o', 'x');
    expect(checkWithOutput.code).toBe(1);
    expect(checkWithOutput.stderr).toContain('error: --check reads manifests and writes none: leave out -o and --registry');

    const missingCrds = await ofnLocal(checkout.top, 'export', 'functions', '--crds', 'nowhere');
    expect(missingCrds.code).toBe(1);
    expect(missingCrds.stderr).toContain(`error: --crds names ${path.join(checkout.top, 'nowhere')}, which is not a folder`);

    await writeFile(path.join(checkout.top, 'bad.yaml'), 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: {name: bad}\nspec: {serving: {}}\n');
    const badManifest = await ofnLocal(checkout.top, 'export', 'bad.yaml');
    expect(badManifest.code).toBe(1);
    expect(badManifest.stderr).toContain('error: 1 error in the manifests:\n  bad.yaml:4 [doc 0] spec.image: missing; expected a string');
  });
});

describeWithCrds('ofn-local export --check', () => {
  let top: string;
  beforeAll(async () => {
    ({ top } = await makeCheckout(await tempDir(), { copy: { app: 'test/fixtures/export/rich' } }));
    const run = await ofnLocal(top, 'export', 'app', '-o', 'deploy', '--registry', 'registry.example.com/shop');
    expect(run.code).toBe(0);
  });

  it('passes what export wrote, and says against what', async () => {
    const run = await ofnLocal(top, 'export', '--check', 'deploy', '--crds', CRDS_DIR);
    const files = (await readdir(path.join(top, 'deploy'))).filter((f) => /\.ya?ml$/.test(f)).length;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      `ok: ${files} manifests in ${files} files pass the CRD schemas (${path.relative(top, CRDS_DIR)}) and ofn-local's rules`,
    );
  });

  it('prints every problem with file, line and field path, and exits 1', async () => {
    await writeFile(
      path.join(top, 'deploy', 'function-shop-worker.yaml'),
      (await readFile(path.join(top, 'deploy', 'function-shop-worker.yaml'), 'utf8')).replace('    workloadType: Deployment\n', '    workloadType: Deployment\n    replicas: 2\n'),
    );
    await writeFile(path.join(top, 'deploy', 'component-shop-extra.yaml'), 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: extra\nspec:\n  type: state.redis\n');
    const run = await ofnLocal(top, 'export', '--check', 'deploy', '--crds', CRDS_DIR);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContainEqual(
      'deploy/component-shop-extra.yaml:5 [doc 0] spec.metadata: missing; required by the dapr.io/v1alpha1 Component schema',
    );
    expect(lines).toContainEqual('deploy/component-shop-extra.yaml:5 [doc 0] spec.version: missing; required by the dapr.io/v1alpha1 Component schema');
    expect(lines).toContainEqual(
      expect.stringMatching(/^deploy\/function-shop-worker\.yaml:\d+ \[doc 0\] spec\.serving\.replicas: unknown field: not in the core\.openfunction\.io\/v1beta2 Function CRD schema/),
    );
    expect(lines.at(-1)).toMatch(/^3 errors, \d+ warnings? in \d+ files, checked against the CRD schemas/);
  });
});

describe('ofn-local export into a folder inside the project', () => {
  it('leaves its earlier output out of the project, and out of the uncommitted changes', async () => {
    const { top } = await makeCheckout(await tempDir(), { copy: { app: 'fixtures/hello-node' } });
    markPushed(top);
    const app = path.join(top, 'app');
    const first = await ofnLocal(app, 'export', '-o', 'k8s');
    const second = await ofnLocal(app, 'export', '-o', 'k8s');
    expect(first.code).toBe(0);
    expect(second).toEqual(first);
    expect(second.stderr).not.toContain('uncommitted');
    expect(second.stdout).toBe(`${path.join('k8s', 'function-default-hello-node.yaml')}\n`);
  });
});
