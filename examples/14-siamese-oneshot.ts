/**
 * 14. A Siamese network learns *similarity*: one encoder embeds both digits of a pair, and a
 * contrastive loss pulls same-digit pairs together and pushes different-digit pairs at least a
 * margin apart. Trained on digits 0–8 only; then one-shot classification: given one labelled
 * example of every digit 0–9 (including the never-seen 9), label each query by its nearest
 * example in embedding space.
 * Stated result: on queries of the held-out digit, 10-way one-shot accuracy ≥ chance (0.1) + 0.3
 * (fast: + 0.2), averaged over many random choices of the ten examples.
 *
 *   npx tsx examples/14-siamese-oneshot.ts --full
 */
import { data, manualSeed, nn, noGrad, optim, Rng, tensor } from '../src/index.js';
import { claim, f, runIfMain, type RunOptions } from './lib.js';

const HELD_OUT = 9;

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const mnist = await data.datasets.mnist({ flat: true });
  const byClass = (ds: data.TensorDataset) => {
    const y = ds.tensors[1]!.dataSync();
    return Array.from({ length: 10 }, (_, c) => Array.from(y.keys()).filter((i) => y[i] === c));
  };
  const [xTrain, xTest] = [mnist.train.tensors[0]!, mnist.test.tensors[0]!];
  const [trainIdx, testIdx] = [byClass(mnist.train), byClass(mnist.test)];
  const rng = new Rng(1);
  const pick = (list: number[]) => list[rng.int(0, list.length)]!;
  const seen = [0, 1, 2, 3, 4, 5, 6, 7, 8];

  const encoder = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 64), new nn.ReLU(), new nn.Linear(64, 32));
  const opt = new optim.Adam(encoder.parameters(), { lr: 1e-3 });
  const margin = 2;
  const steps = fast ? 300 : 3000;
  for (let step = 0; step < steps; step++) {
    const [a, b, same]: [number[], number[], number[]] = [[], [], []];
    for (let i = 0; i < 64; i++) {
      const c1 = seen[rng.int(0, 9)]!;
      const isSame = i % 2 === 0;
      let c2 = c1;
      while (!isSame && c2 === c1) c2 = seen[rng.int(0, 9)]!;
      a.push(pick(trainIdx[c1]!));
      b.push(pick(trainIdx[c2]!));
      same.push(isSame ? 1 : 0);
    }
    const idx = (l: number[]) => tensor(l, { dtype: 'int32' });
    opt.zeroGrad();
    const d = encoder
      .call(xTrain.indexSelect(0, idx(a)))
      .sub(encoder.call(xTrain.indexSelect(0, idx(b))))
      .square()
      .sum(1)
      .add(1e-9)
      .sqrt(); // [64]
    const y = tensor(same);
    // contrastive loss: y·d² + (1 − y)·max(0, margin − d)²
    const loss = y
      .mul(d.square())
      .add(y.neg().add(1).mul(d.neg().add(margin).relu().square()))
      .mean();
    loss.backward();
    opt.step();
  }

  // One-shot evaluation on test digits: many episodes, each with a fresh support example per class.
  encoder.eval();
  const embTest = noGrad(() => encoder.call(xTest)); // [2000, 32]
  const episodes = fast ? 200 : 1000;
  let [heldCorrect, heldTotal, allCorrect, allTotal] = [0, 0, 0, 0];
  for (let e = 0; e < episodes; e++) {
    const support = Array.from({ length: 10 }, (_, c) => pick(testIdx[c]!));
    const S = embTest.indexSelect(0, tensor(support, { dtype: 'int32' })); // [10, 32]
    const queries = Array.from({ length: 10 }, (_, c) => ({ c, i: pick(testIdx[c]!.filter((i) => i !== support[c])) }));
    const Q = embTest.indexSelect(
      0,
      tensor(
        queries.map((q) => q.i),
        { dtype: 'int32' },
      ),
    ); // [10, 32]
    const dist = Q.unsqueeze(1).sub(S.unsqueeze(0)).square().sum(2); // [10 queries, 10 support]
    const nearest = dist.argmin(1).dataSync();
    queries.forEach((q, k) => {
      const ok = nearest[k] === q.c ? 1 : 0;
      [allCorrect, allTotal] = [allCorrect + ok, allTotal + 1];
      if (q.c === HELD_OUT) [heldCorrect, heldTotal] = [heldCorrect + ok, heldTotal + 1];
    });
  }
  const held = heldCorrect / heldTotal;
  const all = allCorrect / allTotal;
  const need = 0.1 + (fast ? 0.2 : 0.3);
  return {
    metrics: { heldout_oneshot_accuracy: held, all_digits_oneshot_accuracy: all, chance: 0.1 },
    claims: [
      claim(
        `one-shot accuracy on the unseen digit ${HELD_OUT} ≥ ${f(need, 1)} (chance 0.1)`,
        held >= need,
        `${f(held)} over ${heldTotal} queries; all ten digits: ${f(all)}`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
