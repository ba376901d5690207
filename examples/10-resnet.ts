/**
 * 10. Residual connections (He et al., 2015). The same deep CNN — a stem, then blocks of two 3×3
 * convolutions, global average pooling and a linear classifier — with and without the skip
 * x + F(x) around each block, trained identically (Adam, PyTorch's default initialisation, no batch
 * norm) on MNIST digits. Each plain layer shrinks the signal a little, so a deep stack barely learns: its *training* loss ends above a shallow plain net's; the
 * residual one of the same depth trains.
 * Stated results: residual deep loss < plain deep loss; plain deep loss > plain shallow loss.
 *
 *   npx tsx examples/10-resnet.ts --full
 */
import { data, manualSeed, nn, noGrad, optim, viz, type Tensor } from '../src/index.js';
import { claim, f, outFile, runIfMain, subset, type RunOptions } from './lib.js';

class Block extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  constructor(
    ch: number,
    readonly residual: boolean,
  ) {
    super();
    this.conv1 = new nn.Conv2d(ch, ch, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(ch, ch, 3, { padding: 1 });
  }
  forward(x: Tensor): Tensor {
    const fx = this.conv2.call(this.conv1.call(x).relu());
    return (this.residual ? x.add(fx) : fx).relu(); // the skip: y = relu(x + F(x))
  }
}

class Net extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2)); // → [N, 16, 7, 7]
  blocks: nn.Sequential;
  head = new nn.Linear(16, 10);
  constructor(numBlocks: number, residual: boolean) {
    super();
    this.blocks = new nn.Sequential(...Array.from({ length: numBlocks }, () => new Block(16, residual)));
  }
  forward(x: Tensor): Tensor {
    return this.head.call(this.blocks.call(this.stem.call(x)).mean([2, 3])); // global average pool
  }
}

export async function run({ fast }: RunOptions) {
  const mnist = await data.datasets.mnist();
  const [x, y] = subset(mnist.train, fast ? 1000 : 4000, 1) as [Tensor, Tensor];
  const epochs = fast ? 4 : 10;
  const deep = fast ? 8 : 12; // blocks (2 convs each) → 17 / 25 weighted layers
  const lossFn = new nn.CrossEntropyLoss();
  const runs = { 'plain-shallow': [2, false], 'plain-deep': [deep, false], 'residual-deep': [deep, true] } as const;
  const curves: Record<string, number[]> = {};
  for (const [name, [blocks, residual]] of Object.entries(runs)) {
    manualSeed(0);
    const model = new Net(blocks, residual);
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 2 });
    curves[name] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      let [sum, count] = [0, 0];
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const loss = lossFn.call(model.call(xb!), yb!);
        loss.backward();
        opt.step();
        [sum, count] = [sum + loss.item(), count + 1];
      }
      curves[name]!.push(sum / count);
    }
    const final = noGrad(() => lossFn.call(model.eval().call(x), y).item());
    curves[name]!.push(final);
    console.log(
      `  ${name.padEnd(14)} (${2 * blocks + 2} weighted layers) epoch losses ${curves[name]!.slice(0, -1)
        .map((l) => f(l, 3))
        .join(' ')}; final training loss ${f(final, 4)}`,
    );
  }
  const final = (k: string) => curves[k]!.at(-1)!;
  const file = outFile('10-resnet.svg', fast);
  await viz.saveSVG(file, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training loss: plain vs residual CNN',
    width: 420,
    height: 280,
    data: { values: Object.entries(curves).flatMap(([model, c]) => c.slice(0, -1).map((loss, e) => ({ epoch: e + 1, loss, model }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', title: 'mean training cross-entropy' },
      color: { field: 'model', type: 'nominal' },
    },
  });
  return {
    metrics: {
      plain_shallow: final('plain-shallow'),
      plain_deep: final('plain-deep'),
      residual_deep: final('residual-deep'),
      depth: 2 * deep + 2,
    },
    files: [file],
    claims: [
      claim(
        'the residual deep net reaches a lower training loss than the plain one of the same depth',
        final('residual-deep') < final('plain-deep'),
        `${f(final('residual-deep'), 4)} vs ${f(final('plain-deep'), 4)}`,
      ),
      claim(
        'the plain net degrades with depth: deep training loss above shallow',
        final('plain-deep') > final('plain-shallow'),
        `${f(final('plain-deep'), 4)} vs ${f(final('plain-shallow'), 4)}`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
