/**
 * The official dapr/go-sdk (the client OpenFunction's Go framework uses) against the sidecar's
 * gRPC API: test/fixtures/go-sdk-client, built with the host's Go and run once.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { hasGo } from '../../helpers/engine.js';
import { REPO_ROOT } from '../../helpers/temp-project.js';
import { cleanup, freePort, startSidecar } from './harness.js';
import { conformanceResources } from './world.js';
import { describeSidecars } from '../../helpers/daprd.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await cleanup();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describeSidecars((kind) => {
  describe.skipIf(!hasGo)('dapr/go-sdk against the gRPC API', () => {
    it('saves and reads state, gets ABORTED for a stale ETag, publishes, invokes a binding, and INVALID_ARGUMENT for an unknown store', async () => {
      const work = await mkdtemp(path.join(os.tmpdir(), 'ofn-go-sdk-'));
      const files = await mkdtemp(path.join(os.tmpdir(), 'ofn-go-sdk-files-'));
      dirs.push(work, files);
      await cp(path.join(REPO_ROOT, 'test', 'fixtures', 'go-sdk-client'), work, { recursive: true });
      await run(process.env.OFN_LOCAL_GO ?? 'go', ['build', '-o', 'client', '.'], { cwd: work, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, timeout: 300_000 });
      const grpcPort = await freePort();
      const sidecar = await startSidecar({ kind, appId: 'go-sdk', resources: conformanceResources(files), args: ['--dapr-grpc-port', String(grpcPort)] });
      await sidecar.ready;
      const { stdout } = await run(path.join(work, 'client'), [], { env: { ...process.env, DAPR_GRPC_PORT: String(grpcPort), DAPR_HOST: '127.0.0.1' }, timeout: 60_000 });
      const steps = Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          // The SDK prints a line of its own when it connects.
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { step: string; ok: boolean; value?: unknown; code?: string; error?: string })
          .map((l) => [l.step, l]),
      );
      expect(steps.save).toMatchObject({ ok: true });
      expect(steps.get).toMatchObject({ ok: true, value: { value: '{"from":"go"}' } });
      expect((steps.get!.value as { etag: string }).etag).not.toBe('');
      expect(steps['save-stale-etag']).toMatchObject({ ok: false, code: 'Aborted' });
      expect(steps.publish).toMatchObject({ ok: true });
      expect(steps.binding).toMatchObject({ ok: true });
      expect(JSON.parse(await readFile(path.join(files, 'go.json'), 'utf8'))).toEqual({ from: 'go' });
      expect(steps['unknown-store']).toMatchObject({ ok: false, code: 'InvalidArgument' });
    }, 360_000);
  });
});
