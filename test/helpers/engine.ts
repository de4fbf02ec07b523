import { execFile } from 'node:child_process';
import { engineAvailable } from '../../src/runtime/docker/engine.js';

/**
 * Docker tests run whenever an engine answers. Without one they are skipped with a message, unless
 * OFN_LOCAL_REQUIRE_DOCKER=1 (CI sets it): then the missing engine fails the suite.
 */
export const dockerRequired = process.env.OFN_LOCAL_REQUIRE_DOCKER === '1';
export const hasDocker = await engineAvailable(2000);

if (!hasDocker) {
  if (dockerRequired) throw new Error('OFN_LOCAL_REQUIRE_DOCKER=1 but no Docker engine answers (start dockerd)');
  console.warn('skipping Docker tests: no Docker engine answers (set OFN_LOCAL_REQUIRE_DOCKER=1 to make this an error)');
}

/**
 * Go functions are built with the host's Go toolchain. Without one their tests are skipped with a
 * message, unless OFN_LOCAL_REQUIRE_GO=1 (CI sets it): then the missing toolchain fails the suite.
 */
export const hasGo = await new Promise<boolean>((resolve) => {
  execFile(process.env.OFN_LOCAL_GO ?? 'go', ['version'], (err) => resolve(!err));
});

if (!hasGo) {
  if (process.env.OFN_LOCAL_REQUIRE_GO === '1') throw new Error('OFN_LOCAL_REQUIRE_GO=1 but there is no go on PATH (install Go, or set OFN_LOCAL_GO)');
  console.warn('skipping Go function tests: no go on PATH (set OFN_LOCAL_REQUIRE_GO=1 to make this an error)');
}
