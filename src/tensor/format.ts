/** PyTorch-like printing: `tensor([[0.1000, 2.0000], …], dtype=float64, requiresGrad=true)`. */
import type { Tensor } from './tensor.js';

const EDGE = 3;
const THRESHOLD = 1000;

function formatter(values: ArrayLike<number>, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (allInt && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs > 0 && maxAbs / minAbs > 1000);
  if (sci) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(t: Tensor): string {
  const data = t.dataSync();
  const n = data.length;
  const summarize = n > THRESHOLD;
  const shown: number[] = [];
  const fmt = formatter(data, t.dtype);
  const strides: number[] = [];
  let acc = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= t.shape[i]!;
  }
  // collect the shown values for width alignment
  const pick = (d: number, off: number): void => {
    if (d === t.shape.length) {
      shown.push(data[off]!);
      return;
    }
    const size = t.shape[d]!;
    for (let i = 0; i < size; i++) {
      if (summarize && size > 2 * EDGE && i === EDGE) i = size - EDGE;
      pick(d + 1, off + i * strides[d]!);
    }
  };
  pick(0, 0);
  // like PyTorch, only finite values set the column width (`tensor([1., nan, inf, -inf])`)
  const width = shown.reduce((w, v) => (Number.isFinite(v) ? Math.max(w, fmt(v).length) : w), 0);
  const cell = (v: number) => fmt(v).padStart(width);
  const indent = 'tensor('.length;
  const build = (d: number, off: number): string => {
    if (d === t.shape.length) return cell(data[off]!);
    const size = t.shape[d]!;
    const parts: string[] = [];
    for (let i = 0; i < size; i++) {
      if (summarize && size > 2 * EDGE && i === EDGE) {
        // PyTorch: ' ...' among the values of the last dim (so ',  ...,'), '...' between rows
        parts.push(d === t.shape.length - 1 ? ' ...' : '...');
        i = size - EDGE;
      }
      parts.push(build(d + 1, off + i * strides[d]!));
    }
    const last = d === t.shape.length - 1;
    const sep = last ? ', ' : ',' + '\n'.repeat(t.shape.length - d - 1) + ' '.repeat(indent + d + 1);
    return `[${parts.join(sep)}]`;
  };
  let body = t.shape.length === 0 ? fmt(data[0]!) : build(0, 0);
  if (n === 0) body = '[]';
  const extras: string[] = [];
  if (n === 0 && t.shape.length > 1) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.dtype === 'int32' && n === 0) extras.push('dtype=int32');
  if (t.gradFn) extras.push(`gradFn=${t.gradFn.toString()}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
