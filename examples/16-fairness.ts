/**
 * 16. Fairness. A synthetic hiring world: skill features x₁, x₂ are distributed identically in two
 * groups (a = 0, 1), and whether a candidate is truly qualified depends on skill only. But the
 * historical labels the model learns from are biased: 35 % of qualified group-0 candidates were
 * recorded as rejected. A "neighbourhood" feature z matches the group 90 % of the time — a proxy.
 * A logistic-regression classifier is trained on the historical labels and audited against the
 * true qualification: demographic-parity difference and equalized-odds difference (fairlearn's
 * definitions) before and after mitigation.
 * Stated results: dropping the attribute *and* its proxy shrinks both differences below half of the
 * original; dropping the attribute alone keeps more than half of the demographic-parity gap (the
 * proxy leaks it).
 *
 *   npx tsx examples/16-fairness.ts --full
 */
import { manualSeed, metrics, nn, noGrad, optim, Rng, tensor } from '../src/index.js';
import { claim, f, runIfMain, type RunOptions } from './lib.js';

interface World {
  features: Record<'x1' | 'x2' | 'a' | 'z', number[]>;
  yHist: number[];
  yTrue: number[];
}
function world(n: number, seed: number): World {
  const rng = new Rng(seed);
  const w: World = { features: { x1: [], x2: [], a: [], z: [] }, yHist: [], yTrue: [] };
  for (let i = 0; i < n; i++) {
    const a = rng.uniform() < 0.5 ? 1 : 0;
    const [x1, x2] = [rng.normal(), rng.normal()];
    const qualified = x1 + 0.5 * x2 + 0.5 * rng.normal() > 0 ? 1 : 0;
    const recorded = qualified && a === 0 && rng.uniform() < 0.35 ? 0 : qualified; // biased history
    const z = (rng.uniform() < 0.9 ? a : 1 - a) + 0.1 * rng.normal(); // proxy of the group
    w.features.x1.push(x1);
    w.features.x2.push(x2);
    w.features.a.push(a);
    w.features.z.push(z);
    w.yHist.push(recorded);
    w.yTrue.push(qualified);
  }
  return w;
}

function trainLogistic(w: World, cols: (keyof World['features'])[], steps: number): (w: World) => number[] {
  const X = (v: World) => tensor(v.features.x1.map((_, i) => cols.map((c) => v.features[c][i]!)));
  const model = new nn.Linear(cols.length, 1);
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const lossFn = new nn.BCEWithLogitsLoss();
  const [x, y] = [X(w), tensor(w.yHist).unsqueeze(1)];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    opt.step();
  }
  return (v) => Array.from(noGrad(() => model.call(X(v)).squeeze(1).gt(0).int()).dataSync(), Number);
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const train = world(fast ? 2000 : 10000, 1);
  const test = world(fast ? 2000 : 10000, 2);
  const steps = fast ? 300 : 1000;
  const variants = {
    'all features': ['x1', 'x2', 'a', 'z'],
    'drop attribute a': ['x1', 'x2', 'z'],
    'drop a and proxy z': ['x1', 'x2'],
  } as const;
  const r: Record<string, { dp: number; eo: number; acc: number }> = {};
  console.log('  model                   accuracy  DP diff  EO diff   (audited against true qualification)');
  for (const [name, cols] of Object.entries(variants)) {
    const pred = trainLogistic(train, [...cols], steps)(test);
    r[name] = {
      dp: metrics.demographicParityDifference(pred, test.features.a),
      eo: metrics.equalizedOddsDifference(pred, test.yTrue, test.features.a),
      acc: metrics.accuracy(pred, test.yTrue),
    };
    console.log(`  ${name.padEnd(22)}  ${f(r[name]!.acc).padStart(8)}  ${f(r[name]!.dp).padStart(7)}  ${f(r[name]!.eo).padStart(7)}`);
  }
  console.log('  Caveat: removing the sensitive attribute is not enough — correlated features (here z, a neighbourhood) are proxies that');
  console.log('  let the model reconstruct it. Audit outcomes per group; "fairness through unawareness" fails when proxies exist.');
  const [base, dropA, fixed] = [r['all features']!, r['drop attribute a']!, r['drop a and proxy z']!];
  return {
    metrics: {
      dp_before: base.dp,
      eo_before: base.eo,
      dp_drop_a: dropA.dp,
      dp_after: fixed.dp,
      eo_after: fixed.eo,
      acc_before: base.acc,
      acc_after: fixed.acc,
    },
    claims: [
      claim('dropping attribute + proxy: demographic-parity difference < half', fixed.dp < base.dp / 2, `${f(fixed.dp)} vs ${f(base.dp)}`),
      claim('dropping attribute + proxy: equalized-odds difference < half', fixed.eo < base.eo / 2, `${f(fixed.eo)} vs ${f(base.eo)}`),
      claim('dropping only the attribute keeps > half the DP gap (proxy leak)', dropA.dp > base.dp / 2, `${f(dropA.dp)} vs ${f(base.dp)}`),
    ],
  };
}

await runIfMain(import.meta.url, run);
