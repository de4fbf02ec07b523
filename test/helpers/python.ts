import { execFile } from 'node:child_process';

/**
 * Python functions run on the host's python3 (with venv) on the process runtime. Without one their
 * tests are skipped with a message, unless OFN_LOCAL_REQUIRE_PYTHON=1 (CI sets it): then the missing
 * interpreter fails the suite.
 */
export const hasPython = await new Promise<boolean>((resolve) => {
  execFile(process.env.OFN_LOCAL_PYTHON ?? 'python3', ['-c', 'import venv, ensurepip'], (err) => resolve(!err));
});

if (!hasPython) {
  if (process.env.OFN_LOCAL_REQUIRE_PYTHON === '1') throw new Error('OFN_LOCAL_REQUIRE_PYTHON=1 but there is no python3 with venv and ensurepip on PATH (apt-get install python3-venv, or set OFN_LOCAL_PYTHON)');
  console.warn('skipping Python function tests on the process runtime: no python3 with venv on PATH (set OFN_LOCAL_REQUIRE_PYTHON=1 to make this an error)');
}
