// Small fixtures for fit tests, built only on committed core pieces (Module, Parameter, autograd).
import { Module, Parameter } from '../../src/nn/module.js';
import { Rng } from '../../src/core/rng.js';
import { randn, tensor } from '../../src/tensor/creation.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** y = x W^T + b, a softmax-regression / linear-regression model. */
export class Affine extends Module {
  weight: Parameter;
  bias: Parameter;
  constructor(inF: number, outF: number, seed = 0) {
    super();
    const rng = new Rng(seed);
    this.weight = new Parameter(randn([outF, inF], { rng }).mul(0.1));
    this.bias = new Parameter(tensor(new Float32Array(outF)));
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight.t()).add(this.bias);
  }
}

/** Plain SGD with the optimizer surface fit() uses. */
export class TinySGD {
  paramGroups: { lr: number }[];
  constructor(
    readonly params: Parameter[],
    lr: number,
  ) {
    this.paramGroups = [{ lr }];
  }
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
  step(): void {
    noGrad(() => {
      for (const p of this.params) if (p.grad) p.sub_(p.grad.mul(this.paramGroups[0]!.lr));
    });
  }
  stateDict() {
    return { lr: this.paramGroups[0]!.lr };
  }
  loadStateDict(s: { lr: number }) {
    this.paramGroups[0]!.lr = s.lr;
  }
}

/** Batches of a 3-class blobs problem: class c centred at (2c, -2c) + noise. */
export function blobs(n: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ys[i] = c;
    xs[2 * i] = 2 * c + 0.5 * rng.normal();
    xs[2 * i + 1] = -2 * c + 0.5 * rng.normal();
  }
  return { x: new Tensor(xs, [n, 2], 'float32'), y: new Tensor(ys, [n], 'int32') };
}

export function batches(x: Tensor, y: Tensor, bs: number): Tensor[][] {
  const out: Tensor[][] = [];
  const n = x.shape[0]!;
  for (let i = 0; i < n; i += bs) out.push([x.narrow(0, i, Math.min(bs, n - i)), y.narrow(0, i, Math.min(bs, n - i))]);
  return out;
}
