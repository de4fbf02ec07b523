import { describe, expect, it, vi } from 'vitest';

// ink renders only the last frame when it believes it runs in CI; these tests look at live frames.
vi.hoisted(() => {
  for (const k of Object.keys(process.env)) if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete process.env[k];
});

import { runTui } from '../../../src/tui/run-tui.js';
import { TuiStore } from '../../../src/tui/store.js';
import { FakeClient, FakeStdin, FakeStdout, journal, until } from './helpers.js';

function streams(columns = 100, rows = 30) {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  return { stdout, stdin, io: { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream } };
}

describe('runTui', () => {
  it('follows the journal through the client and resolves on q, releasing the terminal', async () => {
    const { stdout, stdin, io } = streams();
    const client = new FakeClient();
    const j = journal();
    client.push(j.entry({ type: 'project.loaded', root: '/home/dev/demo', functions: ['default/hello'], warnings: [] }));
    const done = runTui({ client, mode: 'attach', ...io, color: false });
    await until(() => expect(stdout.lastFrame()).toMatch(/> hello\s+default\s+sync\s+pending/));
    client.push(j.entry({ type: 'function.state', fn: 'default/hello', state: 'ready' }));
    await until(() => expect(stdout.lastFrame()).toMatch(/> hello\s+default\s+sync\s+ready/));
    expect(client.calls).toContain('journal after=0');
    expect(stdin.rawMode).toBe(true);
    stdin.press('q');
    await expect(done).resolves.toBe('quit');
    expect(stdin.rawMode).toBe(false);
  });

  it('resolves on Ctrl-C too, and when its signal aborts', async () => {
    const a = streams();
    const first = runTui({ client: new FakeClient(), mode: 'foreground', ...a.io, color: false });
    await until(() => expect(a.stdout.lastFrame()).toContain('ofn-local'));
    a.stdin.press('\x03');
    await expect(first).resolves.toBe('quit');

    const b = streams();
    const ac = new AbortController();
    const second = runTui({ client: new FakeClient(), mode: 'foreground', ...b.io, color: false, signal: ac.signal });
    await until(() => expect(b.stdout.lastFrame()).toContain('ofn-local'));
    ac.abort();
    await expect(second).resolves.toBe('quit');
  });

  it('shows what a store already holds while the client is on its way, then follows on from there', async () => {
    const { stdout, stdin, io } = streams();
    const j = journal();
    const store = new TuiStore();
    store.push(j.entry({ type: 'build.started', fn: 'default/hello' }));
    store.push(j.entry({ type: 'function.state', fn: 'default/hello', state: 'building' }));
    let give!: (c: FakeClient) => void;
    const client = new FakeClient();
    const done = runTui({ client: new Promise<FakeClient>((r) => (give = r)), mode: 'foreground', store, ...io, color: false });
    await until(() => expect(stdout.lastFrame()).toMatch(/> hello .*building/));
    client.push(j.entry({ type: 'function.state', fn: 'default/hello', state: 'ready' }));
    give(client);
    await until(() => expect(stdout.lastFrame()).toMatch(/> hello .*ready/));
    expect(client.calls).toContain('journal after=2');
    stdin.press('q');
    await done;
  });

  it('closes when the client never comes (the daemon failed to start)', async () => {
    const { io } = streams();
    await expect(runTui({ client: Promise.reject(new Error('port taken')), mode: 'foreground', ...io, color: false })).resolves.toBe('quit');
  });

  it('lays the screen out again on resize', async () => {
    const { stdout, stdin, io } = streams(120, 30);
    const client = new FakeClient();
    const done = runTui({ client, mode: 'attach', ...io, color: false });
    await until(() => expect(stdout.lastFrame()).toMatch(/NAMESPACE/));
    stdout.resize(80, 24);
    await until(() => expect(stdout.lastFrame()).not.toMatch(/NAMESPACE/));
    const lines = stdout.lastFrame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    stdin.press('q');
    await done;
  });
});
