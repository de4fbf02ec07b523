/**
 * Virtual environments on the host for the process runtime: one per requirements set and
 * interpreter, in the user's cache (`$XDG_CACHE_HOME/ofn-local/python-venvs/<key>`, else
 * `~/.cache/...`, or OFN_LOCAL_VENV_DIR), so every project and session with the same requirements
 * shares one, as Go builds share the module cache. Made aside and renamed in (two daemons may make
 * the same one at once); one daemon makes each at most once at a time.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PythonBuildError } from './errors.js';
import { pipEnv, pipFailure, venvKey } from './requirements.js';

export interface HostInterpreter {
  /** The command used (OFN_LOCAL_PYTHON or python3). */
  command: string;
  /** sys.executable and sys.version: part of the environment's key. */
  identity: string;
}

/** The host's Python 3 with venv: OFN_LOCAL_PYTHON, else python3 on PATH. */
export async function hostInterpreter(env: NodeJS.ProcessEnv = process.env): Promise<HostInterpreter> {
  const command = env.OFN_LOCAL_PYTHON || 'python3';
  try {
    const out = await run(command, ['-c', 'import sys, venv; print(sys.executable); print(sys.version.split()[0])'], { env: { ...env } as Record<string, string> });
    const [exe, version] = out.stdout.trim().split('\n');
    const [major, minor] = (version ?? '').split('.').map(Number);
    if ((major ?? 0) < 3 || (major === 3 && (minor ?? 0) < 8)) {
      throw new PythonBuildError('ERR_PYTHON_INTERPRETER', `${command} is Python ${version}: Python functions need 3.8 or newer`, {}, 'install Python 3 (with venv), or set OFN_LOCAL_PYTHON to a newer interpreter');
    }
    return { command, identity: `${exe} ${version}` };
  } catch (err) {
    if (err instanceof PythonBuildError) throw err;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PythonBuildError(
      'ERR_PYTHON_INTERPRETER',
      missing ? `Python functions run on the host with ${command}, and there is no ${command} on PATH` : `${command} cannot make virtual environments: ${pipFailure(String((err as { output?: string }).output ?? err))}`,
      {},
      'install Python 3 with its venv module (Debian: apt-get install python3-venv), set OFN_LOCAL_PYTHON to an interpreter, or use the docker runtime',
    );
  }
}

/** Where environments are kept: OFN_LOCAL_VENV_DIR, else the user's cache folder. */
export function venvRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OFN_LOCAL_VENV_DIR) return env.OFN_LOCAL_VENV_DIR;
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cache, 'ofn-local', 'python-venvs');
}

export interface EnsureVenvInput {
  /** The folder environments are kept in ({@link venvRoot}). */
  root: string;
  interpreter: HostInterpreter;
  /** The composed requirements (the user's and the framework's). */
  requirements: string;
  /** requirements.txt, for messages. */
  requirementsFile: string;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Environments this process is making: two functions with the same requirements wait for one install. */
const making = new Map<string, Promise<void>>();

/** The environment's folder, made when it is not there yet; `cached` when it was. */
export async function ensureVenv(input: EnsureVenvInput): Promise<{ dir: string; python: string; cached: boolean; key: string }> {
  const key = venvKey(input.requirements, input.interpreter.identity);
  const dir = path.join(input.root, key.slice(0, 16));
  const python = path.join(dir, 'bin', 'python');
  const pending = making.get(dir);
  if (pending) {
    input.log('waiting for the virtual environment another function with the same requirements is making');
    await pending;
    return ensureVenv(input); // made by then, or made again here (with this build's own error)
  }
  const made = makeVenv(input, dir);
  making.set(dir, made.then(() => undefined, () => undefined));
  try {
    return { dir, python, cached: await made, key };
  } finally {
    making.delete(dir);
  }
}

/** Makes the environment unless it is complete; true when it already was. */
async function makeVenv(input: EnsureVenvInput, dir: string): Promise<boolean> {
  if (await isFile(path.join(dir, '.complete'))) return true;
  await mkdir(path.dirname(dir), { recursive: true });
  const scratch = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const env = pipEnv(input.env ?? process.env);
  const started = Date.now();
  try {
    input.log(`python -m venv; pip install -r ${input.requirementsFile} (and the framework)`);
    await run(input.interpreter.command, ['-m', 'venv', scratch], { env, signal: input.signal });
    await writeFile(path.join(scratch, 'requirements.txt'), input.requirements);
    let out: { stdout: string; stderr: string };
    try {
      out = await run(path.join(scratch, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', '-r', path.join(scratch, 'requirements.txt')], { env, signal: input.signal });
    } catch (err) {
      const output = String((err as { output?: string }).output ?? '');
      for (const line of output.split('\n').filter(Boolean).slice(-20)) input.log(line);
      throw new PythonBuildError(
        'ERR_PYTHON_REQUIREMENTS',
        `pip could not install ${input.requirementsFile}: ${pipFailure(output || String(err))}`,
        { file: input.requirementsFile },
        'fix the requirement named above (a version that exists, a reachable index: PIP_INDEX_URL, HTTPS_PROXY and PIP_CERT are honoured)',
      );
    }
    for (const line of out.stdout.split('\n').filter((l) => l.startsWith('Successfully installed'))) input.log(line);
    await writeFile(path.join(scratch, '.complete'), new Date().toISOString());
    if (!(await isFile(path.join(dir, '.complete')))) {
      await rm(dir, { recursive: true, force: true });
      await rename(scratch, dir);
    }
    input.log(`virtual environment ready in ${Date.now() - started} ms`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return false;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

function run(cmd: string, args: string[], opts: { env: Record<string, string>; signal?: AbortSignal }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: opts.env, signal: opts.signal, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { output: `${stdout}${stderr}` }));
      else resolve({ stdout, stderr });
    });
  });
}
