/**
 * The worker pool: T-1 workers (the calling thread is the T-th) instantiate the same kernel module on
 * the same shared WebAssembly memory and wait on a control block in that memory. A parallel call
 * writes each worker's arguments into its slot, bumps the generation counter, wakes the workers with
 * Atomics.notify, does its own share, and blocks in Atomics.wait until all have finished. No message
 * passing per call, so the handoff costs microseconds; still, only large GEMMs are split.
 *
 * Node: worker_threads (the worker's code is a small inline script). Browser: Web Workers from a Blob
 * URL, only inside a worker (the main thread may not block in Atomics.wait).
 */

/** Control block layout, in i32 slots from the block's start. */
const SEQ = 0; // generation counter: workers wake when it changes
const DONE = 1; // workers finished with the current generation
const FN = 2; // 0 = sgemm, 1 = exit
const SLOT0 = 16; // worker w's 16 argument slots start at SLOT0 + 16 * w
export const MAX_WORKERS = 62; // (4096 / 4 - 16) / 16

// The worker: plain JavaScript, CommonJS in Node's eval mode; `self` in the browser.
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const e = inst.exports;
  const ctrl = new Int32Array(d.memory.buffer, d.control, ${4096 / 4});
  const o = ${SLOT0} + 16 * d.id;
  let seen = Atomics.load(ctrl, ${SEQ});
  d.ready();
  for (;;) {
    Atomics.wait(ctrl, ${SEQ}, seen);
    const s = Atomics.load(ctrl, ${SEQ});
    if (s === seen) continue;
    seen = s;
    if (Atomics.load(ctrl, ${FN}) === 1) break;
    if (ctrl[o] !== 0) {
      e.sgemm(ctrl[o + 1], ctrl[o + 2], ctrl[o + 3], ctrl[o + 4], ctrl[o + 5], ctrl[o + 6], ctrl[o + 7],
        ctrl[o + 8], ctrl[o + 9], ctrl[o + 10], ctrl[o + 11], ctrl[o + 12], ctrl[o + 13]);
    }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
if (isNode) {
  const { parentPort, workerData } = require('node:worker_threads');
  start({ ...workerData, ready: () => parentPort.postMessage('ready') });
} else {
  self.onmessage = (ev) => start({ ...ev.data, ready: () => self.postMessage('ready') });
}
`;

interface WorkerLike {
  terminate(): unknown;
}

export interface GemmPart {
  transA: number; transB: number; m: number; n: number; k: number;
  a: number; lda: number; b: number; ldb: number; c: number; ldc: number; acc: number; scratch: number;
}

export class Pool {
  readonly size: number;
  private readonly ctrl: Int32Array;
  private readonly workers: WorkerLike[];

  private constructor(size: number, ctrl: Int32Array, workers: WorkerLike[]) {
    this.size = size;
    this.ctrl = ctrl;
    this.workers = workers;
  }

  /** Start `threads - 1` workers on `memory`; resolves once every worker is waiting. */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, control: number): Promise<Pool> {
    const n = Math.min(threads - 1, MAX_WORKERS);
    const ctrl = new Int32Array(memory.buffer, control, 1024);
    ctrl.fill(0);
    const workers: WorkerLike[] = [];
    const readies: Promise<void>[] = [];
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    for (let id = 0; id < n; id++) {
      const data = { module, memory, control, id };
      if (isNode) {
        const { Worker } = await import('node:worker_threads');
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
        w.unref();
        readies.push(new Promise((res, rej) => { w.once('message', () => res()); w.once('error', rej); }));
        workers.push(w);
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const w = new Worker(url);
        readies.push(new Promise((res, rej) => { w.onmessage = () => res(); w.onerror = (e) => rej(new Error(e.message)); }));
        w.postMessage(data);
        workers.push(w);
      }
    }
    await Promise.all(readies);
    return new Pool(n + 1, ctrl, workers);
  }

  /**
   * Run `parts[0]` here and `parts[1..]` on the workers (parts.length ≤ size; a missing part means
   * that worker idles); returns when all are done.
   */
  runGemm(parts: GemmPart[], here: (p: GemmPart) => void): void {
    const ctrl = this.ctrl;
    const nw = this.size - 1;
    for (let w = 0; w < nw; w++) {
      const o = SLOT0 + 16 * w;
      const p = parts[w + 1];
      if (!p) {
        ctrl[o] = 0;
        continue;
      }
      ctrl[o] = 1;
      ctrl[o + 1] = p.transA; ctrl[o + 2] = p.transB; ctrl[o + 3] = p.m; ctrl[o + 4] = p.n; ctrl[o + 5] = p.k;
      ctrl[o + 6] = p.a; ctrl[o + 7] = p.lda; ctrl[o + 8] = p.b; ctrl[o + 9] = p.ldb;
      ctrl[o + 10] = p.c; ctrl[o + 11] = p.ldc; ctrl[o + 12] = p.acc; ctrl[o + 13] = p.scratch;
    }
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FN, 0);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    here(parts[0]!);
    for (;;) {
      const d = Atomics.load(ctrl, DONE);
      if (d >= nw) break;
      Atomics.wait(ctrl, DONE, d, 1000);
    }
  }

  /** Stop the workers. */
  close(): void {
    Atomics.store(this.ctrl, FN, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
