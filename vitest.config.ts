import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.git/**', 'test/soak/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Integration tests start dynalite, s3rver and the API in-process; give them room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Lambda runs Node 22+; this machine's Node 20 would otherwise get the SDK's upgrade notice.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
