import { defineConfig } from 'vitest/config';

/** Timeouts for tests that talk to real databases and spawn real processes. */
const slow = { testTimeout: 60_000, hookTimeout: 120_000 } as const;

export default defineConfig({
  test: {
    // Forks, not threads: tests spawn processes and send signals, and native
    // addons (better-sqlite3) are safer per process.
    pool: 'forks',
    // The reference machine has 2 cores; more workers only contend.
    maxWorkers: 2,
    // `.ci/run` parses the JSON to print "N passed, M failed".
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        // No globalSetup: unit tests must run without PostgreSQL.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          ...slow,
        },
      },
      {
        extends: true,
        test: {
          name: 'cli',
          include: ['test/cli/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          ...slow,
        },
      },
    ],
  },
});
