import { defineConfig } from 'vitest/config';

/**
 * Files that starve or are starved on two cores: Chromium, container engines, the benchmark, the
 * soak's RSS bound and the replica/autoscale timing. On CI they run one at a time, after the rest,
 * which runs two files at once (it spends most of its time waiting on real servers).
 */
const ALONE = [
  'test/web/**/*.test.ts',
  'test/oauth/upstream-login.test.ts',
  'test/lifecycle/container*.test.ts',
  'test/runtime/**/*.test.ts',
  'test/upstream/container-attach.test.ts',
  'test/bench/**/*.test.ts',
  'test/lifecycle/soak.test.ts',
  'test/lifecycle/replicas.test.ts',
  'test/gateway/autoscale.test.ts',
  'test/gateway/replicas.test.ts',
];
const ALL = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    // Integration tests start real processes; give them room but keep failures bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A private temp dir per run; the run fails if a test leaves anything in it.
    globalSetup: ['test/support/temp-guard.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ALL, exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          maxWorkers: process.env.CI ? 1 : 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
