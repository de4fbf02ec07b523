import { mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installLiveBinary, liveBinaryCommand } from '../../../src/watch/live-binary.js';

describe('live binary folder', () => {
  let dir: string;
  let builds: string;
  beforeEach(async () => {
    builds = await mkdtemp(path.join(os.tmpdir(), 'ofn-builds-'));
    dir = path.join(builds, 'live');
  });
  afterEach(() => rm(builds, { recursive: true, force: true }));

  const build = async (name: string) => {
    const file = path.join(builds, name);
    await writeFile(file, name);
    return file;
  };

  it('points current at each new build, keeps only it and the previous one, and reverts to the previous', async () => {
    await installLiveBinary(dir, await build('a'), 'aaaaaaaaaaaaaaaaaaaa');
    expect(await readlink(path.join(dir, 'current'))).toBe(path.join('bin', 'aaaaaaaaaaaaaaaa'));
    expect((await stat(path.join(dir, 'current'))).mode & 0o111).toBe(0o111);
    await installLiveBinary(dir, await build('b'), 'bbbbbbbbbbbbbbbbbbbb');
    const revert = await installLiveBinary(dir, await build('c'), 'cccccccccccccccccccc');
    expect((await readdir(path.join(dir, 'bin'))).sort()).toEqual(['bbbbbbbbbbbbbbbb', 'cccccccccccccccc']);
    expect(await readFile(path.join(dir, 'current'), 'utf8')).toBe('c');
    await revert();
    expect(await readFile(path.join(dir, 'current'), 'utf8')).toBe('b');
    // The supervisor is in the folder, so a container with the folder at /workspace has it.
    expect(await readdir(dir)).toContain('ofn-restart-supervisor.cjs');
  });

  it('installing the serving build again changes nothing and its revert keeps it', async () => {
    await installLiveBinary(dir, await build('a'), 'aaaaaaaaaaaaaaaaaaaa');
    const revert = await installLiveBinary(dir, await build('a'), 'aaaaaaaaaaaaaaaaaaaa');
    await revert();
    expect(await readFile(path.join(dir, 'current'), 'utf8')).toBe('a');
  });

  it('runs the supervisor on the host, or from /workspace in a container', () => {
    expect(liveBinaryCommand('/s/live/f', 'process')).toEqual([process.execPath, '/s/live/f/ofn-restart-supervisor.cjs', '/s/live/f/current']);
    expect(liveBinaryCommand('/s/live/f', 'docker')).toEqual(['node', '/workspace/ofn-restart-supervisor.cjs', '/workspace/current']);
  });
});
