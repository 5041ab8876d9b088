import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real processes; give them room but keep failures bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores. Files run in parallel locally; CI runs them one at a time, because real servers,
    // Chromium and Podman starving each other turns deadline-based checks into noise there.
    maxWorkers: process.env.CI ? 1 : 2,
  },
});
