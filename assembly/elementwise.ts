// Elementwise and reduction kernels on float32, over strided views (broadcast = stride 0).
// Transcendentals are evaluated in f64 and rounded once, like the js kernels, so results agree to
// the last bit in nearly every case.

// op codes: the enums Ew (elementwise) and Red (reductions) in src/backend/wasm/abi.ts, shared
// with the host
import { Ew, Red } from '../src/backend/wasm/abi';

@inline function binV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Ew.Add: return f32x4.add(a, b);
    case Ew.Sub: return f32x4.sub(a, b);
    case Ew.Mul: return f32x4.mul(a, b);
    case Ew.Div: return f32x4.div(a, b);
    // the scalar rule per lane (NaN if either is NaN, else b > a ? b : a — ties give a, as PyTorch),
    // not f32x4.max/min, which order −0 below +0
    case Ew.Maximum: return pick(f32x4.gt(b, a), b, a);
    case Ew.ReluGrad: return v128.andnot(a, f32x4.le(b, f32x4.splat(0)));
    default: return pick(f32x4.lt(b, a), b, a);
  }
}

@inline function pick(take: v128, a: v128, b: v128): v128 {
  const nan = v128.or(f32x4.ne(a, a), f32x4.ne(b, b));
  return v128.bitselect(f32x4.splat(NaN), v128.bitselect(a, b, take), nan);
}

@inline function binS(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case Ew.Add: return a + b;
    case Ew.Sub: return a - b;
    case Ew.Mul: return a * b;
    case Ew.Div: return a / b;
    case Ew.Maximum: return a != a || b != b ? NaN : (b > a ? b : a);
    case Ew.ReluGrad: return b <= 0 ? 0 : a;
    default: return a != a || b != b ? NaN : (b < a ? b : a);
  }
}

@inline function cmpS(op: i32, a: f32, b: f32): u8 {
  switch (op) {
    case Ew.Eq: return a == b ? 1 : 0;
    case Ew.Ne: return a != b ? 1 : 0;
    case Ew.Lt: return a < b ? 1 : 0;
    case Ew.Le: return a <= b ? 1 : 0;
    case Ew.Gt: return a > b ? 1 : 0;
    default: return a >= b ? 1 : 0;
  }
}

@inline function cmpV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Ew.Eq: return f32x4.eq(a, b);
    case Ew.Ne: return f32x4.ne(a, b);
    case Ew.Lt: return f32x4.lt(a, b);
    case Ew.Le: return f32x4.le(a, b);
    case Ew.Gt: return f32x4.gt(a, b);
    default: return f32x4.ge(a, b);
  }
}

@inline function unS(op: i32, x: f32, p0: f64, p1: f64): f32 {
  switch (op) {
    case Ew.Neg: return -x;
    case Ew.Abs: return abs<f32>(x);
    case Ew.Relu: return x > 0 ? x : (x == x ? 0 : x);
    case Ew.Square: return x * x;
    case Ew.Sqrt: return sqrt<f32>(x);
    case Ew.Reciprocal: return 1 / x;
    case Ew.Copy: return x;
    case Ew.LeakyRelu: return x > 0 ? x : <f32>(p0 * <f64>x);
    case Ew.Clamp: return x != x ? x : (<f64>x < p0 ? <f32>p0 : (<f64>x > p1 ? <f32>p1 : x));
    case Ew.Sign: return x > 0 ? 1 : (x < 0 ? -1 : (x == x ? 0 : x));
    case Ew.Exp: return <f32>Math.exp(<f64>x);
    case Ew.Log: return <f32>Math.log(<f64>x);
    case Ew.Tanh: return <f32>Math.tanh(<f64>x);
    case Ew.Sigmoid: {
      const d = <f64>x;
      return <f32>(d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d)));
    }
    case Ew.Rsqrt: return <f32>(1 / Math.sqrt(<f64>x));
    case Ew.Log1p: return <f32>Math.log1p(<f64>x);
    case Ew.Expm1: return <f32>Math.expm1(<f64>x);
    default: return x > 0 ? x : <f32>(p0 * Math.expm1(<f64>x));
  }
}

// one row: n elements, a at stride sa, b at stride sb (elements), out contiguous
function row(op: i32, n: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, p0: f64, p1: f64): void {
  let i = 0;
  if (op < Ew.Eq) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binV(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binV(op, v128.load(a + o), vb));
      }
    } else if (sa == 0 && sb == 1) {
      const va = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binV(op, va, v128.load(b + o)));
      }
    }
    for (; i < n; i++) {
      store<f32>(out + (<usize>i << 2), binS(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
    }
  } else if (op < Ew.Neg) {
    // sixteen at a time: the lane masks (-1 / 0) narrowed to bytes, then & 1
    const one = i8x16.splat(1);
    if (sa == 1 && sb == 1) {
      for (; i + 16 <= n; i += 16) {
        const pa = a + (<usize>i << 2), pb = b + (<usize>i << 2);
        const m0 = cmpV(op, v128.load(pa), v128.load(pb)), m1 = cmpV(op, v128.load(pa, 16), v128.load(pb, 16));
        const m2 = cmpV(op, v128.load(pa, 32), v128.load(pb, 32)), m3 = cmpV(op, v128.load(pa, 48), v128.load(pb, 48));
        v128.store(out + <usize>i, v128.and(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)), one));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = v128.load32_splat(b);
      for (; i + 16 <= n; i += 16) {
        const pa = a + (<usize>i << 2);
        const m0 = cmpV(op, v128.load(pa), vb), m1 = cmpV(op, v128.load(pa, 16), vb);
        const m2 = cmpV(op, v128.load(pa, 32), vb), m3 = cmpV(op, v128.load(pa, 48), vb);
        v128.store(out + <usize>i, v128.and(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)), one));
      }
    } else if (sa == 0 && sb == 1) {
      const va = v128.load32_splat(a);
      for (; i + 16 <= n; i += 16) {
        const pb = b + (<usize>i << 2);
        const m0 = cmpV(op, va, v128.load(pb)), m1 = cmpV(op, va, v128.load(pb, 16));
        const m2 = cmpV(op, va, v128.load(pb, 32)), m3 = cmpV(op, va, v128.load(pb, 48));
        v128.store(out + <usize>i, v128.and(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)), one));
      }
    }
    for (; i < n; i++) {
      store<u8>(out + <usize>i, cmpS(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
    }
  } else {
    if (sa == 1 && op <= Ew.Square) {
      const z = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const x = v128.load(a + o);
        let y: v128;
        if (op == Ew.Neg) y = f32x4.neg(x);
        else if (op == Ew.Abs) y = f32x4.abs(x);
        else if (op == Ew.Relu) y = f32x4.max(x, z);
        else y = f32x4.mul(x, x);
        v128.store(out + o, y);
      }
    } else if (sa == 1 && op == Ew.Copy) {
      memory.copy(out, a, <usize>n << 2);
      return;
    }
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), unS(op, load<f32>(a + (<usize>(i * sa) << 2)), p0, p1));
  }
}

/**
 * out[idx] = op(a[idx], b[idx]) over `shape` (nd dims at `shapeP`, i32), with element strides at
 * `saP`/`sbP` (i32, one per dim). Output is contiguous (f32, or u8 for comparisons).
 */
export function elementwise(op: i32, nd: i32, shapeP: usize, a: usize, saP: usize, b: usize, sbP: usize, out: usize, p0: f64, p1: f64): void {
  const osz: usize = op >= Ew.Eq && op < Ew.Neg ? 1 : 4;
  if (nd == 0) {
    row(op, 1, a, 0, b, 0, out, p0, p1);
    return;
  }
  // Merge dims that iterate as one (every operand's stride of the outer is the inner's stride times
  // the inner's size, broadcasts included) and drop size-1 dims, so rows are as long as they can be:
  // e.g. a bias add [N, C, H, W] + [C] (strides 0, 1, 0, 0) runs rows of H·W. Rewrites the shape and
  // stride arrays in place (the merged list ends at the last dim; a write never passes a dim still
  // to be read, and when saP == sbP both get the same values).
  {
    let m = nd - 1;
    let cn = load<i32>(shapeP + (<usize>m << 2));
    let ca = load<i32>(saP + (<usize>m << 2)), cb = load<i32>(sbP + (<usize>m << 2));
    for (let d = nd - 2; d >= 0; d--) {
      const dn = load<i32>(shapeP + (<usize>d << 2));
      const da = load<i32>(saP + (<usize>d << 2)), db = load<i32>(sbP + (<usize>d << 2));
      if (dn == 1) continue;
      if (cn == 1) {
        cn = dn; ca = da; cb = db;
        continue;
      }
      if (da == ca * cn && db == cb * cn) {
        cn *= dn;
        continue;
      }
      store<i32>(shapeP + (<usize>m << 2), cn);
      store<i32>(saP + (<usize>m << 2), ca);
      store<i32>(sbP + (<usize>m << 2), cb);
      m--;
      cn = dn; ca = da; cb = db;
    }
    store<i32>(shapeP + (<usize>m << 2), cn);
    store<i32>(saP + (<usize>m << 2), ca);
    store<i32>(sbP + (<usize>m << 2), cb);
    shapeP += <usize>m << 2;
    saP += <usize>m << 2;
    sbP += <usize>m << 2;
    nd -= m;
  }
  const last = nd - 1;
  const inner = load<i32>(shapeP + (<usize>last << 2));
  const sa = load<i32>(saP + (<usize>last << 2));
  const sb = load<i32>(sbP + (<usize>last << 2));
  // odometer over the outer dims (at most 8)
  let idx0 = 0, idx1 = 0, idx2 = 0, idx3 = 0, idx4 = 0, idx5 = 0, idx6 = 0;
  let outer = 1;
  for (let d = 0; d < last; d++) outer *= load<i32>(shapeP + (<usize>d << 2));
  let pa = a, pb = b, po = out;
  for (let r = 0; r < outer; r++) {
    row(op, inner, pa, sa, pb, sb, po, p0, p1);
    po += <usize>inner * osz;
    // advance
    let d = last - 1;
    for (; d >= 0; d--) {
      const n = load<i32>(shapeP + (<usize>d << 2));
      const da = load<i32>(saP + (<usize>d << 2));
      const db = load<i32>(sbP + (<usize>d << 2));
      let k: i32;
      switch (d) {
        case 0: k = ++idx0; break;
        case 1: k = ++idx1; break;
        case 2: k = ++idx2; break;
        case 3: k = ++idx3; break;
        case 4: k = ++idx4; break;
        case 5: k = ++idx5; break;
        default: k = ++idx6; break;
      }
      pa += <usize>(da << 2);
      pb += <usize>(db << 2);
      if (k < n) break;
      pa -= <usize>((da * n) << 2);
      pb -= <usize>((db * n) << 2);
      switch (d) {
        case 0: idx0 = 0; break;
        case 1: idx1 = 0; break;
        case 2: idx2 = 0; break;
        case 3: idx3 = 0; break;
        case 4: idx4 = 0; break;
        case 5: idx5 = 0; break;
        default: idx6 = 0; break;
      }
    }
  }
}

// ---- contiguous rows (inner = 1, 2) of the reductions. Sums accumulate in f64 like the js kernel,
// in several partial sums (f64 partial sums of f32 data are exact to ~2^-29 relative, far below
// float32 resolution; the association may differ from a serial loop).

/** Σ of n contiguous f32 at p, in f64 (eight partial sums). */
function sumRowF32(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let r = 0;
  for (; r + 8 <= n; r += 8) {
    const q = p + (<usize>r << 2);
    const v = v128.load(q), u = v128.load(q, 16);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(u));
    s3 = f64x2.add(s3, f64x2.promote_low_f32x4(i32x4.shuffle(u, u, 2, 3, 0, 1)));
  }
  if (r + 4 <= n) {
    const v = v128.load(p + (<usize>r << 2));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    r += 4;
  }
  s0 = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; r < n; r++) s += <f64>load<f32>(p + (<usize>r << 2));
  return s;
}

/** Σ of n contiguous f64 at p (eight partial sums). */
function sumRowF64(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let r = 0;
  for (; r + 8 <= n; r += 8) {
    const q = p + (<usize>r << 3);
    s0 = f64x2.add(s0, v128.load(q));
    s1 = f64x2.add(s1, v128.load(q, 16));
    s2 = f64x2.add(s2, v128.load(q, 32));
    s3 = f64x2.add(s3, v128.load(q, 48));
  }
  for (; r + 2 <= n; r += 2) s0 = f64x2.add(s0, v128.load(p + (<usize>r << 3)));
  s0 = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  if (r < n) s += load<f64>(p + (<usize>r << 3));
  return s;
}

/** The two column sums of n contiguous rows of two (f32, or f64 when f64 = 1) at p, as f64x2 (serial per column). */
function sumPairs(p: usize, n: i32, f64: i32): v128 {
  let s = f64x2.splat(0);
  if (f64) {
    for (let r = 0; r < n; r++) s = f64x2.add(s, v128.load(p + (<usize>r << 4)));
  } else {
    for (let r = 0; r < n; r++) s = f64x2.add(s, f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>r << 3))));
  }
  return s;
}

/** max (Red.Max) or min (Red.Min) of n ≥ 1 contiguous f32 at p, exactly as the js kernel (NaN wins). */
function extremeRow(op: i32, p: usize, n: i32): f32 {
  let m = f32x4.splat(op == Red.Max ? -Infinity : Infinity);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const v = v128.load(p + (<usize>r << 2));
    m = op == Red.Max ? f32x4.max(m, v) : f32x4.min(m, v);
  }
  const m2 = i32x4.shuffle(m, m, 2, 3, 0, 1);
  m = op == Red.Max ? f32x4.max(m, m2) : f32x4.min(m, m2);
  const m1 = i32x4.shuffle(m, m, 1, 0, 3, 2);
  m = op == Red.Max ? f32x4.max(m, m1) : f32x4.min(m, m1);
  let c = f32x4.extract_lane(m, 0);
  for (; r < n; r++) {
    const v = load<f32>(p + (<usize>r << 2));
    c = op == Red.Max ? max<f32>(c, v) : min<f32>(c, v);
  }
  // the vector max/min propagate NaN, so c is exact unless the row holds a NaN (the first one is the
  // result) or the extreme is a zero (the sign of the first zero reached): then the serial walk
  if (c == c && c != 0) return c;
  let e: f32 = op == Red.Max ? -Infinity : Infinity;
  for (let k = 0; k < n; k++) {
    const v = load<f32>(p + (<usize>k << 2));
    if (v != v) return v;
    if (op == Red.Max ? v > e : v < e) e = v;
  }
  return e;
}

/** acc[i] += f64(row[i]) for i < inner: one float32 row into float64 partial sums (the same
 * additions in the same order, four lanes at a time). */
@inline function addRowF32(acc: usize, rp: usize, inner: i32): void {
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    const v = v128.load(rp + (<usize>i << 2));
    const ap = acc + (<usize>i << 3);
    v128.store(ap, f64x2.add(v128.load(ap), f64x2.promote_low_f32x4(v)));
    v128.store(ap, f64x2.add(v128.load(ap, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
  }
  for (; i < inner; i++) {
    const ap = acc + (<usize>i << 3);
    store<f64>(ap, load<f64>(ap) + <f64>load<f32>(rp + (<usize>i << 2)));
  }
}

/**
 * Reduce contiguous x [outer, size, inner] over the middle axis: Red.Sum (accumulated in f64, like the
 * js kernel), Red.Max, Red.Min (NaN wins). `acc` is f64 scratch of `inner` elements.
 */
export function reduce(op: i32, outer: i32, size: i32, inner: i32, x: usize, out: usize, acc: usize): void {
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>(o * size * inner) << 2);
    const ob = out + (<usize>(o * inner) << 2);
    if (inner == 1) {
      store<f32>(ob, op == Red.Sum ? <f32>sumRowF32(base, size) : extremeRow(op, base, size));
      continue;
    }
    if (inner == 2 && op == Red.Sum) {
      const s = sumPairs(base, size, 0);
      store<f32>(ob, <f32>f64x2.extract_lane(s, 0));
      store<f32>(ob, <f32>f64x2.extract_lane(s, 1), 4);
      continue;
    }
    if (op == Red.Sum) {
      memory.fill(acc, 0, <usize>inner << 3);
      for (let r = 0; r < size; r++) {
        const rp = base + (<usize>(r * inner) << 2);
        addRowF32(acc, rp, inner);
      }
      for (let i = 0; i < inner; i++) store<f32>(ob + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
    } else {
      memory.copy(ob, base, <usize>inner << 2);
      for (let r = 1; r < size; r++) {
        const rp = base + (<usize>(r * inner) << 2);
        let i = 0;
        for (; i + 4 <= inner; i += 4) {
          const o = <usize>i << 2;
          const v = v128.load(rp + o);
          const m = v128.load(ob + o);
          v128.store(ob + o, op == Red.Max ? f32x4.max(m, v) : f32x4.min(m, v));
        }
        for (; i < inner; i++) {
          const o = <usize>i << 2;
          const v = load<f32>(rp + o);
          const m = load<f32>(ob + o);
          store<f32>(ob + o, m != m || v != v ? NaN : (op == Red.Max ? (v > m ? v : m) : (v < m ? v : m)));
        }
      }
    }
  }
}

/**
 * Sum over the middle axis of contiguous x [outer, size, inner] with f32 or f64 input and output
 * (xF64/outF64 = 1 for f64), accumulating in f64 — the multi-axis reductions' intermediate steps.
 * `acc` is f64 scratch of `inner` elements.
 */
export function reduceSumMixed(outer: i32, size: i32, inner: i32, x: usize, xF64: i32, out: usize, outF64: i32, acc: usize): void {
  const xs: usize = xF64 ? 8 : 4;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const base = x + <usize>(o * size) * xs;
      const s = xF64 ? sumRowF64(base, size) : sumRowF32(base, size);
      if (outF64) store<f64>(out + (<usize>o << 3), s);
      else store<f32>(out + (<usize>o << 2), <f32>s);
    }
    return;
  }
  if (inner == 2) {
    for (let o = 0; o < outer; o++) {
      const s = sumPairs(x + <usize>(o * size * 2) * xs, size, xF64);
      if (outF64) v128.store(out + (<usize>o << 4), s);
      else {
        store<f32>(out + (<usize>o << 3), <f32>f64x2.extract_lane(s, 0));
        store<f32>(out + (<usize>o << 3), <f32>f64x2.extract_lane(s, 1), 4);
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>(o * size * inner) * xs;
    memory.fill(acc, 0, <usize>inner << 3);
    for (let r = 0; r < size; r++) {
      const rp = base + <usize>(r * inner) * xs;
      let i = 0;
      if (xF64) {
        for (; i + 2 <= inner; i += 2) {
          const ap = acc + (<usize>i << 3);
          v128.store(ap, f64x2.add(v128.load(ap), v128.load(rp + (<usize>i << 3))));
        }
        for (; i < inner; i++) {
          const ap = acc + (<usize>i << 3);
          store<f64>(ap, load<f64>(ap) + load<f64>(rp + (<usize>i << 3)));
        }
      } else addRowF32(acc, rp, inner);
    }
    if (outF64) memory.copy(out + (<usize>(o * inner) << 3), acc, <usize>inner << 3);
    else for (let i = 0; i < inner; i++) store<f32>(out + (<usize>(o * inner + i) << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}

/**
 * Fused softmax cross-entropy over rows of contiguous f32 logits x [m, c] (class ids `t` i32 [m], row
 * weights `w` f32 [m]): loss [m] and softmax probs [m, c], in f64 with the row max subtracted, rounded
 * at the same points as the js kernel (src/backend/js/loss.ts).
 */
export function softmaxCrossEntropyF32(x: usize, m: i32, c: i32, t: usize, w: usize, loss: usize, probs: usize): void {
  for (let i = 0; i < m; i++) {
    const xr = x + (<usize>(i * c) << 2);
    const pr = probs + (<usize>(i * c) << 2);
    let mx: f64 = -Infinity;
    for (let j = 0; j < c; j++) {
      const v = <f64>load<f32>(xr + (<usize>j << 2));
      if (v > mx) mx = v;
    }
    if (!isFinite(mx)) mx = 0;
    let s: f64 = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(<f64>load<f32>(xr + (<usize>j << 2)) - mx);
      store<f32>(pr + (<usize>j << 2), <f32>e);
      s += e;
    }
    for (let j = 0; j < c; j++) {
      const q = pr + (<usize>j << 2);
      store<f32>(q, <f32>(<f64>load<f32>(q) / s));
    }
    const wi = <f64>load<f32>(w + (<usize>i << 2));
    const ti = load<i32>(t + (<usize>i << 2));
    store<f32>(loss + (<usize>i << 2), wi == 0 ? 0 : <f32>(wi * (mx + Math.log(s) - <f64>load<f32>(xr + (<usize>ti << 2)))));
  }
}
