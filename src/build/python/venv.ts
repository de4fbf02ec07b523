/**
 * Virtual environments on the host for the process runtime: one per requirements set and
 * interpreter, under the project's `.ofn-local/python/venvs/<key>`, made aside and renamed in (two
 * daemons of one folder may make the same one at once), reused as long as the key is the same.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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

export interface EnsureVenvInput {
  /** The project's `.ofn-local` folder. */
  stateDir: string;
  interpreter: HostInterpreter;
  /** The composed requirements (the user's and the framework's). */
  requirements: string;
  /** requirements.txt, for messages. */
  requirementsFile: string;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The environment's folder, made when it is not there yet; `cached` when it was. */
export async function ensureVenv(input: EnsureVenvInput): Promise<{ dir: string; python: string; cached: boolean; key: string }> {
  const key = venvKey(input.requirements, input.interpreter.identity);
  const dir = path.join(input.stateDir, 'python', 'venvs', key.slice(0, 16));
  const python = path.join(dir, 'bin', 'python');
  if (await isFile(path.join(dir, '.complete'))) return { dir, python, cached: true, key };
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
  return { dir, python, cached: false, key };
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
