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
