/**
 * ONNX export by tracing a forward pass.
 *
 * How it works: the model runs (in eval mode, without autograd) on the example input while three
 * observers record what happens —
 * 1. forward hooks on the standard layers (Linear, Conv*, pools, norms, activations, Dropout, Flatten,
 *    Embedding…) record each layer call as one event, lowered to its ONNX operator (Gemm, Conv,
 *    BatchNormalization, LayerNormalization, Gather…) with the layer's parameters as named initializers
 *    (the state-dict keys, so an imported model has PyTorch's names);
 * 2. a few composite tensor methods (softmax, logSoftmax, matmul, mean, detach) are wrapped for the
 *    duration of the trace so they appear as one ONNX op rather than their primitives;
 * 3. every other primitive (add, mul, reshape, cat, relu…) used by hand-written forward code, e.g. a
 *    residual connection, is recorded through the op table's tracer and lowered one to one.
 * Anything computed from parameters alone is folded into a constant.
 *
 * The code: trace.ts records the events; export-modules.ts holds one lowering rule per layer type and
 * export-prims.ts one per primitive of the op table (both typed exhaustively: a layer or op without a
 * rule, or an explicit "not exportable", does not compile); this file is the driver.
 *
 * Dynamic batch: the trace runs twice, with batch sizes B and B+1, and the two recordings are compared:
 * a shape attribute that changes with the batch becomes `-1` (Reshape) or `1` (Expand) so the exported
 * graph accepts any batch size; the graph's inputs and outputs get the symbolic dim `batch`.
 */
import { BackpropError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { cat } from '../../tensor/functional.js';
import { Module } from '../../nn/module.js';
import { encodeModelProto, OnnxDataType, type ModelProto, type ValueInfoProto } from './proto.js';
import { ONNX_TYPE_OF } from './tensors.js';

/** The opset used when none is given: 17 (LayerNormalization native; GELU as its erf formula). */
export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;

/** Options of `exportOnnx`; unknown keys throw a `ValueError`. */
export interface ExportOnnxOptions {
  /** ONNX opset version (13–21, default 17). GELU is a native op from 20, its erf formula below. */
  opset?: number;
  /** Names of the graph inputs (default `input`, `input_1`, …). */
  inputNames?: string[];
  /** Names of the graph outputs (default `output`, `output_1`, …). */
  outputNames?: string[];
  /** Make dim 0 of every input and output a symbolic `batch` dimension (default true). */
  dynamicBatch?: boolean;
  /** Graph name (default: the model's class name). */
  graphName?: string;
  /** Producer metadata stored in the model. */
  docString?: string;
}

import { trace, type Ev } from './trace.js';
import { GraphBuilder } from './graph.js';
import { reduceNode, type Lowering } from './export-common.js';
import { lowerModule } from './export-modules.js';
import { lowerPrim } from './export-prims.js';
import { checkOptionKeys, optionKeys, type OptionKeySet } from '../../core/options.js';

function lowerMethod(ev: Ev, L: Lowering): void {
  const { g } = L;
  const out = ev.out[0]!;
  const x = ev.inputs[0]!;
  const args = ev.attrs.args as unknown[];
  switch (ev.op) {
    case 'softmax':
      return g.emit(out, 'Softmax', [g.ref(x)], { axis: args[0] as number });
    case 'logSoftmax':
      return g.emit(out, 'LogSoftmax', [g.ref(x)], { axis: args[0] as number });
    case 'matmul':
      return g.emit(out, 'MatMul', [g.ref(x), g.ref(ev.inputs[1]!)]);
    case 'mean': {
      const dim = args[0];
      const keep = (args[1] as boolean | undefined) ?? false;
      const axes = dim === undefined || dim === null ? x.shape.map((_, i) => i) : Array.isArray(dim) ? (dim as number[]) : [dim as number];
      const xs = x.dtype === 'float32' || x.dtype === 'float64' ? g.ref(x) : g.node('Cast', [g.ref(x)], { to: OnnxDataType.FLOAT })[0]!;
      g.names.set(out, reduceNode(g, 'ReduceMean', xs, axes, keep));
      return;
    }
  }
}

function lowerEvent(ev: Ev, L: Lowering): void {
  const { g } = L;
  if (ev.kind === 'alias') {
    if (g.isDynamic(ev.inputs[0]!)) g.names.set(ev.out[0]!, g.ref(ev.inputs[0]!));
    return;
  }
  // Constant folding: an event none of whose inputs depends on the graph inputs is skipped; its output,
  // if used later, becomes an initializer holding the value computed during tracing.
  if (!ev.inputs.some((t) => g.isDynamic(t))) return;
  // A constant made inside forward whose shape follows the batch size (e.g. zeros([N, H]) as an initial
  // state) would be frozen into the graph at the example's batch: refuse rather than export a wrong graph.
  if (L.twin)
    ev.inputs.forEach((t, i) => {
      const u = L.twin!.inputs[i];
      if (!g.isDynamic(t) && !g.paramNames.has(t) && u && (u.ndim !== t.ndim || u.shape.some((d, j) => d !== t.shape[j])))
        throw new NotSupportedError(
          `exportOnnx: ${ev.op} uses a tensor created inside forward whose shape follows the batch size (${fmtShape(t.shape)} vs ${fmtShape(u.shape)}); export with { dynamicBatch: false }`,
          'E_ONNX_DYNAMIC',
        );
    });
  if (ev.kind === 'module') return lowerModule(ev, L);
  if (ev.kind === 'method') return lowerMethod(ev, L);
  return lowerPrim(ev, L);
}

/** Make a batch of size b+1 from example `x` (repeat its first row). */
function growBatch(x: Tensor): Tensor {
  if (x.ndim === 0)
    throw new ShapeError('exportOnnx: a 0-d example input has no batch dimension; pass { dynamicBatch: false }', 'E_ONNX_DYNAMIC');
  return cat([x, x.narrow(0, 0, 1)], 0);
}

function valueInfo(name: string, t: Tensor, dynamic: boolean): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE_OF[t.dtype],
        shape: { dim: t.shape.map((d, i) => (dynamic && i === 0 ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}

/** Every key of `ExportOnnxOptions` (checked exhaustive at compile time); `saveOnnx` adds its own. */
export const EXPORT_ONNX_KEY_SET = {
  opset: true,
  inputNames: true,
  outputNames: true,
  dynamicBatch: true,
  graphName: true,
  docString: true,
} as const satisfies OptionKeySet<ExportOnnxOptions>;
const EXPORT_ONNX_KEYS = optionKeys<ExportOnnxOptions>()(EXPORT_ONNX_KEY_SET);

/** The ONNX ModelProto (as an object) for `model` traced on `example`. See `exportOnnx`. */
export function exportOnnxModel(model: Module, example: Tensor | Tensor[], opts: ExportOnnxOptions = {}): ModelProto {
  checkOptionKeys('exportOnnxModel', opts, EXPORT_ONNX_KEYS);
  if (!(model instanceof Module)) throw new ValueError('exportOnnx: the first argument must be an nn.Module');
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new ValueError(
      `exportOnnx: opset ${opset} is not supported; choose an integer in [${MIN_OPSET}, ${MAX_OPSET}] (default ${DEFAULT_OPSET})`,
    );
  const inputs = Array.isArray(example) ? example : [example];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof Tensor))
    throw new ValueError('exportOnnx: the example input must be a Tensor or a non-empty array of Tensors');
  const dynamic = opts.dynamicBatch ?? true;
  if (dynamic) {
    const b = inputs[0]!.shape[0];
    for (const t of inputs)
      if (t.ndim === 0 || t.shape[0] !== b)
        throw new ShapeError(
          `exportOnnx: with a dynamic batch every example input needs the same dim 0; got ${inputs.map((t) => fmtShape(t.shape)).join(' and ')}`,
          'E_ONNX_DYNAMIC',
        );
  }
  const paramNames = new Map<Tensor, string>();
  for (const [k, t] of model.namedParameters()) paramNames.set(t, k);
  for (const [k, t] of model.namedBuffers()) paramNames.set(t, k);

  // Trace in eval mode, restoring each module's flag afterwards.
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  let first: ReturnType<typeof trace>;
  let second: ReturnType<typeof trace> | null = null;
  try {
    first = trace(model, inputs);
    if (dynamic) second = trace(model, inputs.map(growBatch));
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
  if (second && (second.events.length !== first.events.length || second.events.some((e, i) => e.op !== first.events[i]!.op)))
    throw new NotSupportedError(
      'exportOnnx: the forward pass records different operations for different batch sizes (data-dependent control flow), so it cannot be exported with a dynamic batch; pass { dynamicBatch: false }',
      'E_ONNX_DYNAMIC',
    );

  const g = new GraphBuilder(opset, paramNames);
  const inputNames = inputs.map((_, i) => opts.inputNames?.[i] ?? (i === 0 ? 'input' : `input_${i}`));
  const outputNames = first.outputs.map((_, i) => opts.outputNames?.[i] ?? (i === 0 ? 'output' : `output_${i}`));
  for (const n of [...inputNames, ...outputNames]) {
    if (!n) throw new ValueError('exportOnnx: input/output names must be non-empty');
    g.reserve(n);
  }
  for (const n of paramNames.values()) g.reserve(n);
  inputs.forEach((t, i) => g.names.set(t, inputNames[i]!));
  try {
    first.events.forEach((ev, i) => lowerEvent(ev, { g, twin: second?.events[i] ?? null, lower: lowerEvent }));
  } catch (e) {
    if (e instanceof BackpropError) throw e;
    throw new NotSupportedError(
      `exportOnnx: could not lower the traced graph (${e instanceof Error ? e.message : String(e)})`,
      'E_ONNX_EXPORT',
    );
  }
  // Outputs: rename the final values with Identity nodes (an output may also be an input or a constant).
  first.outputs.forEach((t, i) => {
    const src = g.ref(t);
    g.nodes.push({ input: [src], output: [outputNames[i]!], opType: 'Identity', attribute: [], name: g.fresh('output_identity') });
  });
  // Keep only initializers that are used.
  const used = new Set(g.nodes.flatMap((n) => n.input));
  const initializer = g.initializers.filter((t) => used.has(t.name!));
  return {
    irVersion: opset >= 21 ? 10 : opset >= 19 ? 9 : 8,
    producerName: 'backprop',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: [],
    graph: {
      name: opts.graphName ?? model.typeName,
      node: g.nodes,
      initializer,
      input: inputs.map((t, i) => valueInfo(inputNames[i]!, t, dynamic)),
      output: first.outputs.map((t, i) => valueInfo(outputNames[i]!, t, dynamic)),
      valueInfo: [],
    },
  };
}

/**
 * Export `model` to ONNX bytes by tracing a forward pass on `example` (see the module doc for how).
 * The model runs in eval mode (dropout off, batch norm with running statistics); dim 0 is a symbolic
 * `batch` unless `{ dynamicBatch: false }`. Parameters become initializers named by their state-dict
 * keys (`0.weight`).
 *
 * Shapes: `example` is what `model.call(example)` accepts, e.g. `[N, inFeatures]`.
 * @example const bytes = exportOnnx(model, randn([1, 784]), { opset: 17 });
 * @throws NotSupportedError (`E_ONNX_UNSUPPORTED_OP`, `E_ONNX_DYNAMIC`) naming what cannot be exported.
 */
export function exportOnnx(model: Module, example: Tensor | Tensor[], opts: ExportOnnxOptions = {}): Uint8Array {
  checkOptionKeys('exportOnnx', opts, EXPORT_ONNX_KEYS);
  return encodeModelProto(exportOnnxModel(model, example, opts));
}
