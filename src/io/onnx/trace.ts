/**
 * Tracing a forward pass for ONNX export: module hooks record standard layers as single events, the
 * tensor layer's method tracer records a few composite methods (softmax, matmul, ...) as single
 * events, and every other primitive is recorded through the op table's tracer (see export.ts for how
 * the events are lowered). Nothing is patched: both tracers are hooks the tensor layer consults.
 */
import { NotSupportedError } from '../../core/errors.js';
import { Tensor, setMethodTracer, setOpTracer } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/mode.js';
import type { Module } from '../../nn/module.js';

type AnyTensor = Tensor;
export interface Ev {
  kind: 'prim' | 'method' | 'module' | 'alias';
  op: string;
  inputs: AnyTensor[];
  attrs: Record<string, unknown>;
  out: AnyTensor[];
  module?: Module;
  inner?: Ev[];
}

/**
 * The layers recorded as one event and lowered by their own rule (export-modules.ts keys its table by
 * this union, so adding a name here without a rule is a compile error). Matched by `typeName`, which
 * built-in layers set explicitly (`displayName`), so minified bundles still match; a user subclass has
 * its own name and is traced through its primitives.
 */
export const LAYER_TYPES = [
  'Linear',
  'Conv1d',
  'Conv2d',
  'ConvTranspose2d',
  'MaxPool2d',
  'AvgPool2d',
  'AdaptiveAvgPool2d',
  'BatchNorm1d',
  'BatchNorm2d',
  'LayerNorm',
  'Embedding',
  'Dropout',
  'Flatten',
  'Identity',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'GELU',
  'SiLU',
  'Sigmoid',
  'Tanh',
  'Softplus',
  'Softmax',
  'LogSoftmax',
  'LSTM',
  'GRU',
  'RNN',
] as const;
export type LayerType = (typeof LAYER_TYPES)[number];
const KNOWN_LAYERS = new Set<string>(LAYER_TYPES);

/** Tensors in `v`, depth-first through nested arrays (an LSTM returns [out, [h, c]]). */
function flatTensors(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(flatTensors);
  return [];
}

function outputsOf(y: unknown, where: string): Tensor[] {
  if (y instanceof Tensor) return [y];
  if (Array.isArray(y) && y.every((t) => t instanceof Tensor)) return y as Tensor[];
  throw new NotSupportedError(
    `exportOnnx: ${where} returned ${typeof y}; only a Tensor or an array of Tensors can be exported`,
    'E_ONNX_EXPORT',
  );
}

/** Run `model` on `inputs`, recording events. */
export function trace(model: Module, inputs: Tensor[]): { events: Ev[]; outputs: Tensor[] } {
  const events: Ev[] = [];
  let depth = 0; // > 0 inside a recorded layer or method
  let stack: Ev[][] = [];
  const removers: (() => void)[] = [];
  for (const [, m] of model.namedModules()) {
    const cls = m.typeName;
    if (!KNOWN_LAYERS.has(cls)) continue;
    let mine = false;
    removers.push(
      m.registerForwardPreHook(() => {
        mine = depth === 0;
        if (mine) stack.push([]);
        depth++;
      }),
    );
    removers.push(
      m.registerForwardHook((mod, ins, out) => {
        depth--;
        if (!mine) return;
        mine = false;
        const inner = stack.pop()!;
        events.push({ kind: 'module', op: cls, inputs: flatTensors(ins), attrs: {}, out: flatTensors(out), module: mod, inner });
      }),
    );
  }
  // composite methods (softmax, matmul, ...) are recorded as one event each through the method tracer
  const prevMethodTracer = setMethodTracer((name, self, args, run) => {
    if (depth > 0) return run();
    depth++;
    stack.push([]);
    let y: Tensor;
    try {
      y = run();
    } finally {
      depth--;
      stack.pop();
    }
    const tensorsIn = [self, ...args.filter((a): a is Tensor => a instanceof Tensor)];
    events.push({ kind: name === 'detach' ? 'alias' : 'method', op: name, inputs: tensorsIn, attrs: { args }, out: [y] });
    return y;
  });
  const prevTracer = setOpTracer((name, ins, attrs, out) => {
    if (depth > 0) {
      stack[stack.length - 1]?.push({ kind: 'prim', op: name, inputs: ins.slice(), attrs: attrs as Record<string, unknown>, out: [out] });
      return;
    }
    events.push({ kind: 'prim', op: name, inputs: ins.slice(), attrs: attrs as Record<string, unknown>, out: [out] });
  });
  try {
    const y = noGrad(() => model.call(...(inputs as never[])));
    return { events, outputs: outputsOf(y, `${model.typeName}.forward`) };
  } finally {
    setOpTracer(prevTracer);
    setMethodTracer(prevMethodTracer);
    for (const r of removers) r();
    stack = [];
  }
}
