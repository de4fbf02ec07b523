import { describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { hasDocker } from '../helpers/engine.js';
import { tempProject } from '../helpers/temp-project.js';

// No registry here, so the real daprd can only be asked for: the tests check the message says what
// is missing and what to do, and that nothing is left half started.
describe('--dapr daprd', () => {
  it.skipIf(!hasDocker)('on Docker names the daprio/daprd image it cannot pull and suggests --dapr embedded', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    try {
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 60_000, readyTimeoutMs: 30_000, runtime: 'docker', zeroMode: 'stop', dapr: 'daprd', daprdVersion: '1.11.3' });
      try {
        expect(daemon.status().dapr).toBe('daprd');
        const failures = daemon.failures();
        expect(failures.length).toBeGreaterThan(0);
        for (const f of failures) {
          expect(f).toContain('--dapr daprd needs the image daprio/daprd:1.11.3, which is not on this engine and cannot be pulled');
          expect(f).toContain('run with --dapr embedded');
        }
      } finally {
        await daemon.stop();
      }
    } finally {
      await cleanup();
    }
  });

  it('on the process runtime asks for a daprd binary when there is none', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
    const saved = { PATH: process.env.PATH, DAPRD: process.env.DAPRD, HOME: process.env.HOME };
    try {
      process.env.DAPRD = '';
      process.env.HOME = dir;
      process.env.PATH = '/usr/bin:/bin';
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 60_000, readyTimeoutMs: 30_000, runtime: 'process', zeroMode: 'stop', dapr: 'daprd' });
      try {
        const failures = daemon.failures();
        expect(failures.length).toBeGreaterThan(0);
        expect(failures[0]).toContain('--dapr daprd on the process runtime needs a daprd binary: none in $DAPRD, ~/.dapr/bin or on PATH');
        expect(failures[0]).toContain('dapr init --slim');
      } finally {
        await daemon.stop();
      }
    } finally {
      Object.assign(process.env, saved);
      await cleanup();
    }
  });
});
