import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real processes; give them room but keep failures bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A private temp dir per run; the run fails if a test leaves anything in it.
    globalSetup: ['test/support/temp-guard.ts'],
    // Two cores. Files run in parallel locally; CI runs them one at a time, because real servers,
    // Chromium and Podman starving each other turns deadline-based checks into noise there.
    maxWorkers: process.env.CI ? 1 : 2,
  },
});
