import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real processes; give them room but keep failures bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel, but not so many that real servers starve.
    maxWorkers: 2,
  },
});
