/**
 * The WebGPU tests (`npm run test:webgpu`): test/**\/*.gputest.ts, which need a WebGPU adapter, so they
 * are not part of `npm test`. Without a GPU, Dawn finds SwiftShader (a CPU Vulkan) through
 * VK_ICD_FILENAMES, set here to Debian chromium's driver unless the environment names another.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = process.env.VK_ICD_FILENAMES ?? (existsSync(swiftshader) ? swiftshader : undefined);

export default defineConfig({
  test: {
    include: ['test/**/*.gputest.ts'],
    testTimeout: 300_000,
    pool: 'forks',
    setupFiles: ['test/setup-backend.ts'],
    env: icd === undefined ? {} : { VK_ICD_FILENAMES: icd },
  },
});
