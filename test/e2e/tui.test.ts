import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin', 'ofn-local.js');

function has(cmd: string, ...args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasTmux = has('tmux', '-V');
if (!hasTmux) console.warn('skipping the terminal UI end-to-end tests: tmux is not installed (apt-get install tmux)');

// A tmux server of our own (its own socket, no user config), killed at the end.
const SOCKET = `ofn-local-tui-test-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args]);
// ink shows live frames only outside CI; the UI itself is what is tested here, so CI variables go.
const ENV = 'env -u CI -u CONTINUOUS_INTEGRATION -u GITHUB_ACTIONS -u BUILD_NUMBER';

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts `command` in a 100x30 tmux window; after it exits the pane shows `ofn-exit=<code>`. */
async function startPane(name: string, cwd: string, command: string): Promise<void> {
  await tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', name, '-c', cwd, `${ENV} ${command}; echo ofn-exit=$?; sleep 600`);
}

/** The pane's text; with `escapes`, its colours and attributes as SGR codes too. */
async function screen(name: string, escapes = false): Promise<string> {
  return (await tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name)).stdout;
}

/** Waits until the screen matches, and returns it (the last screen is in the failure message). */
async function waitScreen(name: string, match: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen(name);
    if (match.test(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the screen did not show ${match} within ${timeoutMs} ms; it shows:\n${last}`);
}

async function gatewayUrl(dir: string): Promise<string> {
  const info = JSON.parse(await readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { gatewayUrl: string };
  return info.gatewayUrl;
}

async function untilFile(file: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanups: (() => Promise<unknown>)[] = [];

describe.skipIf(!hasTmux)('the terminal UI in a real terminal (tmux)', () => {
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('up shows functions, requests and state changes live; keys act; q stops everything', { timeout: 120_000 }, async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    cleanups.push(cleanup, () => cli(dir, 'down'));
    await startPane('up', dir, `${process.execPath} ${BIN} up --runtime process --port 0`);
    await waitScreen('up', /> hello-node\s+default\s+sync\s+at zero\s+0 0-3\s+0\s/);
    await untilFile(path.join(dir, '.ofn-local', 'daemon.json'));
    const url = `${await gatewayUrl(dir)}/default/hello-node`;
    for (let i = 0; i < 3; i++) expect(await (await fetch(url)).text()).toBe('hello, world');
    const live = await waitScreen('up', /> hello-node\s+default\s+sync\s+ready\s+1 0-3\s+3\s/);
    expect(live).toMatch(/1 function: 1 ready · 1 instance · [\d.]+ req\/s · 3 requests/);
    expect(live).toMatch(/GET \/default\/hello-node\s+200\s+\S+\s+cold\s+gateway → hello-node-1/);
    // Colour on a terminal: the state in green.
    expect(await screen('up', true)).toMatch(/\x1b\[32m\s*ready/);

    // s: scale to zero through the control API; the row follows.
    await tmux('send-keys', '-t', 'up', 's');
    await waitScreen('up', /> hello-node\s+default\s+sync\s+at zero\s+0 0-3\s+3\s/);

    // l: the logs pane of the selected function.
    await tmux('send-keys', '-t', 'up', 'l');
    await waitScreen('up', /LOGS default\/hello-node\s+http:\/\/localhost:\d+\/default\/hello-node[\s\S]*\[hello-node-1\]\s+ofn-framework: serving helloWorld/);

    // q: stops everything, as Ctrl-C does.
    await tmux('send-keys', '-t', 'up', 'q');
    const after = await waitScreen('up', /ofn-exit=\d+/, 30_000);
    expect(after).toMatch(/stopping\s+stopped\s+ofn-exit=0/);
    expect(existsSync(path.join(dir, '.ofn-local', 'daemon.json'))).toBe(false);
    expect((await cli(dir, 'status')).code).toBe(1);
  });

  it('ui attaches to a detached daemon, and q leaves the daemon running', { timeout: 120_000 }, async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    cleanups.push(cleanup, () => cli(dir, 'down'));
    const up = await cli(dir, 'up', '--detach', '--port', '0', '--runtime', 'process');
    expect(up.code).toBe(0);
    await startPane('ui', dir, `NO_COLOR=1 ${await uiCommand(dir)}`);
    // --detach started the function once (its start check); it goes back to zero when idle.
    await waitScreen('ui', /ofn-local \(attached\) · .* · live ·[\s\S]*> hello-node\s+default\s+sync\s+ready\s+1 0-3\s+0\s/);
    await fetch(`${await gatewayUrl(dir)}/default/hello-node`);
    await waitScreen('ui', /> hello-node\s+default\s+sync\s+ready\s+1 0-3\s+1\s/);
    expect(await screen('ui')).toContain('q close');
    // NO_COLOR: the same screen, no colour at all.
    expect(await screen('ui', true)).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7])m/);

    await tmux('send-keys', '-t', 'ui', 'q');
    await waitScreen('ui', /ofn-exit=0/, 30_000);
    const status = await cli(dir, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).functions[0]).toMatchObject({ name: 'hello-node', state: 'ready' });
    expect((await cli(dir, 'down')).stdout).toContain('stopped ofn-local');
  });
});

/**
 * `ofn-local ui`; until the command is registered in the CLI (program.ts), the same `uiCommand`
 * run from a small script.
 */
async function uiCommand(dir: string): Promise<string> {
  const help = await cli(dir, '--help');
  if (/^\s+ui\b/m.test(help.stdout)) return `${process.execPath} ${BIN} ui`;
  const script = path.join(dir, '.ofn-local', 'ui-command.mjs');
  const module = path.join(REPO_ROOT, 'dist', 'cli', 'commands', 'ui.js');
  await writeFile(script, `const { uiCommand } = await import(${JSON.stringify(module)});\nprocess.exitCode = await uiCommand({}, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });\n`);
  return `${process.execPath} ${script}`;
}
