import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESTART_SUPERVISOR_BUNDLE } from '../../src/builders/framework-files.js';
import { request, waitFor } from '../helpers/http.js';

// The restart supervisor (dist/framework/ofn-restart-supervisor.cjs) as the daemon runs it for a Go
// function in dev mode: `current` is a symlink to the build that serves; SIGHUP restarts it in place.
// Programs here are small Node servers standing in for a binary: the supervisor only runs them.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A program that answers `version` on FUNC_CONTEXT's port (as the Go framework reads it), or one that dies at start. */
async function program(dir: string, name: string, version: string | 'crash'): Promise<string> {
  const file = path.join(dir, 'bin', name);
  const body =
    version === 'crash'
      ? 'console.error("panic: init failed"); process.exit(2);'
      : `const port = Number(JSON.parse(process.env.FUNC_CONTEXT).port);
require('node:http').createServer((req, res) => res.end(${JSON.stringify(version)})).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));`;
  await writeFile(file, `#!${process.execPath}\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

async function point(dir: string, target: string): Promise<void> {
  await symlink(path.relative(dir, target), path.join(dir, 'current.tmp'));
  await rename(path.join(dir, 'current.tmp'), path.join(dir, 'current'));
}

describe('restart supervisor', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let out: string[];
  let port: number;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-restart-'));
    await mkdir(path.join(dir, 'bin'));
    port = await freePort();
    out = [];
  });

  afterEach(async () => {
    // The supervisor runs in a process group of its own: killing the group ends the program it runs too.
    for (const pid of groups.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const groups: number[] = [];
  const startSupervisor = () => {
    child = spawn(process.execPath, [RESTART_SUPERVISOR_BUNDLE, path.join(dir, 'current')], {
      env: { ...process.env, FUNC_CONTEXT: JSON.stringify({ name: 'f', port: String(port) }), OFN_LOCAL_START_TIMEOUT_MS: '10000' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    groups.push(child.pid!);
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c: Buffer) => out.push(...c.toString('utf8').split('\n').filter(Boolean)));
  };
  const answer = async () => (await request(`http://127.0.0.1:${port}/`)).body;
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  const verdicts = () => out.filter((l) => l.startsWith('ofn-framework: '));

  it('restarts the program the link points at on SIGHUP, and goes back to the last build that served when a new one dies at start', async () => {
    await point(dir, await program(dir, 'v1', 'one'));
    startSupervisor();
    await waitFor(listening, 20_000, 'v1 listening');
    expect(await answer()).toBe('one');

    await point(dir, await program(dir, 'v2', 'two'));
    child!.kill('SIGHUP');
    await waitFor(() => verdicts().length === 1, 20_000, 'the first verdict');
    expect(verdicts()[0]).toMatch(/^ofn-framework: reloaded in \d+ ms$/);
    expect(await answer()).toBe('two');

    await point(dir, await program(dir, 'v3', 'crash'));
    child!.kill('SIGHUP');
    await waitFor(() => verdicts().length === 2, 20_000, 'the second verdict');
    expect(verdicts()[1]).toMatch(/^ofn-framework: reload failed: .*v3 exited \(code 2\) before it listened on port \d+; still serving the previous version$/);
    expect(out).toContain('panic: init failed');
    expect(await answer()).toBe('two');
  });

  it('ends with its program: SIGTERM stops both, and a program that dies on its own ends the supervisor', async () => {
    await point(dir, await program(dir, 'v1', 'one'));
    startSupervisor();
    await waitFor(listening, 20_000, 'v1 listening');
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(answer()).rejects.toThrow(/ECONNREFUSED/);

    // A crash of the serving program is the instance's crash: the supervisor exits with its code.
    await point(dir, await program(dir, 'v2', 'one'));
    await writeFile(path.join(dir, 'bin', 'v2'), `#!${process.execPath}\nconst port = Number(JSON.parse(process.env.FUNC_CONTEXT).port);\nrequire('node:http').createServer((q, s) => { s.end('bye'); setTimeout(() => process.exit(7), 10); }).listen(port, '127.0.0.1');\n`);
    startSupervisor();
    const crashed = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    await waitFor(listening, 20_000, 'v2 listening');
    expect(await answer()).toBe('bye');
    expect(await crashed).toBe(7);
  });
});
