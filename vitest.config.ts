import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once; integration tests share built images.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    // Ends what a test that did not finish left running (see test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
  },
});
