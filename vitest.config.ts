import { defineConfig } from 'vitest/config';

// One test command for the whole monorepo: unit tests and every conformance run.
// The custom condition resolves @polyqueue/* to TypeScript sources, so tests need no build step.
//
// Fault tests (`*.fault.test.ts`) kill, restart and partition brokers: each starts its own private
// instance (test/support/), never a shared one. They share no broker state, but each private
// node costs seconds of a 2-core machine and their bounds are in seconds, so they run one file
// at a time, after everything else, without competing with the conformance suites for CPU.
const FAULT_TESTS = 'packages/*/test/**/*.fault.test.ts';

export default defineConfig({
  resolve: { conditions: ['@polyqueue/source'] },
  ssr: { resolve: { conditions: ['@polyqueue/source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
    // Fails the run if a test stopped, restarted or replaced a broker it did not start.
    globalSetup: ['./test/shared-services-guard.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: [FAULT_TESTS, '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'fault',
          include: [FAULT_TESTS],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
