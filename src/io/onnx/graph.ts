/**
 * Building an ONNX graph: value names, initializers (model state), Constant nodes (everything else),
 * attributes.
 */
import { Tensor } from '../../tensor/tensor.js';
import { OnnxAttrType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';
import { int64Proto, tensorToProto } from './tensors.js';

export class GraphBuilder {
  nodes: NodeProto[] = [];
  initializers: TensorProto[] = [];
  private used = new Set<string>();
  private counter = 0;
  /** Tensor → value name in the graph (dynamic values and emitted constants). */
  names = new Map<Tensor, string>();
  private constNames = new Set<string>();
  private int64Cache = new Map<string, string>();
  constructor(
    readonly opset: number,
    readonly paramNames: Map<Tensor, string>,
  ) {}

  fresh(hint: string): string {
    let n = hint;
    while (this.used.has(n)) n = `${hint}_${++this.counter}`;
    this.used.add(n);
    return n;
  }
  reserve(name: string): void {
    this.used.add(name);
  }

  /**
   * The graph name of `t`: a graph value, a named parameter (an initializer: model state), or else a
   * `Constant` node (constants are not state: an importer keeps them out of the parameters).
   */
  ref(t: Tensor): string {
    const n = this.names.get(t);
    if (n !== undefined) return n;
    const pname = this.paramNames.get(t);
    let name: string;
    if (pname !== undefined) {
      name = pname; // parameter names are reserved up front
      this.initializers.push(tensorToProto(t, name));
    } else name = this.constant(tensorToProto(t, this.fresh('const')));
    this.constNames.add(name);
    this.names.set(t, name);
    return name;
  }
  /** Emit a `Constant` node producing `value` under `value.name`. */
  constant(value: TensorProto): string {
    const name = value.name!;
    this.nodes.push({
      input: [],
      output: [name],
      opType: 'Constant',
      name: this.fresh(`${name}_const`),
      attribute: [{ name: 'value', type: OnnxAttrType.TENSOR, t: value, floats: [], ints: [], strings: [], tensors: [], graphs: [] }],
    });
    return name;
  }
  /**
   * Whether `t` is a graph value: derived from the inputs, or a named parameter/buffer. Parameters count
   * so that computations on them (an LSTM's `weight.t()`) stay in the graph as ops on the named
   * initializer instead of being folded into an anonymous constant — the imported model keeps the
   * parameter, so it can be fine-tuned and its state dict matches the original.
   */
  isDynamic(t: Tensor): boolean {
    if (this.paramNames.has(t)) return true;
    const n = this.names.get(t);
    return n !== undefined && !this.constNames.has(n);
  }
  int64(values: readonly number[], hint = 'shape', dims?: number[]): string {
    const key = `${hint}|${values.join(',')}|${dims?.join(',') ?? ''}`;
    const hit = this.int64Cache.get(key);
    if (hit !== undefined) return hit;
    const name = this.constant(int64Proto(values, this.fresh(hint), dims));
    this.int64Cache.set(key, name);
    return name;
  }
  scalar(v: number, like: Tensor, hint = 'c'): string {
    const name = this.fresh(hint);
    const t = new Tensor(
      like.dtype === 'float64' ? new Float64Array([v]) : new Float32Array([v]),
      [],
      like.dtype === 'float64' ? 'float64' : 'float32',
    );
    return this.constant(tensorToProto(t, name));
  }
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, number | number[] | string | string[] | { floats: number[] }> = {},
    nOut = 1,
    hint?: string,
  ): string[] {
    const outs = Array.from({ length: nOut }, () => this.fresh(hint ?? opType.toLowerCase()));
    const attribute: AttributeProto[] = [];
    for (const [k, v] of Object.entries(attrs)) {
      const a: AttributeProto = { name: k, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
      if (typeof v === 'string') {
        a.type = OnnxAttrType.STRING;
        a.s = new TextEncoder().encode(v);
      } else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) {
        a.type = OnnxAttrType.STRINGS;
        a.strings = (v as unknown as string[]).map((e) => new TextEncoder().encode(e));
      } else if (Array.isArray(v)) {
        a.type = OnnxAttrType.INTS;
        a.ints = v;
      } else if (typeof v === 'object') {
        a.type = OnnxAttrType.FLOATS;
        a.floats = v.floats;
      } else if (FLOAT_ATTRS.has(k)) {
        a.type = OnnxAttrType.FLOAT;
        a.f = v;
      } else {
        a.type = OnnxAttrType.INT;
        a.i = v;
      }
      attribute.push(a);
    }
    this.nodes.push({ input: inputs, output: outs, opType, attribute, name: this.fresh(`${opType}_n`) });
    return outs;
  }
  /** Emit `opType` and bind its single output to tensor `out`. */
  emit(out: Tensor, opType: string, inputs: string[], attrs: Record<string, number | number[] | string | { floats: number[] }> = {}): void {
    this.names.set(out, this.node(opType, inputs, attrs)[0]!);
  }
}

const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'momentum', 'gamma', 'ratio']);
