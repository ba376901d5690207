/** Helpers shared by every family's runners: decoding reference tensors and arguments. */
import { tensor, type Tensor } from '../../src/index.js';
import type { Comparison, RefCase, RefTensor } from './types.js';

export function isRefTensor(v: unknown): v is RefTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && 'data' in v;
}

/** Decode a reference value: 'nan' / 'inf' / '-inf' strings, booleans. */
export function decodeNumber(v: number | string | boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`reference: unexpected value ${JSON.stringify(v)}`);
}

/** Where toTensor puts float32 and bool inputs ('webgpu' for `npm run reference -- --backend webgpu`). */
let refDevice: 'cpu' | 'webgpu' = 'cpu';
export function setRefDevice(d: 'cpu' | 'webgpu'): void {
  refDevice = d;
}
/** The device the reference run puts its inputs on. */
export function refDeviceNow(): 'cpu' | 'webgpu' {
  return refDevice;
}

/** A backprop tensor from a reference tensor (int64 → int32); float32 and bool ones on the reference device. */
export function toTensor(r: RefTensor, opts: { requiresGrad?: boolean; cpu?: boolean } = {}): Tensor {
  const dtype = r.dtype === 'int64' ? 'int32' : r.dtype;
  const n = r.data.length;
  const arr =
    dtype === 'float32'
      ? new Float32Array(n)
      : dtype === 'float64'
        ? new Float64Array(n)
        : dtype === 'int32'
          ? new Int32Array(n)
          : new Uint8Array(n);
  for (let i = 0; i < n; i++) arr[i] = decodeNumber(r.data[i]!);
  let t = tensor(arr, { shape: r.shape });
  if (refDevice === 'webgpu' && !opts.cpu && (dtype === 'float32' || dtype === 'bool')) t = t.to('webgpu');
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Build the case's input tensors; float inputs named in `grads` get requiresGrad. */
export function caseInputs(c: RefCase): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) out[k] = toTensor(v, { requiresGrad: k in (c.grads ?? {}) });
  return out;
}

/** Resolve an argument descriptor: `{input: name}` → the tensor, lists recursively, plain JSON as is. */
export function resolveArg(a: unknown, inputs: Record<string, Tensor>): unknown {
  if (Array.isArray(a)) return a.map((x) => resolveArg(x, inputs));
  if (a && typeof a === 'object' && 'input' in (a as Record<string, unknown>) && Object.keys(a as object).length === 1) {
    const name = (a as { input: string }).input;
    const t = inputs[name];
    if (!t) throw new Error(`reference: argument refers to unknown input "${name}"`);
    return t;
  }
  return a;
}

/**
 * The standard forward + backward checks for a plain function call: compare the output(s), then run
 * backward with the case's upstream gradient(s) and compare every gradient in `grads`.
 * `outs` are the function's outputs in the case's order (integer outputs included).
 */
export function standardChecks(c: RefCase, inputs: Record<string, Tensor>, outs: Tensor | readonly Tensor[]): Comparison[] {
  const list = Array.isArray(outs) ? (outs as Tensor[]) : [outs as Tensor];
  const expected = Array.isArray(c.output) ? (c.output as RefTensor[]) : [c.output as RefTensor];
  const checks: Comparison[] = [];
  if (list.length !== expected.length) throw new Error(`reference: produced ${list.length} outputs, expected ${expected.length}`);
  list.forEach((o, i) => checks.push({ label: expected.length > 1 ? `output[${i}]` : 'output', actual: o, expected: expected[i]! }));
  const gradNames = Object.keys(c.grads ?? {});
  if (gradNames.length > 0 && c.upstream !== null) {
    const ups = Array.isArray(c.upstream) ? c.upstream : [c.upstream];
    let total: Tensor | null = null;
    list.forEach((o, i) => {
      const u = ups[i];
      if (!u || !o.requiresGrad) return;
      const term = o.mul(toTensor(u).to(o.dtype)).sum();
      total = total ? total.add(term) : term;
    });
    if (total) (total as Tensor).backward();
    for (const name of gradNames) {
      const t = inputs[name];
      if (!t) throw new Error(`reference: gradient for unknown input "${name}"`);
      checks.push({ label: `grad[${name}]`, actual: t.grad ?? t.zerosLike(), expected: c.grads[name]! });
    }
  }
  return checks;
}

/** kwargs value with a default. */
export function kw<T>(c: RefCase, key: string, dflt: T): T {
  return key in c.kwargs ? (c.kwargs[key] as T) : dflt;
}
