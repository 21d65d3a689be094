import { defineConfig } from 'vitest/config';

// One test command for the whole monorepo: unit tests and every conformance run.
// The custom condition resolves @polyqueue/* to TypeScript sources, so tests need no build step.
export default defineConfig({
  resolve: { conditions: ['@polyqueue/source'] },
  ssr: { resolve: { conditions: ['@polyqueue/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
