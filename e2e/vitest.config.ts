import { defineConfig } from 'vitest/config';

/** End-to-end tests: the built playground in headless Chromium (run by `npm run test:e2e`, not by `npm test`). */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    // the Node-side golden runs use the js reference backend, as the page under test does (no lazy wasm start)
    setupFiles: ['test/setup-backend.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
