/**
 * The changed Python files compiled by the host's python3 (OFN_LOCAL_PYTHON): a syntax error is found
 * with its file and line before anything reaches an instance, also when none runs (a function at
 * zero would otherwise start its next instance from the broken file). No interpreter: no check (the
 * instance's launcher checks again before it restarts).
 */
import { execFile } from 'node:child_process';
import type { SyntaxProblem } from './syntax-problem.js';

const SCRIPT = [
  'import sys',
  'for f in sys.argv[1:]:',
  '    try:',
  '        src = open(f, "rb").read()',
  '    except OSError:',
  '        continue',
  '    try:',
  '        compile(src, f, "exec", dont_inherit=True)',
  '    except SyntaxError as e:',
  '        print("%s\\t%s\\t%s: %s" % (f, e.lineno or 0, type(e).__name__, e.msg))',
  '        sys.exit(1)',
].join('\n');

/** The interpreter a command resolves to (a pyenv shim is a shell script: ~0.1 s per call), asked once. */
const resolved = new Map<string, Promise<string>>();

function interpreter(command: string): Promise<string> {
  let found = resolved.get(command);
  if (!found) {
    found = new Promise((resolve) => {
      execFile(command, ['-c', 'import sys; print(sys.executable)'], (err, stdout) => resolve(!err && stdout.trim() ? stdout.trim() : command));
    });
    resolved.set(command, found);
  }
  return found;
}

export async function checkPythonSyntax(files: readonly string[], command = process.env.OFN_LOCAL_PYTHON || 'python3'): Promise<SyntaxProblem | undefined> {
  const py = files.filter((f) => f.endsWith('.py'));
  if (py.length === 0) return undefined;
  const python = await interpreter(command);
  return new Promise((resolve) => {
    execFile(python, ['-c', SCRIPT, ...py], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout) => {
      const m = /^(.*)\t(\d+)\t(.*)$/m.exec(stdout);
      if (!err || !m) return resolve(undefined);
      const line = Number(m[2]);
      resolve({ file: m[1]!, ...(line > 0 ? { line } : {}), message: `${m[1]}:${line}: ${m[3]}` });
    });
  });
}
