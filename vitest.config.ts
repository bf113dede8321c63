import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'machines/**/*.test.ts', 'adapters/**/*.test.ts'],
    // Property tests and child-process crash tests are CPU bound; two cores here.
    pool: 'forks',
    // One fast-check seed for the whole run unless FC_SEED says otherwise (test/setup/fastCheckSeed.ts).
    setupFiles: ['test/setup/fastCheckSeed.ts'],
    testTimeout: 60_000,
  },
});
