import { defineConfig } from 'vitest/config';

/**
 * Three projects, run one after another (groupOrder): unit tests of pure logic, integration tests against
 * the real Docker Engine, e2e tests in a real headless Chromium. Docker-backed files run one at a time.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } },
      },
      {
        test: {
          name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node',
          fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000, sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false, testTimeout: 90_000, hookTimeout: 240_000, sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
