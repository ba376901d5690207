/**
 * Child process of resident.test.ts (run with --expose-gc): make and drop 200 models with Adam state,
 * collecting between rounds; print live resident bytes after the first round and at the end, and the memory size after
 * round 40 (once 20 rounds' worth has been allocated between collections) and at the end.
 */
import { backendInfo, init } from '../../src/backend/index.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { randn } from '../../src/tensor/creation.js';

const gc = (globalThis as { gc?: () => void }).gc!;
await init({ threads: 1 });

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0)); // finalization callbacks run as tasks
  }
}

function round(seed: number): void {
  const rng = new Rng(seed);
  const model = new nn.Sequential(new nn.Linear(200, 300, { rng }), new nn.ReLU(), new nn.Linear(300, 10, { rng }));
  const opt = new optim.Adam(model.parameters());
  (model.call(randn([4, 200], { rng })) as ReturnType<typeof randn>).sum().backward();
  opt.step();
}

const info = () => backendInfo().info as { residentBytes: number; arenaBytes: number };
round(0);
await collect();
const first = info().residentBytes;
let arenaFirst = 0;
for (let i = 1; i <= 200; i++) {
  round(i);
  if (i % 20 === 0) await collect();
  // 20 rounds' arrays are alive between collections: the memory grows to that once, then stays
  if (i === 40) arenaFirst = info().arenaBytes;
}
await collect();
console.log(JSON.stringify({ first, last: info().residentBytes, arenaFirst, arenaLast: info().arenaBytes }));
