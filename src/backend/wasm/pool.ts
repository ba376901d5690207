/**
 * The worker pool: T-1 workers (the calling thread is the T-th) instantiate the same kernel module on
 * the same shared WebAssembly memory and wait on a control block in that memory. No message passing
 * per call, so a handoff costs microseconds; still, only large work is split (GEMMs by rows or
 * columns, conv layers by images and the conv weight gradient by columns, optimizer updates by
 * elements). Every split gives each output element to exactly one share and no partial sums are
 * combined, so results are the same bits whichever thread runs a share, and for any pool size.
 *
 * Protocol, per call (generation g): the caller writes worker w's job into its slot, publishes it with
 * `state[w] = g`, bumps SEQ and notifies. Whoever claims a job first — the worker, or the caller once
 * its own share is done — flips `state[w]` to −g with a compare-and-swap, runs it, and stores
 * `done[w] = g`. The caller returns when every `done[w]` is g. So a worker that is slow to be scheduled
 * (an oversubscribed machine) costs at most the time to do its share on the calling thread, never a
 * wait for the scheduler.
 *
 * Node: worker_threads (the worker's code is a small inline script). Browser: Web Workers from a Blob
 * URL, only inside a worker (the main thread may not block in Atomics.wait).
 */

// Control block (i32 indices): header, then per-worker state/done words, then the job slots.
const SEQ = 0; // bumped on every post; workers sleep on it
const EXIT = 1; // 1 = workers leave their loop
const STATE = 16; // STATE + w: g = posted for generation g, −g = claimed, 0 = none yet
const DONE = 96; // DONE + w: the last generation finished
export const MAX_WORKERS = 56; // job slots: 16 f64 (128 bytes) each from byte 1024 to the end of the 8 KiB block
const JOB_BYTE = 1024;
/** Kernel exports a worker can run: job slot 0 holds the index, slots 1..15 the arguments. */
export const POOL_FNS = [
  'sgemm',
  'adamF32',
  'sgdF32',
  'conv2dForward',
  'conv2dForwardPart',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'batchNormStatsF32',
  'batchNormForwardF32',
  'batchNormGradSumsF32',
  'batchNormGradInputF32',
  'maxPool2d',
  'maxPool2dBackward',
  'winogradFilter',
  'winogradTiles',
  'winogradGradWeight',
  'winogradGradWeightFinish',
  'winograd4Filter',
  'winograd4Tiles',
  'checksumF32',
  'elementwise',
] as const;
export type PoolFn = (typeof POOL_FNS)[number];

// The worker: plain JavaScript, CommonJS in Node's eval mode; `self` in the browser.
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
const FNS = ${JSON.stringify(POOL_FNS)};
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const e = inst.exports;
  const fns = FNS.map((n) => e[n]);
  const ctrl = new Int32Array(d.memory.buffer, d.control, ${JOB_BYTE / 4});
  const job = new Float64Array(d.memory.buffer, d.control + ${JOB_BYTE} + 128 * d.id, 16);
  const st = ${STATE} + d.id, dn = ${DONE} + d.id;
  d.ready();
  for (;;) {
    const seq = Atomics.load(ctrl, ${SEQ});
    if (Atomics.load(ctrl, ${EXIT}) === 1) break;
    const g = Atomics.load(ctrl, st);
    if (g > 0 && Atomics.compareExchange(ctrl, st, g, -g) === g) {
      fns[job[0]](job[1], job[2], job[3], job[4], job[5], job[6], job[7], job[8], job[9], job[10], job[11], job[12], job[13], job[14], job[15]);
      Atomics.store(ctrl, dn, g);
      Atomics.notify(ctrl, dn);
      continue;
    }
    Atomics.wait(ctrl, ${SEQ}, seq);
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
  private gen = 0;
  /** Jobs the calling thread took over because their worker had not started them (diagnostics). */
  stolen = 0;

  private constructor(size: number, ctrl: Int32Array, jobs: Float64Array, workers: WorkerLike[]) {
    this.size = size;
    this.ctrl = ctrl;
    this.jobs = jobs;
    this.workers = workers;
  }

  /** Start `threads - 1` workers on `memory`; resolves once every worker is running. */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, control: number): Promise<Pool> {
    const n = Math.min(threads - 1, MAX_WORKERS);
    const ctrl = new Int32Array(memory.buffer, control, JOB_BYTE / 4);
    ctrl.fill(0);
    const jobs = new Float64Array(memory.buffer, control + JOB_BYTE, 16 * MAX_WORKERS);
    const workers: WorkerLike[] = [];
    const readies: Promise<void>[] = [];
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    for (let id = 0; id < n; id++) {
      const data = { module, memory, control, id };
      if (isNode) {
        const { Worker } = await import('node:worker_threads');
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
        w.unref();
        readies.push(
          new Promise((res, rej) => {
            w.once('message', () => res());
            w.once('error', rej);
          }),
        );
        workers.push(w);
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const w = new Worker(url);
        readies.push(
          new Promise((res, rej) => {
            w.onmessage = () => res();
            w.onerror = (e) => rej(new Error(e.message));
          }),
        );
        w.postMessage(data);
        workers.push(w);
      }
    }
    await Promise.all(readies);
    return new Pool(n + 1, ctrl, jobs, workers);
  }

  /**
   * Run `fn` with `parts[0]`'s arguments here and `parts[1..]` on the workers (at most `size` parts);
   * parts no worker has started by the time this thread is free are run here too. Returns when all
   * are done.
   */
  run(fn: PoolFn, parts: readonly (readonly number[])[], here: (args: readonly number[]) => void): void {
    const ctrl = this.ctrl;
    const jobs = this.jobs;
    const g = ++this.gen;
    const f = POOL_FNS.indexOf(fn);
    const posted = Math.min(parts.length - 1, this.size - 1);
    for (let w = 0; w < posted; w++) {
      const p = parts[w + 1]!;
      const o = 16 * w;
      jobs[o] = f;
      for (let i = 0; i < p.length; i++) jobs[o + 1 + i] = p[i]!;
      Atomics.store(ctrl, STATE + w, g);
    }
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    here(parts[0]!);
    // take over whatever no worker has claimed yet
    for (let w = 0; w < posted; w++) {
      if (Atomics.compareExchange(ctrl, STATE + w, g, -g) === g) {
        this.stolen++;
        here(parts[w + 1]!);
        Atomics.store(ctrl, DONE + w, g);
      }
    }
    for (let w = 0; w < posted; w++) {
      for (;;) {
        const d = Atomics.load(ctrl, DONE + w);
        if (d === g) break;
        Atomics.wait(ctrl, DONE + w, d, 1000);
      }
    }
  }

  /** Stop the workers. */
  close(): void {
    Atomics.store(this.ctrl, EXIT, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
