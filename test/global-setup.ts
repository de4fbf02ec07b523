/**
 * Once per test run: every daemon the tests start (the test API in a worker, `up --detach` from the
 * CLI, exec, the Testcontainers module) is listed in a run folder, and whatever is still listed at
 * the end (a test that timed out, a hook that gave up, a killed worker) is ended here, so cleanup
 * never depends on a test finishing. A detached daemon also stops by itself if this process dies
 * (OFN_LOCAL_OWNER_PID).
 */
import { startRun } from '../src/testing/sweep-run.js';

export default async function setup(): Promise<() => Promise<void>> {
  const run = await startRun();
  return async () => {
    const swept = await run.sweep();
    if (swept.length) console.warn(`ofn-local: the run's sweep ended what tests left running:\n${swept.map((l) => `  ${l}`).join('\n')}`);
  };
}
