/**
 * "Show code": the TypeScript that rebuilds and trains the current setup with backprop in Node,
 * reading the points from the page's "Download data" CSV. Pure string building from a validated state.
 */
import { architectureOf } from './model.js';
import { FEATURE_LABELS, type PgState } from './state.js';

const ACT_CLASS: Record<string, string> = {
  tanh: 'new nn.Tanh()',
  relu: 'new nn.ReLU()',
  sigmoid: 'new nn.Sigmoid()',
  linear: 'new nn.Identity()',
  leakyRelu: 'new nn.LeakyReLU({ negativeSlope: 0.01 })',
  elu: 'new nn.ELU()',
  gelu: 'new nn.GELU()',
};

const FEATURE_EXPR: Record<string, string> = {
  x: 'x1',
  y: 'x2',
  xSquared: 'x1.square()',
  ySquared: 'x2.square()',
  xTimesY: 'x1.mul(x2)',
  sinX: 'x1.sin()',
  sinY: 'x2.sin()',
};

export function generateCode(s: PgState): string {
  const a = architectureOf(s);
  const classic = s.preset === 'classic';
  const lines: string[] = [];
  lines.push(`// Rebuilds and trains this playground setup with backprop (Node 20+): npx tsx train.ts`);
  lines.push(`import { readFileSync } from 'node:fs';`);
  lines.push(`import { Rng, cat, nn, noGrad, optim, tensor, type Tensor } from 'backprop';`);
  lines.push('');
  lines.push(`// Input features (${a.features.map((f) => FEATURE_LABELS[f]).join(', ')}) as a layer, so the model carries them.`);
  lines.push(`class FeatureMap extends nn.Module {`);
  lines.push(`  forward(x: Tensor): Tensor {`);
  lines.push(`    const x1 = x.narrow(1, 0, 1);`);
  lines.push(`    const x2 = x.narrow(1, 1, 1);`);
  lines.push(`    return cat([${a.features.map((f) => FEATURE_EXPR[f]).join(', ')}], 1);`);
  lines.push(`  }`);
  lines.push(`}`);
  lines.push('');
  lines.push(`// Data: the CSV from "Download data" (x1, x2, label).`);
  lines.push(`const rows = readFileSync('data.csv', 'utf8').trim().split('\\n').slice(1).map((l) => l.split(',').map(Number));`);
  lines.push(`const X = tensor(rows.map((r) => [r[0], r[1]]));`);
  if (a.task === 'multiclass') lines.push(`const Y = tensor(Int32Array.from(rows, (r) => r[2]));`);
  else if (a.task === 'regression') lines.push(`const Y = tensor(rows.map((r) => [r[2]]));`);
  else lines.push(`const Y = tensor(rows.map((r) => [${a.labels === 'pm1' ? 'r[2] > 0 ? 1 : -1' : 'r[2] > 0 ? 1 : 0'}]));`);
  lines.push('');
  lines.push(`const rng = new Rng(${s.initSeed});`);
  const mods: string[] = ['new FeatureMap()'];
  let width = a.features.length;
  a.hidden.forEach((h, i) => {
    mods.push(`new nn.Linear(${width}, ${h}, { rng })`);
    if (a.norm === 'batch') mods.push(`new nn.BatchNorm1d(${h})`);
    if (a.norm === 'layer') mods.push(`new nn.LayerNorm([${h}])`);
    mods.push(ACT_CLASS[a.activations[i]!]!);
    if (a.dropout > 0) mods.push(`new nn.Dropout(${a.dropout}, { rng })`);
    width = h;
  });
  mods.push(`new nn.Linear(${width}, ${a.outputs}, { rng })`);
  if (a.outputActivation === 'tanh') mods.push('new nn.Tanh()');
  lines.push(`const model = new nn.Sequential(`);
  for (const m of mods) lines.push(`  ${m},`);
  lines.push(`);`);
  if (s.init === 'zero')
    lines.push(
      `for (const m of model.modules()) if (m instanceof nn.Linear) { nn.init.zeros_(m.weight); nn.init.constant_(m.bias!, ${classic ? 0.1 : 0}); }`,
    );
  else if (classic && s.init === 'default')
    lines.push(
      `for (const m of model.modules()) if (m instanceof nn.Linear) { nn.init.uniform_(m.weight, -0.5, 0.5, rng); nn.init.constant_(m.bias!, 0.1); }`,
    );
  lines.push('');
  let opt: string;
  if (classic || s.optimizer === 'sgd') opt = `new optim.SGD(model.parameters(), { lr: ${s.learningRate} })`;
  else if (s.optimizer === 'momentum') opt = `new optim.SGD(model.parameters(), { lr: ${s.learningRate}, momentum: ${s.momentum} })`;
  else if (s.optimizer === 'nesterov')
    opt = `new optim.SGD(model.parameters(), { lr: ${s.learningRate}, momentum: ${s.momentum}, nesterov: true })`;
  else if (s.optimizer === 'rmsprop') opt = `new optim.RMSprop(model.parameters(), { lr: ${s.learningRate} })`;
  else if (s.optimizer === 'adam') opt = `new optim.Adam(model.parameters(), { lr: ${s.learningRate}, betas: [${s.beta1}, ${s.beta2}] })`;
  else
    opt = `new optim.AdamW(model.parameters(), { lr: ${s.learningRate}, betas: [${s.beta1}, ${s.beta2}], weightDecay: ${s.weightDecay} })`;
  lines.push(`const optimizer = ${opt};`);
  let loss: string;
  if (classic) loss = `nn.F.mseLoss(out, y).mul(0.5) // ½·MSE on a tanh output, ±1 labels`;
  else if (a.task === 'multiclass') loss = 'nn.F.crossEntropy(out, y)';
  else if (a.task === 'regression') loss = s.loss === 'huber' ? 'nn.F.huberLoss(out, y)' : 'nn.F.mseLoss(out, y)';
  else
    loss =
      s.loss === 'mse'
        ? 'nn.F.mseLoss(out.sigmoid(), y)'
        : s.loss === 'huber'
          ? 'nn.F.huberLoss(out.sigmoid(), y)'
          : 'nn.F.binaryCrossEntropyWithLogits(out, y)';
  lines.push(`const shuffle = new Rng(${s.shuffleSeed});`);
  lines.push(`const n = Y.shape[0]!;`);
  lines.push(`const epochs = 200;`);
  lines.push(`for (let epoch = 1; epoch <= epochs; epoch++) {`);
  lines.push(
    classic
      ? `  const order = Array.from({ length: n }, (_, i) => i); // classic: no reshuffle`
      : `  const order = shuffle.permutation(n);`,
  );
  lines.push(`  for (let i = 0; i < n; i += ${s.batchSize}) {`);
  lines.push(`    const idx = tensor(Int32Array.from(order.slice(i, i + ${s.batchSize})));`);
  lines.push(`    const x = X.indexSelect(0, idx);`);
  lines.push(`    const y = Y.indexSelect(0, idx);`);
  lines.push(`    optimizer.zeroGrad();`);
  lines.push(`    const out = model.call(x) as Tensor;`);
  if (s.regularization !== 'none' && s.regularizationRate > 0) {
    const pen =
      s.regularization === 'L2' ? `p.square().sum().mul(${0.5 * s.regularizationRate})` : `p.abs().sum().mul(${s.regularizationRate})`;
    lines.push(`    let loss = ${loss.replace(/ \/\/.*$/, '')};`);
    lines.push(
      `    for (const [name, p] of model.namedParameters()) if (name.endsWith('weight')) loss = loss.add(${pen}); // ${s.regularization}`,
    );
  } else lines.push(`    const loss = ${loss};`);
  lines.push(`    loss.backward();`);
  lines.push(`    optimizer.step();`);
  lines.push(`  }`);
  lines.push(
    `  if (epoch % 10 === 0) console.log('epoch', epoch, 'loss', noGrad(() => ${loss
      .replace(/ \/\/.*$/, '')
      .replace(/out/g, '(model.call(X) as Tensor)')
      .replace(/\by\b/g, 'Y')}).item());`,
  );
  lines.push(`}`);
  return lines.join('\n');
}
