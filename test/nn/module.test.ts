/** The module system: discovery and names, traversal, buffers, modes, freezing, hooks, containers, errors. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Rng,
  StateError,
  IndexError,
  NotSupportedError,
  ValueError,
  nn,
  noGrad,
  ones,
  randn,
  tensor,
  zeros,
  type Tensor,
} from '../../src/index.js';

const rng = new Rng(1);

class MLP extends nn.Module {
  fc1 = new nn.Linear(4, 8, { rng });
  act = new nn.ReLU();
  head = new nn.Sequential(new nn.Linear(8, 8, { rng }), new nn.Tanh(), new nn.Linear(8, 3, { rng }));
  forward(x: Tensor): Tensor {
    return this.head.call(this.act.call(this.fc1.call(x)));
  }
}

describe('Module: discovery and names', () => {
  it('names parameters from attribute order, PyTorch style', () => {
    const m = new MLP();
    expect(m.namedParameters().map(([k]) => k)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'head.0.weight',
      'head.0.bias',
      'head.2.weight',
      'head.2.bias',
    ]);
    expect(m.parameters()).toHaveLength(6);
    expect(m.parameters()[0]).toBeInstanceOf(nn.Parameter);
    expect(m.parameters()[0]!.requiresGrad).toBe(true);
    expect(m.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'head']);
    expect(m.children()).toHaveLength(3);
    expect(m.namedModules().map(([k]) => k)).toEqual(['', 'fc1', 'act', 'head', 'head.0', 'head.1', 'head.2']);
    expect(m.modules()[0]).toBe(m);
    expect(m.parameters(false)).toHaveLength(0);
    expect(m.fc1.parameters(false)).toHaveLength(2);
  });

  it('runs forward through call() with the subclass types', () => {
    const m = new MLP();
    const y = m.call(randn(5, 4, { rng }));
    expect(y.shape).toEqual([5, 3]);
    expect(m.forward(randn(2, 4, { rng })).shape).toEqual([2, 3]);
  });

  it("call() is typed from each module's forward", () => {
    const lin = new nn.Linear(2, 2);
    expectTypeOf(lin.call).parameters.toEqualTypeOf<[x: Tensor]>();
    expectTypeOf(lin.call).returns.toEqualTypeOf<Tensor>();
    const lstm = new nn.LSTM(2, 3);
    expectTypeOf(lstm.call).returns.toEqualTypeOf<[Tensor, [Tensor, Tensor]]>();
    const mha = new nn.MultiheadAttention(4, 2);
    expectTypeOf(mha.call).returns.toEqualTypeOf<[Tensor, Tensor | null]>();
    expectTypeOf(new MLP().call).returns.toEqualTypeOf<Tensor>();
    // @ts-expect-error Linear.forward takes one tensor
    expect(() => lin.call(ones(1, 2), ones(1, 2))).not.toThrow();
  });

  it('counts a shared parameter or module once', () => {
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3, { rng });
      b = this.a;
      forward(x: Tensor) {
        return this.b.call(this.a.call(x));
      }
    }
    const t = new Tied();
    expect(t.parameters()).toHaveLength(2);
    expect(t.namedModules().map(([k]) => k)).toEqual(['', 'a']);
    // the state dict keeps both names, like PyTorch
    expect(Object.keys(t.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  });

  it('registers explicitly named parameters, buffers and modules in order', () => {
    class Custom extends nn.Module {
      constructor() {
        super();
        this.registerParameter('my_weight', new nn.Parameter(ones(2)));
        this.registerBuffer('my_stat', zeros(2));
        this.registerBuffer('scratch', zeros(1), false);
        this.registerModule('sub_layer', new nn.Linear(2, 2, { rng }));
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const c = new Custom();
    expect(Object.keys(c.stateDict())).toEqual(['my_weight', 'my_stat', 'sub_layer.weight', 'sub_layer.bias']);
    expect(c.namedBuffers().map(([k]) => k)).toEqual(['my_stat', 'scratch']);
    expect(c.getParameter('sub_layer.bias').shape).toEqual([2]);
    expect(c.getBuffer('my_stat').shape).toEqual([2]);
    expect(() => c.getSubmodule('nope')).toThrow(IndexError);
    expect(() => c.getParameter('sub_layer.nope')).toThrow(/no parameter 'nope'/);
    expect(() => c.registerBuffer('a.b', zeros(1))).toThrow(ValueError);
    expect(() => c.registerParameter('my_stat', new nn.Parameter(ones(1)))).toThrow(StateError);
  });

  it('reassigning, nulling and deleting attributes update the registry (like PyTorch setattr/del)', () => {
    class Net extends nn.Module {
      a: nn.Linear | null = new nn.Linear(2, 2, { rng });
      b: nn.Module = new nn.ReLU();
      c?: nn.Linear = new nn.Linear(2, 1, { rng });
      forward(x: Tensor) {
        return x;
      }
    }
    const n = new Net();
    expect(Object.keys(n.stateDict())).toEqual(['a.weight', 'a.bias', 'c.weight', 'c.bias']);
    n.b = new nn.Linear(2, 3, { rng });
    expect(Object.keys(n.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias', 'c.weight', 'c.bias']);
    n.a = null;
    delete n.c;
    expect(Object.keys(n.stateDict())).toEqual(['b.weight', 'b.bias']);
    expect(n.namedChildren().map(([k]) => k)).toEqual(['b']);
    expect(n.toString()).toBe('Net(\n  (a): None\n  (b): Linear(in_features=2, out_features=3, bias=True)\n)');
  });

  it('refuses a plain array of modules with a hint to use ModuleList', () => {
    class Bad extends nn.Module {
      layers = [new nn.Linear(2, 2, { rng })];
      forward(x: Tensor) {
        return x;
      }
    }
    const b = new Bad();
    expect(() => b.parameters()).toThrow(StateError);
    expect(() => b.parameters()).toThrow(/ModuleList/);
  });

  it('refuses a plain Tensor assigned over a registered parameter', () => {
    const l = new nn.Linear(2, 2, { rng });
    expect(l.parameters()).toHaveLength(2);
    (l as unknown as { weight: Tensor }).weight = zeros(2, 2);
    expect(() => l.parameters()).toThrow(/new Parameter/);
  });

  it('a module that references an ancestor fails clearly instead of recursing forever', () => {
    class Child extends nn.Module {
      owner: nn.Module | null = null;
      forward(x: Tensor) {
        return x;
      }
    }
    class Parent extends nn.Module {
      lin = new nn.Linear(2, 2, { rng });
      child = new Child();
      forward(x: Tensor) {
        return x;
      }
    }
    const p = new Parent();
    p.child.owner = p;
    expect(p.parameters()).toHaveLength(2);
    expect(() => p.stateDict()).toThrow(/contains itself/);
    expect(p.toString()).toContain('(owner): Parent(<cycle>)');
  });

  it('Parameter shares storage, requires grad, and rejects integer data', () => {
    const t = randn(3, { rng });
    const p = new nn.Parameter(t);
    expect(p.storage).toBe(t.storage);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(new nn.Parameter(t, false).requiresGrad).toBe(false);
    expect(() => new nn.Parameter(tensor(new Int32Array([1, 2])))).toThrow(/floating-point/);
    expect(p.toString()).toMatch(/^Parameter containing:/);
  });
});

describe('Module: modes, apply, zeroGrad, freezing, dtype, hooks', () => {
  it('train()/eval() switch every descendant', () => {
    const m = new MLP();
    expect(m.modules().every((x) => x.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.head.at(1).training).toBe(true);
    expect(() => m.train('yes' as unknown as boolean)).toThrow(ValueError);
  });

  it('apply visits children before the parent', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2, { rng }), new nn.Sequential(new nn.ReLU()));
    const seen: string[] = [];
    m.apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential', 'Sequential']);
    // the usual custom-init idiom
    m.apply((x) => {
      if (x instanceof nn.Linear) nn.init.constant_(x.weight, 0.5);
    });
    expect(Array.from((m.at(0) as nn.Linear).weight.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('zeroGrad clears every gradient (to null, or to zeros)', () => {
    const m = new MLP();
    m.call(randn(3, 4, { rng }))
      .sum()
      .backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad(false);
    expect(m.parameters().every((p) => p.grad !== null && Array.from(p.grad.dataSync()).every((v) => v === 0))).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('requiresGrad_(false) freezes a sub-module: no gradients reach it', () => {
    const m = new MLP();
    m.fc1.requiresGrad_(false);
    m.call(randn(3, 4, { rng }))
      .sum()
      .backward();
    expect(m.fc1.weight.grad).toBeNull();
    expect(m.fc1.bias!.grad).toBeNull();
    expect(m.head.parameters().every((p) => p.grad !== null)).toBe(true);
    expect(m.parameters().filter((p) => p.requiresGrad)).toHaveLength(4);
    m.requiresGrad_(true);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('to(float64) casts parameters and float buffers in place, keeping identity', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2, { rng }), new nn.BatchNorm1d(2));
    const w = m.parameters()[0]!;
    const before = Array.from(w.dataSync());
    m.double();
    expect(m.parameters()[0]).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(Array.from(w.dataSync())).toEqual(before);
    const bn = m.at(1) as nn.BatchNorm1d;
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(m.call(randn(3, 2, { dtype: 'float64', rng })).dtype).toBe('float64');
    expect(() => m.to('int32')).toThrow(/floating-point/);
  });

  it('forward hooks and pre-hooks run around forward and can be removed', () => {
    const l = new nn.Linear(2, 2, { rng });
    const log: string[] = [];
    const rmPre = l.registerForwardPreHook((_m, inputs) => {
      log.push('pre');
      return [(inputs[0] as Tensor).mul(0)];
    });
    const rm = l.registerForwardHook((_m, _in, out) => {
      log.push('post');
      return (out as Tensor).add(1);
    });
    const y = l.call(ones(1, 2));
    expect(log).toEqual(['pre', 'post']);
    // input zeroed → output = bias + 1
    expect(Array.from(y.dataSync())).toEqual(Array.from(l.bias!.add(1).dataSync()));
    rmPre();
    rm();
    l.call(ones(1, 2));
    expect(log).toHaveLength(2);
  });
});

describe('Module.clone (deep copy)', () => {
  it('copies every layer type with fresh storage; the copy computes the same and evolves independently', () => {
    class Net extends nn.Module {
      conv = new nn.Conv2d(1, 2, 3, { padding: 1, rng });
      bn = new nn.BatchNorm2d(2);
      rnn = new nn.LSTM(2, 3, { batchFirst: true, rng });
      attn = new nn.MultiheadAttention(3, 1, { batchFirst: true, rng });
      head = new nn.Sequential(new nn.Linear(3, 2, { rng }), new nn.Tanh());
      tied = this.head;
      forward(x: Tensor): Tensor {
        const h = this.bn.call(this.conv.call(x)).mean(2).transpose(1, 2); // [N, W, 2]
        const [o] = this.rnn.call(h);
        const [a] = this.attn.call(o, o, o);
        return this.head.call(a);
      }
    }
    const net = new Net();
    net.conv.requiresGrad_(false);
    net
      .call(randn(2, 1, 4, 4, { rng }))
      .sum()
      .backward(); // grads and running stats on the original
    const copy = net.clone();
    expect(copy).toBeInstanceOf(Net);
    expect(copy).not.toBe(net);
    expect(copy.tied).toBe(copy.head);
    expect(copy.head).not.toBe(net.head);
    expect(Object.keys(copy.stateDict())).toEqual(Object.keys(net.stateDict()));
    for (const [k, t] of Object.entries(copy.stateDict())) {
      expect(t.storage).not.toBe(net.stateDict()[k]!.storage);
      expect(Array.from(t.dataSync())).toEqual(Array.from(net.stateDict()[k]!.dataSync()));
    }
    expect(copy.parameters().every((p) => p.grad === null)).toBe(true);
    expect(copy.conv.weight.requiresGrad).toBe(false);
    expect(copy.attn.inProjWeight!.requiresGrad).toBe(true);
    expect(copy.bn.numBatchesTracked!.item()).toBe(1);
    net.eval();
    copy.eval();
    const x = randn(2, 1, 4, 4, { rng });
    expect(Array.from(copy.call(x).dataSync())).toEqual(Array.from(net.call(x).dataSync()));
    noGrad(() => copy.head.parameters().forEach((p) => p.fill_(0)));
    expect(Array.from((net.head.at(0) as nn.Linear).weight.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(copy.toString()).toBe(net.toString());
  });
});

describe('Containers', () => {
  it('Sequential: positional and named construction, at, slice, append, iteration', () => {
    const s = new nn.Sequential(new nn.Linear(3, 4, { rng }), new nn.ReLU(), new nn.Linear(4, 2, { rng }));
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(nn.Linear);
    expect([...s].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(s.slice(0, 2).call(randn(2, 3, { rng })).shape).toEqual([2, 4]);
    s.append(new nn.Softmax(1));
    expect(s.length).toBe(4);
    const y = s.call(randn(2, 3, { rng }));
    expect(y.sum(1).toArray()).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6)]);
    expect(() => s.at(4)).toThrow(IndexError);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2, { rng }), act: new nn.ReLU() });
    expect(Object.keys(named.stateDict())).toEqual(['fc.weight', 'fc.bias']);
  });

  it('ModuleList: append, extend, insert renumbers, no forward', () => {
    const l = new nn.ModuleList([new nn.Linear(2, 2, { rng })]);
    l.append(new nn.Linear(2, 3, { rng })).extend([new nn.ReLU()]);
    expect(l.length).toBe(3);
    l.insert(0, new nn.Linear(1, 2, { rng }));
    expect(Object.keys(l.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    expect((l.at(0) as nn.Linear).inFeatures).toBe(1);
    expect(() => l.forward()).toThrow(NotSupportedError);
    class Net extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(2, 2, { rng }), new nn.Linear(2, 2, { rng })]);
      forward(x: Tensor) {
        for (const m of this.layers) x = m.call(x);
        return x;
      }
    }
    expect(new Net().namedParameters().map(([k]) => k)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  });

  it('ModuleDict: get/set/has/delete/keys', () => {
    const d = new nn.ModuleDict({ enc: new nn.Linear(2, 2, { rng }), dec: new nn.Linear(2, 2, { rng }) });
    expect(d.keys()).toEqual(['enc', 'dec']);
    expect(d.get('enc')).toBeInstanceOf(nn.Linear);
    expect(d.has('dec')).toBe(true);
    expect(d.delete('dec')).toBe(true);
    expect(d.size).toBe(1);
    expect(() => d.get('dec')).toThrow(/no module named 'dec'/);
    d.set('act', new nn.ReLU());
    expect(d.entries().map(([k]) => k)).toEqual(['enc', 'act']);
  });

  it('Identity, Flatten, Unflatten', () => {
    const x = randn(2, 3, 4, 5, { rng });
    expect(new nn.Identity().call(x)).toBe(x);
    expect(new nn.Flatten().call(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 1).call(x).shape).toEqual([6, 4, 5]);
    expect(new nn.Unflatten(1, [3, 20]).call(new nn.Flatten().call(x)).shape).toEqual([2, 3, 20]);
    expect(() => new nn.Unflatten(1, [2.5])).toThrow(ValueError);
  });
});

describe('Module printing (PyTorch format)', () => {
  it('prints nested modules with their extra repr', () => {
    const m = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Dropout(0.25),
      new nn.Flatten(),
      new nn.Linear(8 * 14 * 14, 10, { bias: false }),
    );
    expect(m.toString()).toBe(
      [
        'Sequential(',
        '  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
        '  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        '  (2): ReLU()',
        '  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)',
        '  (4): Dropout(p=0.25, inplace=False)',
        '  (5): Flatten(start_dim=1, end_dim=-1)',
        '  (6): Linear(in_features=1568, out_features=10, bias=False)',
        ')',
      ].join('\n'),
    );
  });

  it('prints user modules, recurrent layers and attention', () => {
    class Encoder extends nn.Module {
      emb = new nn.Embedding(100, 16, { paddingIdx: 0 });
      rnn = new nn.LSTM(16, 32, { numLayers: 2, batchFirst: true, bidirectional: true });
      norm = new nn.LayerNorm(64);
      attn = new nn.MultiheadAttention(64, 4);
      forward(x: Tensor) {
        return x;
      }
    }
    expect(new Encoder().toString()).toBe(
      [
        'Encoder(',
        '  (emb): Embedding(100, 16, padding_idx=0)',
        '  (rnn): LSTM(16, 32, num_layers=2, batch_first=True, bidirectional=True)',
        '  (norm): LayerNorm((64,), eps=1e-05, elementwise_affine=True)',
        '  (attn): MultiheadAttention(',
        '    (out_proj): Linear(in_features=64, out_features=64, bias=True)',
        '  )',
        ')',
      ].join('\n'),
    );
    expect(new nn.GELU().toString()).toBe("GELU(approximate='none')");
    expect(new nn.LeakyReLU().toString()).toBe('LeakyReLU(negative_slope=0.01)');
    expect(new nn.AdaptiveAvgPool2d([1, 1]).toString()).toBe('AdaptiveAvgPool2d(output_size=(1, 1))');
    expect(new nn.Upsample({ scaleFactor: 2 }).toString()).toBe('Upsample(scale_factor=2.0, mode=nearest)');
  });
  it('built-in layers keep their names when a minifier renames classes; subclasses print their own', () => {
    const original = nn.Linear.name;
    Object.defineProperty(nn.Linear, 'name', { value: 'Qe', configurable: true });
    try {
      expect(new nn.Linear(2, 3).toString()).toBe('Linear(in_features=2, out_features=3, bias=True)');
    } finally {
      Object.defineProperty(nn.Linear, 'name', { value: original, configurable: true });
    }
    class MyLinear extends nn.Linear {}
    expect(new MyLinear(1, 1).toString()).toBe('MyLinear(in_features=1, out_features=1, bias=True)');
  });
});

describe('train/eval behaviour', () => {
  it('Dropout: zeroes about p of the elements and scales the rest in training, identity in eval', () => {
    const d = new nn.Dropout(0.3, { rng: new Rng(5) });
    const x = ones(100, 100);
    const y = d.call(x);
    const v = y.dataSync();
    let zerosN = 0;
    for (const e of v) {
      if (e === 0) zerosN++;
      else expect(e).toBeCloseTo(1 / 0.7, 6);
    }
    expect(zerosN / v.length).toBeGreaterThan(0.28);
    expect(zerosN / v.length).toBeLessThan(0.32);
    d.eval();
    expect(d.call(x)).toBe(x);
    // the same seed gives the same mask
    const a = new nn.Dropout(0.5, { rng: new Rng(9) }).call(x).dataSync();
    const b = new nn.Dropout(0.5, { rng: new Rng(9) }).call(x).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    // the gradient uses the same mask
    const xg = ones(4, 4).requiresGrad_(true);
    const yd = new nn.Dropout(0.5, { rng: new Rng(3) }).call(xg);
    yd.sum().backward();
    expect(Array.from(xg.grad!.dataSync())).toEqual(Array.from(yd.detach().dataSync()));
  });

  it('BatchNorm: batch stats and running updates in train, running stats in eval', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.5 });
    const x = tensor([
      [1, 10],
      [3, 30],
    ]);
    const y = bn.call(x);
    // batch-normalised: ±1/√(1 + eps/var)
    expect(y.toArray()).toEqual([
      [expect.closeTo(-1, 4), expect.closeTo(-1, 4)],
      [expect.closeTo(1, 4), expect.closeTo(1, 4)],
    ]);
    // running = 0.5·old + 0.5·batch (unbiased variance)
    expect(bn.runningMean!.toArray()).toEqual([1, 10]);
    expect(bn.runningVar!.toArray()).toEqual([expect.closeTo(0.5 + 0.5 * 2, 5), expect.closeTo(0.5 + 0.5 * 200, 3)]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const ye = bn.call(tensor([[1, 10]]));
    expect(ye.toArray()).toEqual([[expect.closeTo(0, 5), expect.closeTo(0, 5)]]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // momentum null: cumulative average
    const cma = new nn.BatchNorm1d(1, { momentum: null });
    cma.call(tensor([[0], [2]]));
    cma.call(tensor([[4], [6]]));
    expect(cma.runningMean!.item()).toBeCloseTo(3, 6);
    // a single value per channel cannot be batch-normalised in training
    expect(() => new nn.BatchNorm1d(2).call(tensor([[1, 2]]))).toThrow(/more than 1 value per channel/);
    // no running stats: batch statistics in eval too
    const free = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
    expect(free.runningMean).toBeNull();
    expect(free.call(x).toArray()).toEqual(y.toArray());
    expect(Object.keys(free.stateDict())).toEqual(['weight', 'bias']);
    noGrad(() => bn.resetRunningStats());
    expect(bn.runningVar!.toArray()).toEqual([1, 1]);
  });
});
