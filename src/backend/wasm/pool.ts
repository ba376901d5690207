/**
 * The worker pool: T-1 workers (the calling thread is the T-th) instantiate the same kernel module on
 * the same shared WebAssembly memory and wait on a control block in that memory. A parallel call
 * writes each worker's arguments into its slot, bumps the generation counter, wakes the workers with
 * Atomics.notify, does its own share, and blocks in Atomics.wait until all have finished. No message
 * passing per call, so the handoff costs microseconds; still, only large GEMMs are split.
 *
 * Node: worker_threads (the worker's code is a small inline script). Browser: Web Workers from a Blob
 * URL, only inside a worker (the main thread may not block in Atomics.wait).
 *
 * Used for large GEMMs (split by rows or columns), conv layers (split by images) and optimizer
 * updates (split by elements); small work stays on the calling thread.
 */

/** Control block layout: i32 slots 0..15 are the header; worker w's job is 16 f64 at byte 128·(w+1). */
const SEQ = 0; // generation counter: workers wake when it changes
const DONE = 1; // workers finished with the current generation
const FN = 2; // 1 = exit
export const MAX_WORKERS = 63; // (8192 / 128) - 1
/** Kernel exports a worker can run: job slot 0 holds the index (−1 = idle), slots 1..15 the arguments. */
export const POOL_FNS = ['sgemm', 'adamF32', 'sgdF32', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardWeight'] as const;
export type PoolFn = (typeof POOL_FNS)[number];

// The worker: plain JavaScript, CommonJS in Node's eval mode; `self` in the browser.
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
const FNS = ${JSON.stringify(POOL_FNS)};
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const e = inst.exports;
  const fns = FNS.map((n) => e[n]);
  const ctrl = new Int32Array(d.memory.buffer, d.control, 16);
  const job = new Float64Array(d.memory.buffer, d.control + 128 * (d.id + 1), 16);
  let seen = Atomics.load(ctrl, ${SEQ});
  d.ready();
  for (;;) {
    Atomics.wait(ctrl, ${SEQ}, seen);
    const s = Atomics.load(ctrl, ${SEQ});
    if (s === seen) continue;
    seen = s;
    if (Atomics.load(ctrl, ${FN}) === 1) break;
    const f = job[0];
    if (f >= 0) fns[f](job[1], job[2], job[3], job[4], job[5], job[6], job[7], job[8], job[9], job[10], job[11], job[12], job[13], job[14], job[15]);
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

export class Pool {
  readonly size: number;
  private readonly ctrl: Int32Array;
  private readonly jobs: Float64Array;
  private readonly workers: WorkerLike[];

  private constructor(size: number, ctrl: Int32Array, jobs: Float64Array, workers: WorkerLike[]) {
    this.size = size;
    this.ctrl = ctrl;
    this.jobs = jobs;
    this.workers = workers;
  }

  /** Start `threads - 1` workers on `memory`; resolves once every worker is waiting. */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, control: number): Promise<Pool> {
    const n = Math.min(threads - 1, MAX_WORKERS);
    const ctrl = new Int32Array(memory.buffer, control, 16);
    const jobs = new Float64Array(memory.buffer, control, 1024);
    jobs.fill(0);
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
    return new Pool(n + 1, ctrl, jobs, workers);
  }

  /**
   * Run `fn` with `parts[0]`'s arguments here and `parts[1..]` on the workers (at most `size` parts;
   * workers without a part idle); returns when all are done.
   */
  run(fn: PoolFn, parts: readonly (readonly number[])[], here: (args: readonly number[]) => void): void {
    const ctrl = this.ctrl;
    const jobs = this.jobs;
    const nw = this.size - 1;
    const f = POOL_FNS.indexOf(fn);
    for (let w = 0; w < nw; w++) {
      const o = 16 * (w + 1);
      const p = parts[w + 1];
      if (!p) {
        jobs[o] = -1;
        continue;
      }
      jobs[o] = f;
      for (let i = 0; i < p.length; i++) jobs[o + 1 + i] = p[i]!;
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
