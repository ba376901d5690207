import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { runReference } from '../../scripts/reference/run.js';
import { ensureBuilt } from './setup.js';

beforeAll(async () => {
  ensureBuilt();
  await init({ backend: 'wasm', threads: 2 });
});
afterAll(() => {
  setBackend('js');
});

describe('PyTorch reference suite with the wasm backend selected', () => {
  for (const file of ['ops.json', 'nn.json', 'losses.json', 'optim.json']) {
    it(`${file}: every case that passes on js passes on wasm`, async () => {
      expect(backendInfo().backend).toBe('wasm');
      const wasm = await runReference({ files: [file] });
      setBackend('js');
      const js = await runReference({ files: [file] });
      setBackend('wasm');
      const jsPassed = new Set(js.filter((r) => r.passed).map((r) => r.name));
      const regressions = wasm.filter((r) => !r.passed && jsPassed.has(r.name)).map((r) => `${r.name} (${r.fn}): ${r.message}`);
      expect(regressions, regressions.join('\n')).toEqual([]);
      expect(wasm.length).toBe(js.length);
      if (file === 'ops.json') {
        // the core's suite passes in full on js; so must it on wasm
        expect(wasm.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`)).toEqual([]);
        expect(wasm.length).toBeGreaterThanOrEqual(172);
      }
    });
  }
});
