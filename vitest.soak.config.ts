import { defineConfig } from 'vitest/config';

/**
 * The crash harness (`npm run test:soak`): tests that start local mode as a child process,
 * SIGKILL it mid-write and start it again. One file at a time: each test keeps both cores
 * busy, and a kill timed against a slower machine would test less.
 */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    fileParallelism: false,
    // A test starts local mode two or three times (each start may take up to 60 s on a busy
    // machine), converts up to 300,000 records twice and may wait up to 60 s for a completion
    // that waits for recovery.
    testTimeout: 300_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
