import { defineConfig } from 'vitest/config';

/** End-to-end tests: the built playground in headless Chromium (run by `npm run test:e2e`, not by `npm test`). */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
