/**
 * Finding, feature-testing and instantiating the compiled kernel modules. Four variants are built
 * (see assembly/build.mjs): relaxed SIMD or plain SIMD, each with private or shared memory. Capability
 * detection is "can this engine compile that variant": relaxed → SIMD → (caller falls back to js).
 */

export type Variant = 'relaxed' | 'simd' | 'relaxed-mt' | 'simd-mt';

/** Hard ceiling on the arena: the modules declare at most this many 64 KiB pages. */
export const MAX_PAGES = 16384;

export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  /** acc: 0 overwrite, 1 accumulate; | 2 forces the packed path for m ≤ 4 (a share of a row split). */
  sgemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    acc: number,
    scratch: number,
  ): void;
  addRowBias(c: number, rows: number, n: number, bias: number): void;
  sgemmBatched(
    batch: number,
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    strideA: number,
    b: number,
    strideB: number,
    c: number,
    acc: number,
    scratch: number,
  ): void;
  convColsBytes(g: number): number;
  convScratchBytes(g: number): number;
  conv2dForward(g: number, x: number, w: number, y: number, cols: number, scratch: number): void;
  conv2dBackwardInput(g: number, dy: number, w: number, dx: number, cols: number, scratch: number): void;
  /** One share of a single image's forward convolution: phase 0 column rows, phase 1 output columns [lo, hi). */
  conv2dForwardPart(g: number, x: number, w: number, y: number, cols: number, scratch: number, phase: number, lo: number, hi: number): void;
  /** Columns [k0, k1) of the weight gradient (0, K for all of it); see assembly/conv.ts. */
  conv2dBackwardWeight(g: number, x: number, dy: number, dw: number, cols: number, scratch: number, k0: number, k1: number): void;
  /** Rows of a matrix packed for `sgemmPackedA` (m rounded up to whole micro-kernel panels). */
  packedRows(m: number): number;
  /** C (+)= A·B with A packed in the GEMM's panel layout (assembly/gemm.ts, `packedAt`). */
  sgemmPackedA(
    m: number,
    n: number,
    k: number,
    ap: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    acc: number,
    scratch: number,
  ): void;
  /** Winograd F(2×2, 3×3): see assembly/winograd.ts. */
  winogradFilterBytes(g: number): number;
  winogradGradBytes(g: number): number;
  /** A 1,024-bit fingerprint of n floats at p (32 u32 at out); see assembly/winograd.ts. */
  checksumF32(p: number, n: number, out: number): void;
  winogradWorkBytes(g: number): number;
  winogradFilter(g: number, w: number, u: number, co0: number, co1: number, flip: number): void;
  winogradTiles(g: number, x: number, u: number, y: number, work: number, scratch: number, r0: number, r1: number): void;
  /** Winograd F(4×4, 3×3): see assembly/winograd4.ts. */
  winograd4FilterBytes(g: number): number;
  winograd4WorkBytes(g: number): number;
  winograd4Filter(g: number, w: number, u: number, co0: number, co1: number, flip: number): void;
  winograd4Tiles(g: number, x: number, u: number, y: number, work: number, scratch: number, r0: number, r1: number): void;
  /** Partial sums Z_p for parts [p0, p1) of `winogradGradParts(g)` (see assembly/winograd.ts). */
  winogradGradWeight(g: number, x: number, dy: number, z: number, work: number, scratch: number, p0: number, p1: number): void;
  /** dw for output channels [co0, co1) from the partial sums at z. */
  winogradGradWeightFinish(g: number, z: number, dw: number, co0: number, co1: number): void;
  winogradGradParts(g: number): number;
  maxPool2d(g: number, x: number, y: number, idx: number): void;
  maxPool2dBackward(g: number, dy: number, idx: number, dx: number): void;
  avgPool2d(g: number, src: number, dst: number, back: number): void;
  elementwise(
    op: number,
    nd: number,
    shape: number,
    a: number,
    sa: number,
    b: number,
    sb: number,
    out: number,
    p0: number,
    p1: number,
  ): void;
  reduce(op: number, outer: number, size: number, inner: number, x: number, out: number, acc: number): void;
  softmaxCrossEntropyF32(x: number, m: number, c: number, t: number, w: number, loss: number, probs: number): void;
  reduceSumMixed(outer: number, size: number, inner: number, x: number, xF64: number, out: number, outF64: number, acc: number): void;
  adamF32(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    maxv: number,
    negStepSize: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    bc2Sqrt: number,
    eps: number,
    weightDecayOrDecay: number,
    flags: number,
  ): void;
  sgdF32(
    n: number,
    p: number,
    g: number,
    buf: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    flags: number,
  ): void;
  /** Batch norm over channels [c0, c1) of x [n, c, inner]; see assembly/norm.ts (sums 0: eval). */
  batchNormStatsF32(x: number, n: number, c: number, inner: number, out: number, c0: number, c1: number): void;
  batchNormForwardF32(
    x: number,
    mean: number,
    vari: number,
    w: number,
    b: number,
    n: number,
    c: number,
    inner: number,
    eps: number,
    relu: number,
    y: number,
    c0: number,
    c1: number,
  ): void;
  batchNormGradSumsF32(
    g: number,
    x: number,
    mean: number,
    vari: number,
    n: number,
    c: number,
    inner: number,
    eps: number,
    out: number,
    c0: number,
    c1: number,
  ): void;
  batchNormGradInputF32(
    g: number,
    x: number,
    mean: number,
    vari: number,
    w: number,
    sums: number,
    n: number,
    c: number,
    inner: number,
    eps: number,
    dx: number,
    c0: number,
    c1: number,
  ): void;
}

type Arity<F> = F extends (...args: infer P) => unknown ? P['length'] : never;

/**
 * Each kernel export's parameter count. The type ties every entry to `KernelExports` (a missing,
 * extra or miscounted entry is a compile error); test/wasm/exports.test.ts ties it to the compiled
 * module (names and arities of its function exports), so the interface cannot drift from the kernels.
 */
export const KERNEL_ARITY: { readonly [K in keyof KernelExports]: Arity<KernelExports[K]> } = {
  heapBase: 0,
  gemmScratchBytes: 0,
  sgemm: 13,
  addRowBias: 4,
  sgemmBatched: 13,
  convColsBytes: 1,
  convScratchBytes: 1,
  conv2dForward: 6,
  conv2dBackwardInput: 6,
  conv2dForwardPart: 9,
  conv2dBackwardWeight: 8,
  packedRows: 1,
  sgemmPackedA: 10,
  winogradFilterBytes: 1,
  winogradGradBytes: 1,
  checksumF32: 3,
  winogradWorkBytes: 1,
  winogradFilter: 6,
  winogradTiles: 8,
  winogradGradWeight: 8,
  winogradGradWeightFinish: 5,
  winogradGradParts: 1,
  winograd4FilterBytes: 1,
  winograd4WorkBytes: 1,
  winograd4Filter: 6,
  winograd4Tiles: 8,
  maxPool2d: 4,
  maxPool2dBackward: 4,
  avgPool2d: 4,
  elementwise: 10,
  reduce: 7,
  softmaxCrossEntropyF32: 7,
  reduceSumMixed: 8,
  adamF32: 15,
  sgdF32: 9,
  batchNormStatsF32: 7,
  batchNormForwardF32: 13,
  batchNormGradSumsF32: 11,
  batchNormGradInputF32: 13,
};

export interface Capabilities {
  simd: boolean;
  relaxedSimd: boolean;
  /** SharedArrayBuffer, shared WebAssembly memory and a blocking Atomics.wait on this thread. */
  threads: boolean;
  /** Shared WebAssembly memory (the -mt build): resident arrays possible. */
  sharedMemory: boolean;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

let relaxedFlagTried = false;

/** Node 20 ships relaxed SIMD behind a flag; it can be set at run time before compiling. */
async function enableRelaxedFlag(): Promise<void> {
  if (relaxedFlagTried || !isNode) return;
  relaxedFlagTried = true;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* not available: plain SIMD it is */
  }
}

const bytesCache = new Map<string, Uint8Array<ArrayBuffer>>();

function variantUrl(v: Variant, base?: string | URL): URL {
  if (base !== undefined) return new URL(`backprop-${v}.wasm`, base);
  // src/backend/wasm/ and dist/backend/wasm/ both sit three levels below the package root
  return new URL(`../../../build/wasm/backprop-${v}.wasm`, import.meta.url);
}

/** The compiled bytes of a variant (read from disk in Node, fetched in the browser). */
export async function variantBytes(v: Variant, base?: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const url = variantUrl(v, base);
  const hit = bytesCache.get(url.href);
  if (hit) return hit;
  let bytes: Uint8Array<ArrayBuffer>;
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    try {
      bytes = new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(`wasm backend: ${url.pathname} not found — run \`npm run build:wasm\` (${(e as Error).message})`, { cause: e });
    }
  } else {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`wasm backend: fetching ${url.href} failed with HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  bytesCache.set(url.href, bytes);
  return bytes;
}

/** Shared WebAssembly memory (SharedArrayBuffer; in browsers, a cross-origin-isolated page). */
function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (!isNode && g.crossOriginIsolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Shared memory and a thread that may block in Atomics.wait (not a browser page's main thread). */
function threadsAvailable(): boolean {
  const g = globalThis as { document?: unknown };
  return sharedMemoryAvailable() && (isNode || typeof g.document === 'undefined');
}

/** Node's built-in modules without an `import` (Node ≥ 20.16), for the synchronous lazy start. */
function nodeBuiltin<T>(name: string): T | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return isNode && typeof p?.getBuiltinModule === 'function' ? ((p.getBuiltinModule(name) as T) ?? null) : null;
}

/**
 * The synchronous form of `compileBest` for the lazy start in Node (the first op run before `init()`):
 * reads the variant with readFileSync and compiles it with `new WebAssembly.Module`. No worker pool
 * (starting workers is asynchronous). Throws where that cannot be done synchronously (not Node, an old
 * Node without `process.getBuiltinModule`, the build missing).
 */
export function compileBestSync(wasmBase?: string | URL): Compiled {
  const fs = nodeBuiltin<{ readFileSync(p: URL): Uint8Array }>('node:fs');
  if (!fs) throw new Error('wasm backend: synchronous start needs Node ≥ 20.16 (process.getBuiltinModule)');
  if (!relaxedFlagTried) {
    relaxedFlagTried = true;
    try {
      nodeBuiltin<{ setFlagsFromString(f: string): void }>('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      /* plain SIMD it is */
    }
  }
  const notes = ['threads: started lazily (an op ran before `await init()`), so no worker pool; `await init()` adds it'];
  const shared = sharedMemoryAvailable();
  for (const base of ['relaxed', 'simd'] as const) {
    const v = (shared ? `${base}-mt` : base) as Variant;
    const url = variantUrl(v, wasmBase);
    let bytes = bytesCache.get(url.href);
    if (!bytes) {
      if (url.protocol !== 'file:') throw new Error(`wasm backend: cannot read ${url.href} synchronously`);
      bytes = new Uint8Array(fs.readFileSync(url)) as Uint8Array<ArrayBuffer>;
      bytesCache.set(url.href, bytes);
    }
    if (!WebAssembly.validate(bytes)) {
      notes.push(`${base}: not supported by this engine`);
      continue;
    }
    return {
      variant: v,
      module: new WebAssembly.Module(bytes),
      caps: { simd: true, relaxedSimd: base === 'relaxed', threads: false, sharedMemory: shared },
      notes,
    };
  }
  throw new Error(`wasm backend: this engine has no WebAssembly SIMD (${notes.join('; ')})`);
}

export interface Compiled {
  variant: Variant;
  module: WebAssembly.Module;
  caps: Capabilities;
  /** Why faster variants were not used. */
  notes: string[];
}

/**
 * Compile the best variant this engine accepts. A shared-memory build is chosen wherever shared memory
 * exists (resident arrays need it; see arena.ts), whether or not `wantThreads` asks for the worker
 * pool (`wantShared` false forces private memory); `caps.threads` says whether a pool can run. `prefer` forces 'simd' (e.g. to measure relaxed vs plain).
 */
export async function compileBest(
  wantThreads: boolean,
  prefer?: 'relaxed' | 'simd',
  wasmBase?: string | URL,
  wantShared = true,
): Promise<Compiled> {
  await enableRelaxedFlag();
  const notes: string[] = [];
  const shared = wantShared && sharedMemoryAvailable();
  const threads = shared && wantThreads && threadsAvailable();
  if (wantThreads && !threads)
    notes.push(
      !wantShared
        ? 'threads: sharedMemory: false asks for a private memory'
        : shared
          ? "threads: this thread may not block (a page's main thread): kernels run on it alone"
          : 'threads: SharedArrayBuffer/shared memory/Atomics.wait unavailable here',
    );
  if (wantShared && !shared) notes.push('resident arrays: no shared memory here (parameters are copied into the arena per call)');
  const order: ('relaxed' | 'simd')[] = prefer === 'simd' ? ['simd'] : ['relaxed', 'simd'];
  let relaxedOk = false;
  let simdOk = false;
  let chosen: { v: Variant; mod: WebAssembly.Module } | null = null;
  for (const base of order) {
    const v = (shared ? `${base}-mt` : base) as Variant;
    const bytes = await variantBytes(v, wasmBase);
    if (!WebAssembly.validate(bytes)) {
      notes.push(`${base}: not supported by this engine`);
      continue;
    }
    if (base === 'relaxed') relaxedOk = true;
    simdOk = true;
    chosen = { v, mod: await WebAssembly.compile(bytes) };
    break;
  }
  if (!chosen) throw new Error(`wasm backend: this engine has no WebAssembly SIMD (${notes.join('; ')})`);
  if (!relaxedOk && prefer !== 'simd') {
    // relaxed failed; record whether plain SIMD did
    simdOk = true;
  }
  return { variant: chosen.v, module: chosen.mod, caps: { simd: simdOk, relaxedSimd: relaxedOk, threads, sharedMemory: shared }, notes };
}
