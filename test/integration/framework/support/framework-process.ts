/**
 * Test support: build the framework bundle, run it as a child process against a
 * fixture, and always clean up the processes and temporary folders afterwards.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { FRAMEWORK_BUNDLE, FRAMEWORK_DIST_DIR, SHIM_DIR, SHIM_PACKAGE_NAME } from '../../../../src/framework/artifacts.js';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const bundlePath = join(projectRoot, FRAMEWORK_DIST_DIR, FRAMEWORK_BUNDLE);
export const shimPath = join(projectRoot, FRAMEWORK_DIST_DIR, SHIM_DIR);

export function fixture(name: string): string {
  return join(projectRoot, 'test', 'fixtures', 'framework', name);
}

export function buildBundle(): void {
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'bundle-framework.mjs')], {
    cwd: projectRoot,
    stdio: 'pipe',
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

const tempDirs: string[] = [];

/** Copies a fixture to a temporary folder with the shim installed in its node_modules. */
export function fixtureWithShim(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ofn-framework-${name}-`));
  tempDirs.push(dir);
  cpSync(fixture(name), dir, { recursive: true });
  const target = join(dir, 'node_modules', ...SHIM_PACKAGE_NAME.split('/'));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(shimPath, target, { recursive: true });
  return dir;
}

export interface RunningFramework {
  port: number;
  url: string;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Environment with nothing from the test runner's own FUNC_* / PORT / NODE_ENV variables. */
function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

function spawnFramework(args: string[], env: Record<string, string | undefined>, cwd: string): RunningFramework {
  const child = spawn(process.execPath, [bundlePath, ...args], { cwd, env: cleanEnv(env), stdio: 'pipe' });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolveExit) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    });
  });
  return { port: 0, url: '', process: child, stdout: () => out, stderr: () => err, exited };
}

export interface StartOptions {
  source: string;
  target?: string;
  signatureType?: string;
  env?: Record<string, string | undefined>;
  extraArgs?: string[];
}

/** Starts the framework and resolves once it prints its serving line. */
export async function startFramework(options: StartOptions): Promise<RunningFramework> {
  const port = await freePort();
  const args = ['--source', options.source, '--port', String(port)];
  if (options.target !== undefined) args.push(`--target=${options.target}`);
  if (options.signatureType !== undefined) args.push(`--signature-type=${options.signatureType}`);
  args.push(...(options.extraArgs ?? []));
  const framework = { ...spawnFramework(args, options.env ?? {}, options.source), port, url: `http://127.0.0.1:${port}` };

  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`framework did not start:\n${framework.stderr()}`)), 15_000);
    const onData = (): void => {
      if (framework.stdout().includes('ofn-framework: serving')) {
        clearTimeout(timer);
        framework.process.stdout!.off('data', onData);
        resolveStart();
      }
    };
    framework.process.stdout!.on('data', onData);
    onData();
    void framework.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`framework exited with ${code} before serving:\n${framework.stderr()}`));
    });
  });
  return framework;
}

/** Runs the framework expecting it to stop by itself (a start-up failure). */
export async function runUntilExit(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = projectRoot,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const framework = spawnFramework(args, env, cwd);
  const timer = setTimeout(() => framework.process.kill('SIGKILL'), 15_000);
  const code = await framework.exited;
  clearTimeout(timer);
  return { code, stdout: framework.stdout(), stderr: framework.stderr() };
}

/** Kills every framework process still running and removes temporary folders. */
export async function cleanUp(): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolveExit) => {
        child.once('exit', () => resolveExit());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(exits);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
