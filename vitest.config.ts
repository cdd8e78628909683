import { defineConfig } from 'vitest/config';

// Two tiers (docs/architecture.md#conventions): fast in-process unit tests, and integration tests
// that run against one real Redis/Kafka/Cassandra stack started once for the whole run.
export default defineConfig({
  test: {
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'unit',
          // ink draws only its last frame when it believes it runs in CI; the dashboard tests
          // check live redraws, so the unit tier tells ink it is not (CI=true is set by .ci/run)
          env: { CI: 'false' },
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scenarios/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**', 'dist/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'scenarios/**/*.int.test.ts', 'test/integration/**/*.int.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
