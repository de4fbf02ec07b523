/**
 * The bundled sidecar (scripts/bundle-sidecar.mjs → dist/sidecar/ofn-sidecar.cjs) runs on
 * its own with `node`, without node_modules, and the command-line entry behaves.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort, waitForPort } from '../../helpers/brokers.js';
import { sidecarMain } from '../../../src/sidecar/main.js';
import { SIDECAR_VERSION } from '../../../src/sidecar/version.js';
import { cleanup, component, resourcesDir } from './harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
let isolated: string;

beforeAll(async () => {
  await run(process.execPath, [path.join(root, 'scripts', 'bundle-sidecar.mjs')], { cwd: root });
  // Copy the bundle where no node_modules can be found from it.
  isolated = await mkdtemp(path.join(os.tmpdir(), 'ofn-bundle-'));
  await copyFile(path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs'), path.join(isolated, 'ofn-sidecar.cjs'));
}, 120_000);
afterAll(async () => {
  await cleanup();
  await rm(isolated, { recursive: true, force: true });
});

describe('the bundled sidecar', () => {
  it('prints its version', async () => {
    const { stdout } = await run(process.execPath, [path.join(isolated, 'ofn-sidecar.cjs'), '--version'], { cwd: isolated });
    expect(stdout.trim()).toBe(SIDECAR_VERSION);
  });

  it('serves the API from a folder without node_modules and stops on SIGTERM', async () => {
    const dir = await resourcesDir({ 'c.yaml': [component('s', 'state.in-memory'), component('r', 'state.redis', { redisHost: '127.0.0.1:1' })].join('---\n') });
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(isolated, 'ofn-sidecar.cjs'), '--app-id', 'bundled', '--dapr-http-port', String(port), '--dapr-grpc-port', '0', '--resources-path', dir, '--log-as-json'], { cwd: isolated, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitForPort(port, 15_000);
      const md = (await (await fetch(`http://127.0.0.1:${port}/v1.0/metadata`)).json()) as { id: string };
      expect(md.id).toBe('bundled');
      const save = await fetch(`http://127.0.0.1:${port}/v1.0/state/s`, { method: 'POST', body: '[{"key":"a","value":1}]', headers: { 'content-type': 'application/json' } });
      expect(save.status).toBe(204);
      const line = out.split('\n').find((l) => l.includes('"app_id":"bundled"'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ app_id: 'bundled', scope: expect.any(String), type: 'log' });
      expect(out).toContain('error connecting to redis at 127.0.0.1:1');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

describe('sidecarMain (ofn-local sidecar)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), handleSignals: false } };
  };

  it('prints usage with --help, listing the component types', async () => {
    const { out, io: sio } = io();
    expect(await sidecarMain(['--help'], sio)).toBe(0);
    expect(out.join('')).toContain('Usage: ofn-local sidecar');
    expect(out.join('')).toContain('pubsub.jetstream');
  });

  it('exits 1 with a message and a hint for bad flags', async () => {
    const { err, io: sio } = io();
    expect(await sidecarMain(['--app-port', 'x'], sio)).toBe(1);
    expect(err.join('')).toContain('--app-port must be a port number');
  });

  it('exits 1 naming both files for duplicate component names', async () => {
    const a = await resourcesDir({ 'first.yaml': component('same', 'state.in-memory') });
    const b = await resourcesDir({ 'second.yaml': component('same', 'pubsub.in-memory') });
    const { err, io: sio } = io();
    expect(await sidecarMain(['--app-id', 'x', '--dapr-http-port', '0', '--dapr-grpc-port', '0', '--resources-path', a, '--resources-path', b], sio)).toBe(1);
    expect(err.join('')).toContain(path.join(a, 'first.yaml'));
    expect(err.join('')).toContain(path.join(b, 'second.yaml'));
  });

  it('exits 1 naming the port when it is taken', async () => {
    const port = await freePort();
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(port);
    await new Promise((r) => blocker.once('listening', r));
    try {
      const { err, io: sio } = io();
      expect(await sidecarMain(['--app-id', 'x', '--dapr-http-port', String(port), '--dapr-grpc-port', '0'], sio)).toBe(1);
      expect(err.join('')).toContain(`port ${port} (--dapr-http-port) is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('--wait polls the outbound health endpoint and exits 0 once it answers', async () => {
    const { runSidecar } = await import('../../../src/sidecar/main.js');
    const sidecar = await runSidecar(['--app-id', 'w', '--dapr-http-port', '0', '--dapr-grpc-port', '0'], { log: () => {} });
    try {
      const { io: sio } = io();
      expect(await sidecarMain(['--wait', '--dapr-http-port', String(sidecar.httpPort)], sio)).toBe(0);
    } finally {
      await sidecar.stop();
    }
  });
});
