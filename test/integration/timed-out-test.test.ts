// A test that times out leaks nothing: what it started (a detached daemon from the CLI, a test API
// session with its backing services) is ended by the run's global teardown, although the test never
// got to clean up. The run is a real vitest run of test/fixtures/leaky-run in a child process.
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { brokerAvailable } from '../helpers/brokers.js';
import { hasDocker } from '../helpers/engine.js';
import { cli, dockerResources, hostProcesses, killEverything } from '../helpers/host-processes.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

const VITEST = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const runtime = hasDocker ? 'docker' : 'process';
const docker = hasDocker ? new Docker() : undefined;
const canRun = process.platform === 'linux' && (hasDocker || (brokerAvailable('redis') && brokerAvailable('mosquitto')));

const made: { dir: string; cleanup: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const { dir, cleanup } of made.splice(0)) {
    await cli(dir, ['down']);
    await killEverything(dir, docker);
    await cleanup();
  }
});

it.skipIf(!canRun)(`a timed-out test's daemon and session (${runtime} runtime) are ended by the run's teardown`, async () => {
  const detached = await tempProject('fixtures/hello-node');
  const session = await tempProject('test/fixtures/projects/services');
  made.push(detached, session);
  const env = { ...process.env, OFN_TEST_DETACHED: detached.dir, OFN_TEST_SESSION: session.dir, OFN_TEST_RUNTIME: runtime };
  const out = await promisify(execFile)(process.execPath, [VITEST, 'run'], { cwd: path.join(REPO_ROOT, 'test', 'fixtures', 'leaky-run'), env, timeout: 280_000 }).then(
    (r) => ({ code: 0, text: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, text: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
  // It did start everything, then timed out.
  expect(out.text).toContain('STARTED EVERYTHING');
  expect(out.text).toMatch(/timed out/i);
  expect(out.code).not.toBe(0);
  expect(out.text).toContain("the run's sweep ended what tests left running");
  expect(await hostProcesses(detached.dir)).toEqual([]);
  expect(await hostProcesses(session.dir)).toEqual([]);
  if (docker) {
    expect(await dockerResources(docker, detached.dir)).toEqual({ containers: [], networks: [] });
    expect(await dockerResources(docker, session.dir)).toEqual({ containers: [], networks: [] });
  }
  expect((await cli(detached.dir, ['status'])).code).toBe(1);
}, 300_000);
