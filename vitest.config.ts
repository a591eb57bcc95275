import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Two cores: tfjs tests are CPU-bound, so run files two at a time at most.
    maxWorkers: 2,
  },
});
