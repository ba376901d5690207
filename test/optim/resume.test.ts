/** Resume through a checkpoint file image: model + optimizer + scheduler, bit-identical to not stopping. */
import { describe, expect, it } from 'vitest';
import {
  Rng,
  captureCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  nn,
  optim,
  randint,
  randn,
  restoreCheckpoint,
} from '../../src/index.js';

function setup(seed: number) {
  const model = new nn.Sequential(
    new nn.Linear(4, 8, { rng: new Rng(seed) }),
    new nn.ReLU(),
    new nn.Linear(8, 3, { rng: new Rng(seed + 1) }),
  );
  const opt = new optim.AdamW(model.parameters(), { lr: 0.01, amsgrad: true });
  const sched = new optim.OneCycleLR(opt, { maxLr: 0.05, totalSteps: 30 });
  return { model, opt, sched };
}

describe('checkpoint resume of optimizer and scheduler state', () => {
  it('train 2N steps = train N, save, load into fresh objects, train N (0 differing bits)', () => {
    const x = randn([16, 4], { rng: new Rng(9) });
    const y = randint(0, 3, [16], { rng: new Rng(10) });
    const train = (s: ReturnType<typeof setup>, n: number) => {
      for (let i = 0; i < n; i++) {
        s.opt.zeroGrad();
        nn.F.crossEntropy(s.model.forward(x) as never, y).backward();
        s.opt.step();
        s.sched.step();
      }
    };
    const straight = setup(1);
    train(straight, 20);

    const first = setup(1);
    train(first, 10);
    const bytes = encodeCheckpoint(captureCheckpoint({ model: first.model, optimizer: first.opt, scheduler: first.sched }));
    const resumed = setup(2); // different initial weights: everything must come from the checkpoint
    restoreCheckpoint(decodeCheckpoint(bytes), { model: resumed.model, optimizer: resumed.opt, scheduler: resumed.sched });
    train(resumed, 10);

    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k]!.dataSync()), k).toEqual(Array.from(a[k]!.dataSync()));
    expect(resumed.opt.paramGroups[0]!.lr).toBe(straight.opt.paramGroups[0]!.lr);
    expect(resumed.opt.paramGroups[0]!.betas).toEqual(straight.opt.paramGroups[0]!.betas);
    expect(resumed.sched.getLastLr()).toEqual(straight.sched.getLastLr());
  });
});
