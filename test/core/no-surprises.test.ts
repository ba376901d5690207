/**
 * Issue 14 item 4, "no silent surprises": each case here failed (or silently did the wrong thing)
 * before — options objects that ignored misspelled keys, to() crashing, no .device, noGrad not
 * covering async code, loadStateDict not suggesting the snake_case ↔ camelCase mapping, tensor() of
 * tensors, randint(high, size), next(iter(loader)), dataset transforms, F.gelu tanh.
 */
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  NotSupportedError,
  ValueError,
  arange,
  backendInfo,
  data,
  decodeSafetensors,
  encodeSafetensors,
  eye,
  full,
  isGradEnabled,
  setGradEnabled,
  linspace,
  nn,
  noGrad,
  noGradAsync,
  ones,
  rand,
  randint,
  randn,
  randperm,
  stack,
  tensor,
  zeros,
  Rng,
  type Tensor,
  fromTypedArray,
  typedArrayView,
  optim,
  viz,
  integratedGradients,
  LRSchedulerCallback,
} from '../../src/index.js';

const F = nn.functional;
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('creation options refuse unknown keys with the camelCase hint', () => {
  const makers: [string, (o: object) => unknown][] = [
    ['tensor', (o) => tensor([1, 2], o)],
    ['zeros', (o) => zeros([2], o)],
    ['ones', (o) => ones(2, 3, o)],
    ['full', (o) => full([2], 1, o)],
    ['eye', (o) => eye(2, 2, o)],
    ['randn', (o) => randn([5, 3], o)],
    ['rand', (o) => rand([2], o)],
    ['arange', (o) => arange(0, 3, 1, o)],
    ['linspace', (o) => linspace(0, 1, 3, o)],
  ];
  for (const [name, make] of makers) {
    it(`${name}({ requires_grad: true }) → did you mean 'requiresGrad'`, () => {
      expect(() => make({ requires_grad: true })).toThrow(ValueError);
      expect(() => make({ requires_grad: true })).toThrow(/unknown option 'requires_grad'; did you mean 'requiresGrad'/);
      expect(code(() => make({ dtyp: 'float64' }))).toBe('E_UNKNOWN_OPTION');
    });
  }
  it('the right spelling works; a bad dtype or device is a typed error', () => {
    expect(randn([5, 3], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(eye(3, { dtype: 'float64' }).dtype).toBe('float64');
    expect(zeros([2], { device: 'cpu' }).device).toBe('cpu');
    expect(() => zeros([2], { dtype: 'int64' as never })).toThrow(DTypeError);
    expect(() => zeros([2], { device: 'cuda' as never })).toThrow(NotSupportedError);
    expect(() => randint(0, 3, [2], { requiresGrad: true } as never)).toThrow(/unknown option 'requiresGrad'/);
    expect(() => randperm(3, { seed: 1 } as never)).toThrow(ValueError);
  });
  it('tensor(plainArray, { shape }) honours shape for plain arrays (and refuses a wrong count)', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { shape: [4] },
      ).shape,
    ).toEqual([4]);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 values do not fill shape \[2, ?2\]/);
  });
  it('tensor([t1, t2]) suggests stack', () => {
    const a = tensor([1, 2]);
    expect(() => tensor([a, a] as never)).toThrow(/use stack\(\[a, b, \.\.\.\]\)/);
    expect(code(() => tensor([a, a] as never))).toBe('E_TENSOR_OF_TENSOR');
    expect(() => tensor(a as never)).toThrow(/clone\(\)/);
    expect(stack([a, a]).shape).toEqual([2, 2]);
  });
});

describe('other options objects of the public API', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  it('backward(undefined, { retain_graph: true }) → retainGraph', () => {
    const y = x.mul(2).sum();
    expect(() => y.backward(undefined, { retain_graph: true } as never)).toThrow(/did you mean 'retainGraph'/);
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(/options go second/);
    y.backward(undefined, { retainGraph: true });
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, 2]);
  });
  it('loadStateDict(sd, { Strict: false }), stateDict({ keep_vars })', () => {
    const m = new nn.Linear(2, 1);
    expect(() => m.loadStateDict(m.stateDict(), { Strict: false } as never)).toThrow(/unknown option 'Strict'/);
    expect(() => m.stateDict({ keep_vars: true } as never)).toThrow(/did you mean 'keepVars'/);
  });
  it('encodeSafetensors(sd, { meta }) → expected metadata', () => {
    const sd = { w: tensor([1, 2]) };
    expect(() => encodeSafetensors(sd, { meta: { a: 'b' } } as never)).toThrow(
      /unknown option 'meta'; expected one of: metadata, intDType/,
    );
    expect(decodeSafetensors(encodeSafetensors(sd, { metadata: { a: 'b' } })).metadata).toEqual({ a: 'b' });
  });
  it('datasets.mnist / fashionMnist refuse PyTorch-only and misspelled keys with a hint', async () => {
    await expect(data.datasets.fashionMnist({ root: 'data', download: true } as never)).rejects.toThrow(
      /unknown option 'root'; the folder option is 'dir'/,
    );
    await expect(data.datasets.mnist({ download: true } as never)).rejects.toThrow(/never downloads/);
    await expect(data.datasets.mnist({ train: true } as never)).rejects.toThrow(/both splits are returned/);
    await expect(data.datasets.mnist({ target_transform: (y: unknown) => y } as never)).rejects.toThrow(/did you mean 'targetTransform'/);
  });
  it('functional losses, F.conv2d, F.gelu, var/std, gradcheck, generators, plots refuse unknown keys', () => {
    const a = tensor([[0.2, 0.8]]);
    const t = tensor([1], { dtype: 'int32' });
    const cases: (() => unknown)[] = [
      () => F.crossEntropy(a, t, { label_smoothing: 0.1 } as never),
      () => F.mseLoss(a, a, { reduce: 'sum' } as never),
      () => F.conv2d(randn([1, 1, 3, 3]), randn([1, 1, 2, 2]), null, { padding_mode: 'zeros' } as never),
      () => F.gelu(a, { approx: 'tanh' } as never),
      () => a.var(1, { unbiased: false } as never),
      () => data.datasets.moons({ noise_level: 0.1 } as never),
      () => new data.DataLoader(new data.TensorDataset(a), { batch_size: 2 } as never),
      () => new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 }).zeroGrad({ set_to_none: true } as never),
      () =>
        new LRSchedulerCallback(new optim.StepLR(new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 1 }), {
          every: 'batch',
        } as never),
      () => integratedGradients(new nn.Linear(2, 2), a, 0, { n_steps: 10 } as never),
      () => viz.decisionBoundary((t: Tensor) => t, randn([4, 2]), [0, 1, 0, 1], { res: 10 } as never),
      () => new data.CsvBuilder({ delim: ';' } as never),
    ];
    for (const c of cases) expect(code(c)).toBe('E_UNKNOWN_OPTION');
    expect(() => F.crossEntropy(a, t, { label_smoothing: 0.1 } as never)).toThrow(/did you mean 'labelSmoothing'/);
  });
});

describe('to() and .device', () => {
  const x = tensor([1.5, 2.5]);
  it("devices: 'cpu' and 'wasm' are the current CPU backend; 'webgpu' before init({ backend: 'webgpu' }) and 'cuda' are typed errors", () => {
    expect(x.device).toBe('cpu');
    expect(x.to('cpu')).toBe(x);
    expect(x.to('wasm')).toBe(x);
    expect(x.to(x.device)).toBe(x);
    expect(() => x.to('webgpu')).toThrow(NotSupportedError);
    expect(() => x.to('webgpu')).toThrow(/'webgpu' device is not loaded.*init\(\{ backend: 'webgpu' \}\)/);
    expect(code(() => x.to('webgpu'))).toBe('E_DEVICE');
    expect(() => x.to('cuda' as never)).toThrow(/Valid devices: 'cpu', 'wasm', 'js'/);
    expect(code(() => x.to('cuda:0' as never))).toBe('E_DEVICE');
  });
  it('dtypes, device + dtype, another tensor, an options object', () => {
    expect(x.to('float64').dtype).toBe('float64');
    expect(x.to('cpu', 'int32').toArray()).toEqual([1, 2]);
    expect(x.to(tensor([1], { dtype: 'float64' })).dtype).toBe('float64');
    expect(x.to({ device: 'cpu', dtype: 'float64' }).dtype).toBe('float64');
    expect(() => x.to({ dtype: 'float64', devise: 'cpu' } as never)).toThrow(/unknown option 'devise'/);
  });
  it("unknown values ('int64', 'banana', a number) are typed errors listing the valid values", () => {
    expect(() => x.to('int64' as never)).toThrow(DTypeError);
    expect(() => x.to('int64' as never)).toThrow(
      /int64 is not supported.*'int32'.*Valid dtypes: 'float32', 'float64', 'int32', 'bool'; valid devices: 'cpu'/,
    );
    expect(code(() => x.to('banana' as never))).toBe('E_TO');
    expect(code(() => x.to(3 as never))).toBe('E_TO');
  });
  it('Module.to(device) returns the module; to(dtype) casts; bad values are typed errors', () => {
    const m = new nn.Linear(2, 2);
    expect(m.to('cpu')).toBe(m);
    expect(m.weight.dtype).toBe('float32');
    expect(m.to('cpu', 'float64').weight.dtype).toBe('float64');
    expect(() => m.to('cuda' as never)).toThrow(NotSupportedError);
    expect(() => m.to('int64' as never)).toThrow(DTypeError);
  });
});

describe('async-safe noGrad', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  it('noGrad(async () => …) keeps grad off across awaits until the promise settles', async () => {
    const seen: boolean[] = [];
    const out = await noGrad(async () => {
      seen.push(isGradEnabled());
      await new Promise((r) => setTimeout(r, 1));
      seen.push(isGradEnabled());
      return w.mul(2);
    });
    expect(seen).toEqual([false, false]);
    expect(out.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });
  it('noGradAsync is the same, spelled out; a rejection also restores grad', async () => {
    const y = await noGradAsync(async () => {
      await null;
      return w.mul(3);
    });
    expect(y.requiresGrad).toBe(false);
    await expect(
      noGradAsync(async () => {
        await null;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });
  it('overlapping async blocks are counted: grad returns when the last settles', async () => {
    let releaseA!: () => void;
    const a = noGrad(() => new Promise<void>((r) => (releaseA = r)));
    const b = noGrad(async () => {
      await null;
    });
    await b;
    expect(isGradEnabled()).toBe(false); // a is still pending
    releaseA();
    await a;
    expect(isGradEnabled()).toBe(true);
  });
  it('code running while an async block is pending records no graph, and backward() says why', async () => {
    let release!: () => void;
    const pending = noGrad(() => new Promise<void>((r) => (release = r)));
    const loss = w.mul(2).sum();
    expect(() => loss.backward()).toThrow(/noGrad\(async …\) block\(s\) were still pending/);
    release();
    await pending;
    expect(w.mul(2).sum().requiresGrad).toBe(true);
  });
  it('setGradEnabled(false) then (true) leaves the default state: a later async block still covers its awaits', async () => {
    setGradEnabled(false);
    expect(w.mul(2).requiresGrad).toBe(false);
    setGradEnabled(true);
    const y = await noGrad(async () => {
      await null;
      return w.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });
  it('sync noGrad is unchanged', () => {
    expect(noGrad(() => w.mul(2)).requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });
});

describe('loadStateDict: snake_case ↔ camelCase', () => {
  class Net extends nn.Module {
    linearReluStack = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    forward(x: Tensor): Tensor {
      return this.linearReluStack.call(x);
    }
  }
  it("suggests the mapping when PyTorch's snake_case keys meet camelCase fields, and camelCaseKeys fixes it", () => {
    const net = new Net();
    const torchKeys = Object.fromEntries(
      Object.entries(net.stateDict()).map(([k, v]) => [k.replace('linearReluStack', 'linear_relu_stack'), v.mul(0).add(1)]),
    );
    expect(() => net.loadStateDict(torchKeys)).toThrow(
      /differ only by snake_case vs camelCase \(e\.g\. "linear_relu_stack\.0\.weight" in the state dict is "linearReluStack\.0\.weight" in the model\) — load nn\.camelCaseKeys\(stateDict\)/,
    );
    net.loadStateDict(nn.camelCaseKeys(torchKeys));
    expect(Array.from(net.stateDict()['linearReluStack.0.weight']!.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Object.keys(nn.snakeCaseKeys(net.stateDict()))).toEqual(['linear_relu_stack.0.weight', 'linear_relu_stack.0.bias']);
  });
});

describe('PyTorch idioms', () => {
  it('randint(high, size) as in PyTorch, and randint(low, high, size)', () => {
    const a = randint(10, [3, 4], { rng: new Rng(1) });
    expect(a.shape).toEqual([3, 4]);
    expect(a.dtype).toBe('int32');
    for (const v of a.dataSync()) expect(v >= 0 && v < 10).toBe(true);
    expect(Array.from(randint(0, 10, [3, 4], { rng: new Rng(1) }).dataSync())).toEqual(Array.from(a.dataSync()));
    expect(
      randint(5, 7, [50])
        .dataSync()
        .every((v) => v === 5 || v === 6),
    ).toBe(true);
  });
  it('loader.first() is next(iter(loader)); firstAsync for async datasets', async () => {
    const ds = new data.TensorDataset(arange(10).reshape(10, 1), arange(10));
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    const [x, y] = loader.first() as Tensor[];
    expect(x!.shape).toEqual([4, 1]);
    expect(Array.from(y!.dataSync())).toEqual([0, 1, 2, 3]);
    expect([...loader].length).toBe(3); // the abandoned epoch does not disturb the next one
    const [, y2] = (await loader.firstAsync()) as Tensor[];
    expect(Array.from(y2!.dataSync())).toEqual([0, 1, 2, 3]);
    expect(() => new data.DataLoader(ds, { batchSize: 20, dropLast: true }).first()).toThrow(/yields no batches/);
  });
  it('datasets.mnist({ transform, targetTransform }) applies them per sample', async () => {
    const { train, test } = await data.datasets.mnist({ transform: (x) => x.mul(2).sub(1), targetTransform: (y) => y.add(100) });
    expect(train.length).toBe(8000);
    const [x, y] = train.getItem(0) as [ReturnType<typeof tensor>, ReturnType<typeof tensor>];
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.min().item()).toBe(-1);
    expect(y.item()).toBe(100);
    const [xb, yb] = new data.DataLoader(test, { batchSize: 5 }).first() as Tensor[];
    expect(xb!.shape).toEqual([5, 1, 28, 28]);
    expect(yb!.dtype).toBe('int32');
  });
  it("F.gelu(x, { approximate: 'tanh' }) and the GELU module agree; a bad mode is refused", () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2], { dtype: 'float64' });
    const want = [-2, -0.5, 0, 0.5, 2].map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    const got = Array.from(F.gelu(x, { approximate: 'tanh' }).dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
    expect(Array.from(new nn.GELU({ approximate: 'tanh' }).call(x).dataSync())).toEqual(got);
    expect(() => F.gelu(x, { approximate: 'fast' } as never)).toThrow(/approximate must be 'none' or 'tanh'/);
  });
  it('the data without a copy (.numpy() / from_numpy): typedArrayView and fromTypedArray share memory', () => {
    const buf = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = fromTypedArray(buf, [2, 3]); // torch.from_numpy: same memory
    buf[4] = 7;
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 7, 6],
    ]);
    const v = typedArrayView(t); // t.numpy(): same memory
    expect(v).toBeInstanceOf(Float32Array);
    v[0] = -1;
    expect(t.toArray()).toEqual([
      [-1, 2, 3],
      [4, 7, 6],
    ]);
    expect(buf[0]).toBe(-1);
    const row = t.select(0, 1);
    expect(Array.from(typedArrayView(row))).toEqual([4, 7, 6]);
    expect(typedArrayView(row).buffer).toBe(buf.buffer); // a contiguous view: still no copy
    expect(() => typedArrayView(t.t())).toThrow(/not contiguous.*contiguous\(\)/);
    expect(() => fromTypedArray(buf, [4])).toThrow(/6 values do not fill shape/);
    expect(() => typedArrayView(tensor([1], { requiresGrad: true }).mul(2))).toThrow(/detach\(\)/);
    expect(backendInfo().backend).toBe('js');
  });
});
