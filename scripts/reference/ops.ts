/**
 * Reference runners for ops.json cases, keyed by the case's `fn`. Each runner binds PyTorch's call
 * (positional `args` + `kwargs`, by PyTorch's parameter names) and calls backprop's public API.
 */
import { Tensor, cat, stack, where, pow as powFn, nn } from '../../src/index.js';
import type { Comparison, RefCase, Registry } from './types.js';
import { caseInputs, resolveArg, standardChecks } from './util.js';

const F = nn.functional;

type Args = Record<string, unknown>;

/**
 * Bind a case's positional args and kwargs to PyTorch's parameter names (`params`, in signature order),
 * resolving `{input: name}` references to tensors. Unknown keyword arguments are an error, so a new
 * argument in a reference file is never silently ignored.
 */
function bind(c: RefCase, inputs: Record<string, Tensor>, params: readonly string[]): Args {
  const out: Args = {};
  if (c.args.length > params.length)
    throw new Error(`reference: ${c.fn} got ${c.args.length} positional arguments, expected at most ${params.length}`);
  c.args.forEach((a, i) => (out[params[i]!] = resolveArg(a, inputs)));
  for (const [k, v] of Object.entries(c.kwargs ?? {})) {
    if (!params.includes(k)) throw new Error(`reference: ${c.fn}: unsupported keyword argument ${k}`);
    if (k in out) throw new Error(`reference: ${c.fn}: argument ${k} given twice`);
    out[k] = resolveArg(v, inputs);
  }
  return out;
}

const T = (v: unknown, name: string): Tensor => {
  if (!(v instanceof Tensor)) throw new Error(`reference: argument ${name} should be a tensor`);
  return v;
};
const optT = (v: unknown): Tensor | null => (v === undefined || v === null ? null : T(v, 'optional tensor'));
const num = (v: unknown, dflt: number): number => (v === undefined || v === null ? dflt : (v as number));
type IntOrPair = number | [number, number];
const pairArg = (v: unknown): IntOrPair | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? [v[0], v[1]] : (v as number);
const dimArg = (v: unknown): number | number[] | undefined => (v === undefined || v === null ? undefined : (v as number | number[]));

/** A runner from a signature and a function of the bound arguments returning the output(s). */
export function call(params: readonly string[], f: (a: Args) => Tensor | Tensor[]) {
  return (c: RefCase): Comparison[] => {
    const inputs = caseInputs(c);
    const out = f(bind(c, inputs, params));
    const checks = standardChecks(c, inputs, out);
    if (c.state_after) {
      for (const [name, expected] of Object.entries(c.state_after)) {
        const t = inputs[name];
        if (!t) throw new Error(`reference: state_after names unknown input ${name}`);
        checks.push({ label: `state_after[${name}]`, actual: t, expected });
      }
    }
    return checks;
  };
}

const unary = (f: (x: Tensor) => Tensor) => call(['input'], (a) => f(T(a.input, 'input')));
const binary = (f: (x: Tensor, y: Tensor | number) => Tensor) =>
  call(['input', 'other'], (a) => f(T(a.input, 'input'), a.other instanceof Tensor ? a.other : (a.other as number)));

/** `torch.max(x)` → one tensor; `torch.max(x, dim)` → [values, indices]; `torch.max(x, other)` → maximum. */
const extremum = (which: 'max' | 'min') =>
  call(['input', 'dim', 'keepdim'], (a) => {
    const x = T(a.input, 'input');
    if (a.dim instanceof Tensor) return which === 'max' ? x.maximum(a.dim) : x.minimum(a.dim);
    if (a.dim === undefined || a.dim === null) return which === 'max' ? x.max() : x.min();
    const r =
      which === 'max' ? x.max(a.dim as number, (a.keepdim as boolean) ?? false) : x.min(a.dim as number, (a.keepdim as boolean) ?? false);
    return [r.values, r.indices];
  });

/** var/std: `unbiased` (bool) or `correction` (number); default correction 1. */
const varStd = (which: 'var' | 'std') =>
  call(['input', 'dim', 'unbiased', 'keepdim', 'correction'], (a) => {
    const x = T(a.input, 'input');
    // torch.var(x, False) binds the bool positionally to `unbiased`
    let dim = a.dim;
    let unbiased = a.unbiased;
    if (typeof dim === 'boolean') {
      unbiased = dim;
      dim = undefined;
    }
    const correction = a.correction !== undefined && a.correction !== null ? (a.correction as number) : unbiased === false ? 0 : 1;
    const opts = { correction, keepdim: (a.keepdim as boolean) ?? false };
    return which === 'var' ? x.var(dimArg(dim), opts) : x.std(dimArg(dim), opts);
  });

const reduceDims = (f: (x: Tensor, dim: number | number[] | undefined, keepdim: boolean) => Tensor) =>
  call(['input', 'dim', 'keepdim', 'dtype'], (a) => {
    if (a.dtype !== undefined && a.dtype !== null) throw new Error('reference: dtype argument of reductions is not mapped');
    return f(T(a.input, 'input'), dimArg(a.dim), (a.keepdim as boolean) ?? false);
  });

const argReduce = (which: 'argmax' | 'argmin') =>
  call(['input', 'dim', 'keepdim'], (a) => {
    const x = T(a.input, 'input');
    const dim = a.dim === null ? undefined : (a.dim as number | undefined);
    return which === 'argmax' ? x.argmax(dim, (a.keepdim as boolean) ?? false) : x.argmin(dim, (a.keepdim as boolean) ?? false);
  });

const softmaxLike = (which: 'softmax' | 'logSoftmax') =>
  call(['input', 'dim', '_stacklevel', 'dtype'], (a) => {
    if (a.dim === undefined || a.dim === null) throw new Error('reference: softmax without dim is deprecated in PyTorch and not mapped');
    if (a.dtype !== undefined && a.dtype !== null) throw new Error('reference: softmax dtype argument is not mapped');
    const x = T(a.input, 'input');
    return which === 'softmax' ? F.softmax(x, a.dim as number) : F.logSoftmax(x, a.dim as number);
  });

export const registry: Registry = {
  // ---- elementwise unary
  'torch.neg': unary((x) => x.neg()),
  'torch.abs': unary((x) => x.abs()),
  'torch.exp': unary((x) => x.exp()),
  'torch.log': unary((x) => x.log()),
  'torch.sqrt': unary((x) => x.sqrt()),
  'torch.rsqrt': unary((x) => x.rsqrt()),
  'torch.sin': unary((x) => x.sin()),
  'torch.cos': unary((x) => x.cos()),
  'torch.tanh': unary((x) => x.tanh()),
  'torch.sigmoid': unary((x) => x.sigmoid()),
  'torch.square': unary((x) => x.square()),
  'torch.reciprocal': unary((x) => x.reciprocal()),
  'torch.sign': unary((x) => x.sign()),
  'torch.nn.functional.relu': call(['input', 'inplace'], (a) => F.relu(T(a.input, 'input'))),
  'torch.nn.functional.leaky_relu': call(['input', 'negative_slope', 'inplace'], (a) =>
    F.leakyRelu(T(a.input, 'input'), num(a.negative_slope, 0.01)),
  ),
  'torch.nn.functional.elu': call(['input', 'alpha', 'inplace'], (a) => F.elu(T(a.input, 'input'), num(a.alpha, 1))),
  'torch.nn.functional.softplus': call(['input', 'beta', 'threshold'], (a) =>
    F.softplus(T(a.input, 'input'), num(a.beta, 1), num(a.threshold, 20)),
  ),
  'torch.nn.functional.gelu': call(['input', 'approximate'], (a) =>
    F.gelu(T(a.input, 'input'), { approximate: (a.approximate ?? 'none') as 'none' | 'tanh' }),
  ),
  'torch.nn.functional.silu': call(['input', 'inplace'], (a) => F.silu(T(a.input, 'input'))),
  'torch.clamp': call(['input', 'min', 'max'], (a) =>
    T(a.input, 'input').clamp((a.min as Tensor | number | null | undefined) ?? null, (a.max as Tensor | number | null | undefined) ?? null),
  ),
  // ---- binary (broadcasting); a python-number base or exponent is a scalar
  'torch.add': call(['input', 'other', 'alpha'], (a) => T(a.input, 'input').add(a.other as Tensor | number, num(a.alpha, 1))),
  'torch.sub': call(['input', 'other', 'alpha'], (a) => T(a.input, 'input').sub(a.other as Tensor | number, num(a.alpha, 1))),
  'torch.mul': binary((x, y) => x.mul(y)),
  'torch.div': call(['input', 'other', 'rounding_mode'], (a) =>
    T(a.input, 'input').div(a.other as Tensor | number, {
      roundingMode: (a.rounding_mode as 'trunc' | 'floor' | null | undefined) ?? null,
    }),
  ),
  'torch.maximum': binary((x, y) => x.maximum(y)),
  'torch.minimum': binary((x, y) => x.minimum(y)),
  'torch.pow': call(['input', 'exponent'], (a) => powFn(a.input as Tensor | number, a.exponent as Tensor | number)),
  // ---- reductions
  'torch.sum': reduceDims((x, d, k) => x.sum(d, k)),
  'torch.mean': reduceDims((x, d, k) => x.mean(d, k)),
  'torch.amax': reduceDims((x, d, k) => x.amax(d, k)),
  'torch.amin': reduceDims((x, d, k) => x.amin(d, k)),
  'torch.max': extremum('max'),
  'torch.min': extremum('min'),
  'torch.argmax': argReduce('argmax'),
  'torch.argmin': argReduce('argmin'),
  'torch.var': varStd('var'),
  'torch.std': varStd('std'),
  'torch.logsumexp': call(['input', 'dim', 'keepdim'], (a) =>
    T(a.input, 'input').logsumexp(a.dim as number | number[], (a.keepdim as boolean) ?? false),
  ),
  'torch.prod': call(['input', 'dim', 'keepdim', 'dtype'], (a) => {
    const x = T(a.input, 'input');
    return a.dim === undefined || a.dim === null ? x.prod() : x.prod(a.dim as number, (a.keepdim as boolean) ?? false);
  }),
  // ---- matmul / linear
  'torch.matmul': binary((x, y) => x.matmul(y as Tensor)),
  'torch.mm': binary((x, y) => x.mm(y as Tensor)),
  'torch.bmm': binary((x, y) => x.bmm(y as Tensor)),
  'torch.nn.functional.linear': call(['input', 'weight', 'bias'], (a) =>
    F.linear(T(a.input, 'input'), T(a.weight, 'weight'), optT(a.bias)),
  ),
  // ---- shape and indexing
  'torch.reshape': call(['input', 'shape'], (a) => T(a.input, 'input').reshape(a.shape as number[])),
  'torch.Tensor.view': call(['input', 'shape'], (a) => T(a.input, 'input').view(a.shape as number[])),
  'torch.permute': call(['input', 'dims'], (a) => T(a.input, 'input').permute(a.dims as number[])),
  'torch.transpose': call(['input', 'dim0', 'dim1'], (a) => T(a.input, 'input').transpose(a.dim0 as number, a.dim1 as number)),
  'torch.narrow': call(['input', 'dim', 'start', 'length'], (a) =>
    T(a.input, 'input').narrow(a.dim as number, a.start as number, a.length as number),
  ),
  'torch.ops.aten.slice': call(['input', 'dim', 'start', 'end', 'step'], (a) =>
    T(a.input, 'input').slice(
      num(a.dim, 0),
      (a.start as number | null | undefined) ?? null,
      (a.end as number | null | undefined) ?? null,
      num(a.step, 1),
    ),
  ),
  'torch.cat': call(['tensors', 'dim'], (a) => cat(a.tensors as Tensor[], num(a.dim, 0))),
  'torch.stack': call(['tensors', 'dim'], (a) => stack(a.tensors as Tensor[], num(a.dim, 0))),
  'torch.Tensor.expand': call(['input', 'size'], (a) => T(a.input, 'input').expand(a.size as number[])),
  'torch.squeeze': call(['input', 'dim'], (a) => T(a.input, 'input').squeeze(dimArg(a.dim))),
  'torch.unsqueeze': call(['input', 'dim'], (a) => T(a.input, 'input').unsqueeze(a.dim as number)),
  'torch.flatten': call(['input', 'start_dim', 'end_dim'], (a) => T(a.input, 'input').flatten(num(a.start_dim, 0), num(a.end_dim, -1))),
  'torch.gather': call(['input', 'dim', 'index', 'sparse_grad'], (a) => T(a.input, 'input').gather(a.dim as number, T(a.index, 'index'))),
  'torch.index_select': call(['input', 'dim', 'index'], (a) => T(a.input, 'input').indexSelect(a.dim as number, T(a.index, 'index'))),
  'torch.scatter_add': call(['input', 'dim', 'index', 'src'], (a) =>
    T(a.input, 'input').scatterAdd(a.dim as number, T(a.index, 'index'), T(a.src, 'src')),
  ),
  'torch.where': call(['condition', 'input', 'other'], (a) =>
    where(T(a.condition, 'condition'), a.input as Tensor | number, a.other as Tensor | number),
  ),
  'torch.masked_fill': call(['input', 'mask', 'value'], (a) => T(a.input, 'input').maskedFill(T(a.mask, 'mask'), a.value as number)),
  'torch.nn.functional.pad': call(['input', 'pad', 'mode', 'value'], (a) => {
    if ((a.mode ?? 'constant') !== 'constant') throw new Error(`reference: pad mode ${String(a.mode)} is not mapped`);
    return F.pad(T(a.input, 'input'), a.pad as number[], 'constant', num(a.value, 0));
  }),
  // ---- softmax family
  'torch.nn.functional.softmax': softmaxLike('softmax'),
  'torch.nn.functional.log_softmax': softmaxLike('logSoftmax'),
  'torch.softmax': softmaxLike('softmax'),
  'torch.log_softmax': softmaxLike('logSoftmax'),
  // ---- convolution and pooling
  'torch.nn.functional.conv1d': call(['input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups'], (a) =>
    F.conv1d(T(a.input, 'input'), T(a.weight, 'weight'), optT(a.bias), {
      stride: num(a.stride, 1),
      padding: (a.padding as number | 'same' | 'valid' | undefined) ?? 0,
      dilation: num(a.dilation, 1),
      groups: num(a.groups, 1),
    }),
  ),
  'torch.nn.functional.conv2d': call(['input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups'], (a) =>
    F.conv2d(T(a.input, 'input'), T(a.weight, 'weight'), optT(a.bias), {
      stride: pairArg(a.stride) ?? 1,
      padding: typeof a.padding === 'string' ? (a.padding as 'same' | 'valid') : (pairArg(a.padding) ?? 0),
      dilation: pairArg(a.dilation) ?? 1,
      groups: num(a.groups, 1),
    }),
  ),
  'torch.nn.functional.conv_transpose2d': call(
    ['input', 'weight', 'bias', 'stride', 'padding', 'output_padding', 'groups', 'dilation'],
    (a) =>
      F.convTranspose2d(T(a.input, 'input'), T(a.weight, 'weight'), optT(a.bias), {
        stride: pairArg(a.stride) ?? 1,
        padding: pairArg(a.padding) ?? 0,
        outputPadding: pairArg(a.output_padding) ?? 0,
        groups: num(a.groups, 1),
        dilation: pairArg(a.dilation) ?? 1,
      }),
  ),
  'torch.nn.functional.max_pool2d': call(['input', 'kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'], (a) => {
    if (a.return_indices) throw new Error('reference: max_pool2d return_indices is not mapped');
    return F.maxPool2d(T(a.input, 'input'), pairArg(a.kernel_size)!, {
      stride: pairArg(a.stride) ?? null,
      padding: pairArg(a.padding) ?? 0,
      dilation: pairArg(a.dilation) ?? 1,
      ceilMode: (a.ceil_mode as boolean) ?? false,
    });
  }),
  'torch.nn.functional.avg_pool2d': call(
    ['input', 'kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
    (a) =>
      F.avgPool2d(T(a.input, 'input'), pairArg(a.kernel_size)!, {
        stride: pairArg(a.stride) ?? null,
        padding: pairArg(a.padding) ?? 0,
        ceilMode: (a.ceil_mode as boolean) ?? false,
        countIncludePad: (a.count_include_pad as boolean) ?? true,
        divisorOverride: (a.divisor_override as number | null) ?? null,
      }),
  ),
  'torch.nn.functional.adaptive_avg_pool2d': call(['input', 'output_size'], (a) =>
    F.adaptiveAvgPool2d(T(a.input, 'input'), pairArg(a.output_size)!),
  ),
  'torch.nn.functional.interpolate': call(['input', 'size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor'], (a) => {
    if (a.align_corners) throw new Error('reference: interpolate align_corners is not mapped');
    return F.interpolate(T(a.input, 'input'), {
      size: pairArg(a.size),
      scaleFactor: (pairArg(a.scale_factor) as number | [number, number] | undefined) ?? undefined,
      mode: (a.mode as 'nearest' | undefined) ?? 'nearest',
    });
  }),
  // ---- normalisation
  'torch.nn.functional.batch_norm': call(['input', 'running_mean', 'running_var', 'weight', 'bias', 'training', 'momentum', 'eps'], (a) =>
    F.batchNorm(T(a.input, 'input'), optT(a.running_mean), optT(a.running_var), {
      weight: optT(a.weight),
      bias: optT(a.bias),
      training: (a.training as boolean) ?? false,
      momentum: num(a.momentum, 0.1),
      eps: num(a.eps, 1e-5),
    }),
  ),
  'torch.nn.functional.layer_norm': call(['input', 'normalized_shape', 'weight', 'bias', 'eps'], (a) =>
    F.layerNorm(T(a.input, 'input'), a.normalized_shape as number[], optT(a.weight), optT(a.bias), num(a.eps, 1e-5)),
  ),
  // ---- embedding, one-hot
  'torch.nn.functional.embedding': call(['input', 'weight', 'padding_idx'], (a) =>
    F.embedding(T(a.input, 'input'), T(a.weight, 'weight'), { paddingIdx: (a.padding_idx as number | null | undefined) ?? null }),
  ),
  'torch.nn.functional.one_hot': call(['input', 'num_classes'], (a) => F.oneHot(T(a.input, 'input'), num(a.num_classes, -1))),
};
