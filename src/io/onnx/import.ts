/**
 * ONNX import: a ModelProto becomes an `OnnxModule`, a runnable backprop `Module` that interprets the
 * graph with differentiable tensor ops. Float initializers become `Parameter`s (trainable; BatchNorm
 * running statistics become buffers) under their ONNX names, split on dots into child modules, so a
 * graph exported from PyTorch or from backprop has the same state-dict keys as the original model
 * (`0.weight`) and can be fine-tuned or loaded with `loadStateDict`.
 *
 * Safety: the protobuf decoder caps nesting depth and repeated-field sizes; the importer caps the node
 * count and tensor sizes, checks every node input refers to a value defined earlier, runs If subgraphs
 * (refuses Loop/Scan bodies) and refuses custom domains, and every failure — also at run time — is a typed error naming the node.
 */
import { checkOnnxCounts, checkOnnxOpset, elementBudgetError, ONNX_MAX_ELEMENTS } from '../onnx-limits.js';
import { BackpropError, FormatError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor, internalScope, releaseTemporary } from '../../tensor/tensor.js';
import { Module, Parameter } from '../../nn/module.js';
import {
  decodeModelProto,
  OnnxAttrType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './proto.js';
import { protoToTensor } from './tensors.js';
import { runNode, type AttrValue, type INode } from './interpreter.js';
import { iAttr } from './attrs.js';
import { checkNodeAtImport } from './checks.js';
import { checkOptionKeys } from '../../core/options.js';

/** Options of `importOnnx`/`loadOnnx`; unknown keys throw a `ValueError`. The limits guard against hostile files. */
export interface ImportOnnxOptions {
  /** Maximum number of graph nodes (default 100,000). */
  maxNodes?: number;
  /**
   * Maximum elements in one tensor computed at inference (default 2^26, `ONNX_MAX_ELEMENTS`). Stored
   * tensors (initializers, Constant values) cost no more than the file's own bytes and are capped only
   * when this is set.
   */
  maxElements?: number;
  /** Maximum protobuf nesting depth (default 64). */
  maxDepth?: number;
  /** Make float initializers trainable `Parameter`s (default true); otherwise buffers. */
  trainable?: boolean;
  /**
   * Resolves external-data tensors (`data_location = EXTERNAL`) to their bytes. Set by
   * `importOnnx(path)`, which confines locations to the model's folder; bytes-only imports refuse
   * external data.
   */
  externalData?: (t: TensorProto) => Uint8Array;
}

/** Ops the importer implements (ai.onnx, opsets 7 and newer). */
export const ONNX_IMPORT_OPS = [
  'Abs',
  'Acos',
  'Acosh',
  'Add',
  'And',
  'ArgMax',
  'ArgMin',
  'Asin',
  'Asinh',
  'Atan',
  'Atanh',
  'AveragePool',
  'BatchNormalization',
  'BitShift',
  'Cast',
  'CastLike',
  'Ceil',
  'Celu',
  'Clip',
  'Compress',
  'Concat',
  'Constant',
  'ConstantOfShape',
  'Conv',
  'ConvTranspose',
  'Cos',
  'Cosh',
  'CumSum',
  'DepthToSpace',
  'Det',
  'Div',
  'Dropout',
  'Einsum',
  'Elu',
  'Equal',
  'Erf',
  'Exp',
  'Expand',
  'EyeLike',
  'Flatten',
  'Floor',
  'Gather',
  'GatherElements',
  'GatherND',
  'Gelu',
  'Gemm',
  'GlobalAveragePool',
  'GlobalLpPool',
  'GlobalMaxPool',
  'Greater',
  'GreaterOrEqual',
  'GridSample',
  'GRU',
  'Hardmax',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'If',
  'InstanceNormalization',
  'IsInf',
  'IsNaN',
  'LayerNormalization',
  'LeakyRelu',
  'Less',
  'LessOrEqual',
  'Log',
  'LogSoftmax',
  'LpNormalization',
  'LpPool',
  'LRN',
  'LSTM',
  'MatMul',
  'Max',
  'MaxPool',
  'Mean',
  'MeanVarianceNormalization',
  'Min',
  'Mod',
  'Mul',
  'Neg',
  'NegativeLogLikelihoodLoss',
  'NonZero',
  'Not',
  'OneHot',
  'Or',
  'Pad',
  'Pow',
  'PRelu',
  'Range',
  'Reciprocal',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceProd',
  'ReduceSum',
  'ReduceSumSquare',
  'Relu',
  'Reshape',
  'Resize',
  'RoiAlign',
  'ReverseSequence',
  'RNN',
  'Round',
  'Scatter',
  'ScatterElements',
  'ScatterND',
  'Selu',
  'Shape',
  'Shrink',
  'Sigmoid',
  'Sign',
  'Sin',
  'Sinh',
  'Size',
  'Slice',
  'Softmax',
  'SoftmaxCrossEntropyLoss',
  'Softplus',
  'Softsign',
  'SpaceToDepth',
  'Split',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Sum',
  'Tan',
  'Tanh',
  'ThresholdedRelu',
  'Tile',
  'TopK',
  'Transpose',
  'Trilu',
  'Unique',
  'Unsqueeze',
  'Upsample',
  'Where',
  'Xor',
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'QLinearMatMul',
  'QLinearConv',
  'HannWindow',
  'HammingWindow',
  'BlackmanWindow',
  'NonMaxSuppression',
] as const;
const SUPPORTED = new Set<string>(ONNX_IMPORT_OPS);

/** A child module holding parameters under a dotted prefix (`layer1.0` of `layer1.0.weight`). */
class ParamScope extends Module {
  forward(): never {
    throw new NotSupportedError('OnnxModule: a parameter scope is not callable', 'E_ONNX_IMPORT');
  }
}

/** An If branch: its nodes, stored tensors, outputs, and the outer values it reads (kept alive until the If runs). */
interface Body {
  nodes: INode[];
  consts: Map<string, Tensor>;
  outputs: string[];
  free: Set<string>;
}

const isFloatT = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64';

/**
 * A Module running an imported ONNX graph. `call(x)` (or `call(x, y)` for several inputs) returns the
 * single output, or an array when the graph has several.
 */
export class OnnxModule extends Module {
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly opset: number;
  /** Declared input shapes (`null` for a symbolic dim such as `batch`). */
  readonly inputShapes: (number | null)[][];
  private readonly nodes: INode[];
  private readonly maxElements: number;
  /** ONNX name → getter of the current tensor (parameters can be replaced by loadStateDict). */
  private readonly consts = new Map<string, () => Tensor>();
  /** Declared ONNX element types (initializers, graph inputs, Constant outputs): 8-bit ops need them. */
  private readonly valueTypes = new Map<string, number>();
  /** Whether an integer constant is read only where out-of-int32 values clamp (set by the constructor). */
  private saturate: (name: string) => boolean = () => false;
  /** then/else bodies of each If node. */
  private readonly branches = new Map<INode, { then: Body; else: Body }>();

  constructor(model: ModelProto, opts: ImportOnnxOptions = {}) {
    super();
    const graph = model.graph;
    if (!graph) throw new FormatError('onnx: the model has no graph', 'E_ONNX_GRAPH');
    const opset = model.opsetImport.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx')?.version;
    if (opset === undefined) {
      const others = model.opsetImport.map((o) => o.domain).filter((d) => d);
      if (others.length)
        throw new NotSupportedError(
          `onnx: the model imports only the operator domain(s) ${others.map((d) => JSON.stringify(d)).join(', ')}; backprop runs the default ONNX domain (ai.onnx)`,
          'E_ONNX_UNSUPPORTED_OP',
        );
      throw new FormatError('onnx: the model imports no default-domain opset', 'E_ONNX_OPSET');
    }
    if (opset < 1) throw new FormatError(`onnx: invalid default-domain opset ${opset}`, 'E_ONNX_OPSET');
    checkOnnxOpset(opset);
    this.opset = opset;
    this.maxElements = opts.maxElements ?? ONNX_MAX_ELEMENTS;
    const maxNodes = opts.maxNodes ?? 100_000;
    if (graph.node.length > maxNodes)
      throw new FormatError(`onnx: ${graph.node.length} nodes exceed the limit of ${maxNodes}`, 'E_ONNX_LIMIT');

    const defined = new Set<string>();
    const initNames = new Set(graph.initializer.map((t) => t.name ?? ''));
    // Which initializers are BatchNorm statistics (buffers, not trained)?
    const statNames = new Set<string>();
    for (const n of graph.node) if (n.opType === 'BatchNormalization') for (const i of [3, 4]) if (n.input[i]) statNames.add(n.input[i]!);
    // Integer constants read only as Slice starts/ends or as NonMaxSuppression's per-class box limit
    // may hold PyTorch's INT64_MAX/INT64_MIN markers ("to the end", "no limit"); both clamp them, so
    // they are saturated to int32, not refused. Subgraphs (If branches) are scanned too.
    const bounds = new Set<string>();
    const otherUse = new Set<string>();
    const scan = (g: GraphProto) => {
      for (const n of g.node) {
        n.input.forEach((x, i) => {
          const clamped = (n.opType === 'Slice' && (i === 1 || i === 2)) || (n.opType === 'NonMaxSuppression' && i === 2);
          (clamped ? bounds : otherUse).add(x);
        });
        for (const a of n.attribute) if (a.g) scan(a.g);
      }
      for (const o of g.output) otherUse.add(o.name ?? '');
    };
    scan(graph);
    const saturate = (name: string) => bounds.has(name) && !otherUse.has(name);
    this.saturate = saturate;
    // Initializers and Constant tensors hold their data in the file, so they cost no more memory than
    // the file itself: the default per-tensor budget (against ConstantOfShape/Expand bombs) would only
    // refuse real models such as VGG (a 25088×4096 classifier weight). An explicit maxElements still applies.
    const storedMax = opts.maxElements ?? Infinity;

    for (const t of graph.initializer) {
      const name = t.name ?? '';
      if (!name) throw new FormatError('onnx: an initializer has no name', 'E_ONNX_GRAPH');
      if (defined.has(name)) throw new FormatError(`onnx: initializer ${JSON.stringify(name)} is defined twice`, 'E_ONNX_GRAPH');
      defined.add(name);
      let ext: Uint8Array | undefined;
      if (t.dataLocation === 1) {
        if (!opts.externalData)
          throw new FormatError(
            `onnx: initializer ${JSON.stringify(name)} stores its data in an external file; import the model from its path so the file can be found next to it`,
            'E_ONNX_EXTERNAL',
          );
        ext = opts.externalData(t);
      }
      const value = protoToTensor(t, { maxElements: storedMax, saturateInt64: saturate(name), ...(ext ? { external: ext } : {}) });
      // Float tensors are model state: trainable parameters (BatchNorm statistics: buffers). 0-d and
      // integer initializers (shapes, axes, scalars) are constants, kept out of the state dict.
      const isState = isFloatT(value) && value.ndim > 0;
      this.addInitializer(name, value, isState && !statNames.has(name) && (opts.trainable ?? true), isState);
    }
    this.inputNames = graph.input.map((v) => v.name ?? '').filter((n) => !initNames.has(n));
    this.inputShapes = graph.input
      .filter((v) => !initNames.has(v.name ?? ''))
      .map((v) =>
        (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimParam === undefined ? d.dimValue : null)),
      );
    for (const n of this.inputNames) {
      if (!n) throw new FormatError('onnx: a graph input has no name', 'E_ONNX_GRAPH');
      defined.add(n);
    }
    for (const t of graph.initializer) if (t.dataType !== undefined) this.valueTypes.set(t.name ?? '', t.dataType);
    for (const v of graph.input)
      if (v.type?.tensorType?.elemType !== undefined) this.valueTypes.set(v.name ?? '', v.type.tensorType.elemType);
    for (const n of graph.node)
      if (n.opType === 'Constant' && n.output[0]) {
        const t = n.attribute.find((a) => a.name === 'value')?.t;
        if (t?.dataType !== undefined) this.valueTypes.set(n.output[0], t.dataType);
      }
    this.nodes = graph.node.map((n, i) =>
      this.checkNode(n, i, defined, opts, storedMax, n.opType === 'Constant' && saturate(n.output[0] ?? '')),
    );
    this.outputNames = graph.output.map((v) => v.name ?? '');
    for (const o of this.outputNames)
      if (!defined.has(o)) throw new FormatError(`onnx: graph output ${JSON.stringify(o)} is never computed`, 'E_ONNX_GRAPH');
    if (this.outputNames.length === 0) throw new FormatError('onnx: the graph has no outputs', 'E_ONNX_GRAPH');
    // An imported model starts in eval mode (it was exported for inference); train() switches
    // BatchNormalization to batch statistics and running-stat updates, as in a native BatchNorm.
    this.eval();
  }

  private addInitializer(name: string, value: Tensor, trainable: boolean, persistent: boolean): void {
    const parts = name.split('.');
    const simple = parts.every((p) => p.length > 0);
    const path = simple ? parts : [name.replace(/\./g, '_') || '_'];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a cursor that walks down the module tree from here, not a closure alias
    let scope: Module = this;
    for (const p of path.slice(0, -1)) {
      let child: Module | null = null;
      for (const [k, c] of scope.namedChildren()) if (k === p) child = c;
      scope = child ?? scope.registerModule(p, new ParamScope());
    }
    const leaf = path[path.length - 1]!;
    if (trainable) {
      const param = scope.registerParameter(leaf, new Parameter(value));
      this.consts.set(name, () => {
        for (const [k, v] of scope.namedParameters('', false)) if (k === leaf) return v;
        return param!;
      });
    } else if (persistent) {
      scope.registerBuffer(leaf, value);
      this.consts.set(name, () => {
        for (const [k, v] of scope.namedBuffers('', false)) if (k === leaf) return v;
        return value;
      });
    } else this.consts.set(name, () => value);
  }

  private checkNode(
    n: NodeProto,
    i: number,
    defined: Set<string>,
    opts: ImportOnnxOptions,
    storedMax: number,
    saturateInt64: boolean,
  ): INode {
    const op = n.opType ?? '';
    const name = n.name || `${op}_${i}`;
    const where = `onnx: node ${JSON.stringify(name)} (${op})`;
    if (n.domain && n.domain !== 'ai.onnx')
      throw new NotSupportedError(`${where} is in the custom domain ${JSON.stringify(n.domain)}`, 'E_ONNX_UNSUPPORTED_OP');
    if (!SUPPORTED.has(op))
      throw new NotSupportedError(
        `${where}: operator ${JSON.stringify(op)} is not supported by the importer (ONNX_IMPORT_OPS lists the ${ONNX_IMPORT_OPS.length} it runs)`,
        'E_ONNX_UNSUPPORTED_OP',
      );
    for (const x of n.input)
      if (x !== '' && !defined.has(x))
        throw new FormatError(
          `${where} reads ${JSON.stringify(x)}, which is not defined before it (graph not topologically sorted, or a dangling name)`,
          'E_ONNX_GRAPH',
        );
    for (const y of n.output) {
      if (y === '') continue;
      if (defined.has(y))
        throw new FormatError(`${where} redefines ${JSON.stringify(y)} (ONNX graphs are single-assignment)`, 'E_ONNX_GRAPH');
      defined.add(y);
    }
    const attrs = new Map<string, AttrValue>();
    const graphs = new Map<string, GraphProto>();
    for (const a of n.attribute)
      if (op === 'If' && a.type === OnnxAttrType.GRAPH && a.g && (a.name === 'then_branch' || a.name === 'else_branch'))
        graphs.set(a.name, a.g);
      else attrs.set(a.name ?? '', attrValue(a, where, opts, storedMax, saturateInt64));
    const node: INode = { op, name, inputs: n.input.slice(), outputs: n.output.slice(), attrs };
    if (op === 'If') {
      const t = graphs.get('then_branch');
      const e = graphs.get('else_branch');
      if (!t || !e) throw new FormatError(`${where}: If needs then_branch and else_branch graphs`, 'E_ONNX_GRAPH');
      const outer = new Set([...defined].filter((x) => !n.output.includes(x)));
      const then = this.buildBody(t, `${where} then_branch`, outer, opts, storedMax);
      const els = this.buildBody(e, `${where} else_branch`, outer, opts, storedMax);
      if (then.outputs.length !== n.output.length || els.outputs.length !== n.output.length)
        throw new FormatError(`${where}: both branches must have ${n.output.length} output(s)`, 'E_ONNX_GRAPH');
      this.branches.set(node, { then, else: els });
    }
    try {
      checkNodeAtImport(node, this.opset);
      if (op === 'Conv' || op === 'ConvTranspose') {
        // The spatial rank, from kernel_shape or a stored weight: refused here, not at the first forward.
        const ks = attrs.get('kernel_shape');
        const w = this.consts.get(n.input[1] ?? '')?.();
        const rank = Array.isArray(ks) ? ks.length : w ? w.ndim - 2 : undefined;
        const most = op === 'Conv' ? 3 : 2;
        if (rank !== undefined && (rank < 1 || rank > most))
          throw new NotSupportedError(`${op} with ${rank} spatial dims is not supported (1 to ${most})`, 'E_ONNX_UNSUPPORTED_ATTR');
      }
    } catch (e) {
      if (e instanceof BackpropError) (e as { message: string }).message = `${where}: ${e.message}`;
      throw e;
    }
    return node;
  }

  /** A subgraph of an If node, checked like the main graph; it may read values defined before the If. */
  private buildBody(g: GraphProto, where: string, outer: Set<string>, opts: ImportOnnxOptions, storedMax: number): Body {
    if (g.input.length) throw new FormatError(`${where}: an If branch takes no inputs`, 'E_ONNX_GRAPH');
    const defined = new Set(outer);
    const consts = new Map<string, Tensor>();
    for (const t of g.initializer) {
      const name = t.name ?? '';
      if (!name || defined.has(name))
        throw new FormatError(`${where}: initializer ${JSON.stringify(name)} is unnamed or defined twice`, 'E_ONNX_GRAPH');
      if (t.dataLocation === 1) throw new FormatError(`${where}: external data in a subgraph is not supported`, 'E_ONNX_EXTERNAL');
      if (!this.saturate(name)) consts.set(name, protoToTensor(t, { maxElements: storedMax }));
      defined.add(name);
    }
    for (const t of g.initializer)
      if (this.saturate(t.name ?? '')) consts.set(t.name!, protoToTensor(t, { maxElements: storedMax, saturateInt64: true }));
    const nodes = g.node.map((n, i) =>
      this.checkNode(n, i, defined, opts, storedMax, n.opType === 'Constant' && this.saturate(n.output[0] ?? '')),
    );
    const outputs = g.output.map((v) => v.name ?? '');
    for (const o of outputs)
      if (!defined.has(o)) throw new FormatError(`${where}: output ${JSON.stringify(o)} is never computed`, 'E_ONNX_GRAPH');
    const local = new Set([...consts.keys(), ...nodes.flatMap((n) => n.outputs)]);
    const free = new Set<string>();
    for (const x of [...nodes.flatMap((n) => this.readsOf(n)), ...outputs]) if (x !== '' && !local.has(x)) free.add(x);
    return { nodes, consts, outputs, free };
  }

  /** The values a node reads: its inputs, and for If the outer values its branches read. */
  private readsOf(node: INode): string[] {
    const b = this.branches.get(node);
    return b ? [...node.inputs, ...b.then.free, ...b.else.free] : node.inputs;
  }

  /** Runs the branch an If's condition picks; `get` resolves the values visible at the If. */
  private runIf(node: INode, get: (name: string) => Tensor): Tensor[] {
    const c = get(node.inputs[0] ?? '');
    if (c.numel() !== 1) throw new ShapeError(`If: the condition must have one element, got ${fmtShape(c.shape)}`, 'E_ONNX_SHAPE');
    const body = this.branches.get(node)![Number(c.dataSync()[0]) ? 'then' : 'else'];
    const env = new Map<string, Tensor>();
    const look = (name: string): Tensor => env.get(name) ?? body.consts.get(name) ?? get(name);
    for (const n of body.nodes) {
      const outs = this.runOne(n, look);
      n.outputs.forEach((name, i) => {
        if (name === '') return;
        if (!outs[i])
          throw new NotSupportedError(`If branch node ${JSON.stringify(n.name)} (${n.op}): output ${i} is not produced`, 'E_ONNX_OUTPUT');
        env.set(name, outs[i]);
      });
    }
    return body.outputs.map(look);
  }

  /** One node (an If runs its branch), with the per-tensor budget on what it produces. */
  private runOne(node: INode, get: (name: string) => Tensor, reluAfter = false): Tensor[] {
    const outs =
      node.op === 'If'
        ? this.runIf(node, get)
        : runNode(
            node,
            node.inputs.map((x) => (x === '' ? null : get(x))),
            {
              opset: this.opset,
              maxElements: this.maxElements,
              training: this.training,
              inputTypes: node.inputs.map((x) => this.valueTypes.get(x)),
              ...(reluAfter ? { reluAfter } : {}),
            },
          );
    for (const o of outs)
      if (o.numel() > this.maxElements)
        throw elementBudgetError(`node ${JSON.stringify(node.name)} (${node.op}): its output`, o.numel(), this.maxElements);
    return outs;
  }

  private lastUses: Map<string, INode> | null = null;
  private reluFusions: Set<INode> | null = null;

  /**
   * The Relu nodes fused into the BatchNormalization just before them in eval mode (one pass over the
   * data instead of two): the Relu reads the batch norm's only used output, nothing else reads it, and
   * it is not a graph output. The batch norm then yields relu(y) and the Relu passes it on.
   */
  private fusedRelus(): Set<INode> {
    if (this.reluFusions) return this.reluFusions;
    const readers = new Map<string, number>();
    for (const node of this.nodes) for (const name of this.readsOf(node)) readers.set(name, (readers.get(name) ?? 0) + 1);
    const s = new Set<INode>();
    this.nodes.forEach((bn, i) => {
      const relu = this.nodes[i + 1];
      const y = bn.outputs[0];
      if (bn.op !== 'BatchNormalization' || relu?.op !== 'Relu' || !y || relu.inputs[0] !== y) return;
      if (bn.outputs.slice(1).some((o) => o !== '') || readers.get(y) !== 1 || this.outputNames.includes(y)) return;
      if (iAttr(bn, 'training_mode', 0) === 1) return;
      s.add(relu);
    });
    this.reluFusions = s;
    return s;
  }

  /** Each intermediate value's last reading node (its producer if none reads it); graph outputs are left out. */
  private lastUse(): Map<string, INode> {
    if (this.lastUses) return this.lastUses;
    const m = new Map<string, INode>();
    for (const node of this.nodes) for (const name of [...node.outputs, ...this.readsOf(node)]) if (name !== '') m.set(name, node);
    for (const name of [...this.outputNames, ...this.inputNames]) m.delete(name);
    this.lastUses = m;
    return m;
  }

  /** Run the graph. Inputs in the order of `inputNames`. */
  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputNames.length)
      throw new ValueError(
        `OnnxModule: the graph takes ${this.inputNames.length} input(s) (${this.inputNames.join(', ')}), got ${inputs.length}`,
      );
    const env = new Map<string, Tensor>();
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError(`OnnxModule: input ${i} is not a Tensor`);
      const want = this.inputShapes[i]!;
      if (want.length && (want.length !== t.ndim || want.some((d, j) => d !== null && d !== t.shape[j])))
        throw new ShapeError(
          `OnnxModule: input ${JSON.stringify(this.inputNames[i])} must have shape [${want.map((d) => d ?? '?').join(',')}], got ${fmtShape(t.shape)}`,
          'E_ONNX_INPUT_SHAPE',
        );
      env.set(this.inputNames[i]!, t);
    });
    // The graph's intermediate values go to no one but the next nodes (no hooks or user code run
    // inside; BatchNormalization's running buffers are updated in place): engine temporaries, freed as
    // soon as nothing holds them (README, "Design: memory model"), as a closed Sequential's are.
    return internalScope(() => this.run(env));
  }

  private run(env: Map<string, Tensor>): Tensor | Tensor[] {
    // each value's last reader (or its producer, when nothing reads it): after that node runs the value
    // is released, and its storage freed at once when no other live value shares it (a view)
    const last = this.lastUse();
    const live = new Map<object, number>();
    const hold = (t: Tensor, d: number) => live.set(t.record, (live.get(t.record) ?? 0) + d);
    for (const t of env.values()) hold(t, 1);
    const get = (name: string): Tensor => {
      const v = env.get(name) ?? this.consts.get(name)?.();
      if (!v) throw new FormatError(`onnx: value ${JSON.stringify(name)} is not defined`, 'E_ONNX_GRAPH');
      return v;
    };
    const fused = this.training ? null : this.fusedRelus();
    for (let k = 0; k < this.nodes.length; k++) {
      const node = this.nodes[k]!;
      let outs: Tensor[];
      try {
        // a Relu fused into the batch norm before it: that node's output is already relu(y)
        if (fused?.has(node)) outs = [get(node.inputs[0]!)];
        else outs = this.runOne(node, get, fused?.has(this.nodes[k + 1]!) === true);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (e instanceof BackpropError) {
          (e as { message: string }).message = `onnx node ${JSON.stringify(node.name)} (${node.op}): ${msg}`;
          throw e;
        }
        throw new FormatError(`onnx node ${JSON.stringify(node.name)} (${node.op}) failed: ${msg}`, 'E_ONNX_RUNTIME');
      }
      node.outputs.forEach((name, i) => {
        if (name === '') return;
        const o = outs[i];
        if (!o)
          throw new NotSupportedError(
            `onnx node ${JSON.stringify(node.name)} (${node.op}): output ${i} (${JSON.stringify(name)}) is not produced by this importer`,
            'E_ONNX_OUTPUT',
          );
        env.set(name, o);
        hold(o, 1);
      });
      for (const name of [...this.readsOf(node), ...node.outputs]) {
        if (last.get(name) !== node || !env.has(name)) continue;
        const t = env.get(name)!;
        env.delete(name);
        hold(t, -1);
        if (live.get(t.record) === 0) releaseTemporary(t);
      }
    }
    const res = this.outputNames.map((n) => get(n));
    return res.length === 1 ? res[0]! : res;
  }
}

function attrValue(a: AttributeProto, where: string, opts: ImportOnnxOptions, maxElements: number, saturateInt64: boolean): AttrValue {
  switch (a.type) {
    case OnnxAttrType.FLOAT:
      return a.f ?? 0;
    case OnnxAttrType.INT:
      return a.i ?? 0;
    case OnnxAttrType.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case OnnxAttrType.INTS:
      return a.ints;
    case OnnxAttrType.FLOATS:
      return a.floats;
    case OnnxAttrType.STRINGS:
      return a.strings.map((s) => new TextDecoder().decode(s));
    case OnnxAttrType.TENSOR: {
      if (!a.t) throw new FormatError(`${where}: attribute ${a.name} has no tensor`, 'E_ONNX_GRAPH');
      if (a.t.dataLocation === 1) {
        if (!opts.externalData)
          throw new FormatError(
            `${where}: an attribute tensor stores its data externally; import the model from its path`,
            'E_ONNX_EXTERNAL',
          );
        return protoToTensor(a.t, { maxElements, saturateInt64, external: opts.externalData(a.t) });
      }
      return protoToTensor(a.t, { maxElements, saturateInt64 });
    }
    case OnnxAttrType.GRAPH:
    case OnnxAttrType.GRAPHS:
      throw new NotSupportedError(`${where}: subgraph attributes (Loop/Scan bodies) are not supported`, 'E_ONNX_UNSUPPORTED_OP');
    default:
      throw new FormatError(`${where}: attribute ${JSON.stringify(a.name)} has unknown type ${a.type}`, 'E_ONNX_GRAPH');
  }
}

/**
 * Import ONNX bytes into a runnable `OnnxModule` (see the class doc). External data needs the model's
 * folder: use `importOnnx(path)` for such models.
 * @example const m = importOnnxBytes(bytes); const y = m.call(x);
 */
export function importOnnxBytes(bytes: Uint8Array, opts: ImportOnnxOptions = {}): OnnxModule {
  checkOptionKeys('importOnnxBytes', opts, { maxNodes: true, maxElements: true, maxDepth: true, trainable: true, externalData: true });
  if (!(bytes instanceof Uint8Array)) throw new ValueError('importOnnx: expected the model bytes as a Uint8Array');
  checkOnnxCounts(bytes, opts.maxNodes !== undefined ? { maxNodes: opts.maxNodes } : {});
  const model = decodeModelProto(bytes, { maxDepth: opts.maxDepth ?? 64 });
  return new OnnxModule(model, opts);
}
