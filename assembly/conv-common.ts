// Helpers the convolution and pooling kernels share: reading a geometry block, the bounds of a
// window row inside the image, short copies and fills, the multiply-add.

/** Slot `i` (a ConvGeom or PoolGeom member, src/backend/wasm/abi.ts) of the i32 geometry block at g. */
@inline export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** The first ox in [0, n] with ix0 + ox·s ≥ 0 (s ≥ 1). */
@inline export function firstInside(ix0: i32, s: i32, n: i32): i32 {
  return ix0 >= 0 ? 0 : min((-ix0 + s - 1) / s, n);
}

/** One past the last ox in [0, n) with ix0 + ox·s < w (s ≥ 1); 0 when there is none. */
@inline export function endInside(ix0: i32, s: i32, w: i32, n: i32): i32 {
  return ix0 >= w ? 0 : min((w - 1 - ix0) / s + 1, n);
}

// Short runs (an output row is often 10–30 floats): plain v128 loops beat memory.copy / memory.fill,
// whose call overhead dominates at these sizes.
@inline export function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline export function zeroF32(dst: usize, n: i32): void {
  if (n >= 64) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const z = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}


@inline export function ceil4(v: i32): i32 {
  return (v + 3) & ~3;
}

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
