/**
 * `fit`, `evaluate`, `predict`: sugar over the explicit training loop
 *
 * ```ts
 * for (const [x, y] of loader) {
 *   optimizer.zeroGrad();
 *   const loss = lossFn(model.call(x), y);
 *   loss.backward();
 *   optimizer.step();
 * }
 * ```
 * — the same calls, in the same order, plus bookkeeping: per-epoch mean loss and metrics, validation,
 * scheduler stepping, callbacks (early stopping, checkpoints, NaN guard, loggers), a progress display,
 * and events for browser UIs. There is no separate engine: a model trained by `fit` and by the loop
 * above with the same seeds ends with the same bits.
 *
 * Isomorphic: no Node-only imports (the terminal progress bar is loaded lazily in Node only).
 */
import { ValueError, StateError, ShapeError, fmtShape } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { cat } from '../tensor/functional.js';
import type { Module } from '../nn/module.js';
import { History, type EpochLogs } from './history.js';
import * as M from './metrics.js';
import { makeProgress, type ProgressMode, type Progress } from './progress.js';
import { checkOptionKeys } from '../core/options.js';

/** A loss: a function `(output, target) → scalar Tensor`, or a loss module such as `new nn.CrossEntropyLoss()`. */
export type LossLike =
  | ((output: Tensor, target: Tensor) => Tensor)
  | {
      /** The loss of `output` against `target`, a scalar tensor. */
      call(output: Tensor, target: Tensor): Tensor;
    };

/** What `fit` needs from an optimizer (every `optim.*` optimizer has it). */
export interface OptimizerLike {
  /** Clear the parameters' gradients before a batch. */
  zeroGrad(): void;
  /** Apply one update from the current gradients. */
  step(): unknown;
  paramGroups?: { lr?: number }[];
  /** The optimizer's state, saved in a full checkpoint when present. */
  stateDict?(): unknown;
  /** Restore the state from `stateDict()` on resume. */
  loadStateDict?(s: never): unknown;
}

/** What `fit` needs from a learning-rate scheduler. `ReduceLROnPlateau.step(metric)` takes the monitored value. */
export interface SchedulerLike {
  /** Advance the schedule (per epoch in `fit`); a plateau scheduler gets the monitored metric. */
  step(metric?: unknown): unknown;
  /** The scheduler's state, saved in a full checkpoint when present. */
  stateDict?(): unknown;
  /** Restore the state from `stateDict()` on resume. */
  loadStateDict?(s: never): unknown;
}

/** A metric computed once per epoch from all outputs `[N, …]` and targets `[N, …]` of the epoch. */
export type MetricFn = (output: Tensor, target: Tensor) => number;

/** Built-in metric names usable in `metrics: [...]`. */
export type MetricName = 'accuracy' | 'top5Accuracy' | 'f1' | 'precision' | 'recall' | 'mse' | 'mae' | 'rmse' | 'r2' | 'auc';

const BUILTIN: Record<MetricName, MetricFn> = {
  accuracy: (o, t) => M.accuracy(o, t),
  top5Accuracy: (o, t) => M.topKAccuracy(o, t, Math.min(5, o.shape[1] ?? 1)),
  f1: (o, t) => M.f1Score(o, t),
  precision: (o, t) => M.precision(o, t),
  recall: (o, t) => M.recall(o, t),
  mse: (o, t) => M.mse(o, t),
  mae: (o, t) => M.mae(o, t),
  rmse: (o, t) => M.rmse(o, t),
  r2: (o, t) => M.r2Score(o, t),
  auc: (o, t) => M.rocAuc(o.ndim === 2 && o.shape[1] === 2 ? o.softmax(1) : o, t),
};

/** Built-in metrics that read only the arg-max label of `[N, C]` scores. */
const LABEL_METRICS: ReadonlySet<MetricFn> = new Set([BUILTIN.accuracy, BUILTIN.f1, BUILTIN.precision, BUILTIN.recall]);

export type MetricsSpec = readonly MetricName[] | Record<string, MetricFn | MetricName>;

function resolveMetrics(spec: MetricsSpec | undefined): [string, MetricFn][] {
  if (!spec) return [];
  const entries: [string, MetricFn | MetricName][] = Array.isArray(spec) ? spec.map((n) => [n, n]) : Object.entries(spec);
  return entries.map(([name, m]) => {
    if (typeof m === 'function') return [name, m];
    const fn = BUILTIN[m as MetricName];
    if (!fn)
      throw new ValueError(
        `fit: unknown metric '${String(m)}'; built-in metrics are ${Object.keys(BUILTIN).join(', ')}, or pass { name: (output, target) => number }`,
      );
    return [name, fn];
  });
}

/** The state callbacks see and may change (`stopTraining`). */
export interface TrainContext {
  model: Module;
  optimizer: OptimizerLike;
  scheduler: SchedulerLike | null;
  history: History;
  /** Current epoch (0-based). */
  epoch: number;
  /** Optimizer steps taken so far, over all epochs. */
  step: number;
  /** Set to true (with a reason) to stop after the current batch. */
  stopTraining: boolean;
  stopReason: string | null;
  /** The training batches (a DataLoader has stateDict() for checkpoints). */
  train: unknown;
}

/** Per-batch numbers passed to `onBatchEnd`. */
export interface BatchLogs {
  batch: number;
  size: number;
  loss: number;
}

/**
 * Hooks called by `fit`. Implement any subset; each may be async. Order per epoch:
 * onEpochBegin → (onBatchBegin → step → onBatchEnd)* → validation → scheduler → onEpochEnd.
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  /** After the last epoch (also after an early stop). */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
  /** Before epoch `epoch` (0-based). */
  onEpochBegin?(ctx: TrainContext, epoch: number): void | Promise<void>;
  /** After epoch `epoch`, with its logged metrics (validation included); set `ctx.stopTraining` to stop. */
  onEpochEnd?(ctx: TrainContext, epoch: number, logs: EpochLogs): void | Promise<void>;
  /** Before batch `batch` (0-based within the epoch). */
  onBatchBegin?(ctx: TrainContext, batch: number): void | Promise<void>;
  /** After batch `batch`, with its loss; set `ctx.stopTraining` to stop. */
  onBatchEnd?(ctx: TrainContext, batch: number, logs: BatchLogs): void | Promise<void>;
}

export type Batches = Iterable<readonly Tensor[]> | AsyncIterable<readonly Tensor[]>;

export interface FitOptions extends Callback {
  /** Training batches `[input, target]` — a `DataLoader` over a `TensorDataset`, or any (async) iterable. */
  train: Batches;
  /** Validation batches; adds `valLoss` and `val<Metric>` to the logs. */
  val?: Batches;
  loss: LossLike;
  optimizer: OptimizerLike;
  /** Stepped once per epoch (default) or per batch (`schedulerInterval: 'batch'`). */
  scheduler?: SchedulerLike;
  schedulerInterval?: 'epoch' | 'batch';
  /**
   * The logged value passed to `scheduler.step(value)` — needed by ReduceLROnPlateau. Defaults to
   * `valLoss` (or `loss` without validation) when the scheduler is a ReduceLROnPlateau.
   */
  schedulerMonitor?: string;
  /** Number of epochs (default 1). */
  epochs?: number;
  /** First epoch index, when resuming (default 0). */
  initialEpoch?: number;
  /** Append to this history (e.g. `History.fromJSON(checkpoint.extra.history)` when resuming). */
  history?: History;
  /** Metrics computed over each epoch's outputs, e.g. `['accuracy']` or `{ f1: (o, t) => … }`. */
  metrics?: MetricsSpec;
  callbacks?: readonly Callback[];
  /**
   * 'bar': a terminal progress bar (Node, cli-progress); 'lines': one line per epoch;
   * false: silent. Default 'auto': bar on a TTY, lines otherwise, silent in the browser.
   */
  progress?: ProgressMode;
  /** Stop (after the current batch) when aborted. */
  signal?: AbortSignal;
  /**
   * Also announce progress as DOM-style events on this target (for browser UIs and workers):
   * `trainbegin`, `epochbegin`, `batchbegin`, `batchend`, `epochend`, `trainend`, each a
   * `CustomEvent` whose `detail` is `{ epoch, step, batch?, logs? }`.
   */
  events?: EventTarget;
  /** Give the event loop a turn at least this often, in ms, so browser UIs stay live (default 50). */
  yieldEveryMs?: number;
  /**
   * Stop at the first batch whose loss is NaN or ±Infinity, set `history.stopReason` and warn once on
   * the console (default true): training on after that only turns every weight into NaN. Pass false
   * to keep training (the NaN is then yours to handle, e.g. with your own `TerminateOnNaN`).
   */
  terminateOnNaN?: boolean;
}

const callLoss = (loss: LossLike, out: Tensor, y: Tensor): Tensor => (typeof loss === 'function' ? loss(out, y) : loss.call(out, y));

function splitBatch(batch: unknown, op: string): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch.length >= 2 && batch[0] instanceof Tensor && batch[1] instanceof Tensor) return [batch[0], batch[1]];
  throw new ValueError(
    `${op}: each batch must be [input, target] tensors (e.g. a DataLoader over a TensorDataset), got ${describe(batch)}`,
  );
}

/** The model's device ('webgpu' when its first parameter is there). */
function deviceOf(model: Module): 'cpu' | 'webgpu' {
  for (const p of model.parameters()) return p.device;
  return 'cpu';
}

/**
 * A batch for a model on the 'webgpu' device: float and bool tensors move there; int32 targets stay on
 * the CPU, where the losses check class indices (see the README's "WebGPU backend").
 */
function onDevice([x, y]: [Tensor, Tensor], device: 'cpu' | 'webgpu'): [Tensor, Tensor] {
  if (device === 'cpu') return [x, y];
  const up = (t: Tensor) =>
    t.device === 'webgpu' || t.dtype === 'int32' ? t : t.to({ device: 'webgpu', dtype: t.dtype === 'float64' ? 'float32' : t.dtype });
  return [up(x), up(y)];
}

/** A loss value on the CPU: `item()`, or the async readback for a GPU loss. */
async function lossValue(loss: Tensor): Promise<number> {
  return loss.device === 'webgpu' ? loss.itemAsync() : loss.item();
}

/** Outputs for the metrics, on the CPU (read back from the GPU). */
async function forMetrics(out: Tensor): Promise<Tensor> {
  return out.device === 'webgpu' ? out.detach().toAsync('cpu') : out;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length} (${v.map((e) => (e instanceof Tensor ? fmtShape(e.shape) : typeof e)).join(', ')})`;
  return typeof v;
}

function scalarLoss(l: unknown, op: string): Tensor {
  if (!(l instanceof Tensor)) throw new ValueError(`${op}: the loss must return a Tensor, got ${typeof l}`);
  if (l.numel() !== 1)
    throw new ShapeError(`${op}: the loss must be a scalar, got shape ${fmtShape(l.shape)}; use reduction 'mean' or 'sum'`);
  return l;
}

const valKey = (k: string): string => `val${k[0]!.toUpperCase()}${k.slice(1)}`;

class EpochAccumulator {
  private lossSum = 0;
  private count = 0;
  private outs: Tensor[] = [];
  private tgts: Tensor[] = [];
  // when every metric reads labels only, each batch keeps its arg-max labels [n] instead of its
  // scores [n, C]: an epoch of 10,000 samples × 5,000 classes keeps 40 KB, not 200 MB
  private readonly labelsOnly: boolean;
  constructor(private readonly metrics: [string, MetricFn][]) {
    this.labelsOnly = metrics.length > 0 && metrics.every(([, fn]) => LABEL_METRICS.has(fn));
  }
  add(out: Tensor, y: Tensor, loss: number | null): void {
    const n = out.shape[0] ?? 1;
    if (loss !== null) {
      this.lossSum += loss * n;
      this.count += n;
    }
    if (this.metrics.length) {
      this.outs.push(this.labelsOnly && out.ndim === 2 && out.device !== 'webgpu' ? noGrad(() => toLabelTensor(out)) : out.detach());
      this.tgts.push(y.detach());
    }
  }
  logs(withLoss: boolean): Record<string, number> {
    const r: Record<string, number> = {};
    if (withLoss) r.loss = this.count ? this.lossSum / this.count : NaN;
    if (this.metrics.length && this.outs.length) {
      const o = noGrad(() => cat(this.outs, 0));
      const t = noGrad(() => cat(this.tgts, 0));
      for (const [name, fn] of this.metrics) r[name] = fn(o, t);
    }
    return r;
  }
}

/** Arg-max labels of scores [n, C] as int32 [n], with the ties and NaN rule of `metrics.toLabels`. */
function toLabelTensor(out: Tensor): Tensor {
  const l = M.toLabels(out);
  return new Tensor(l, [l.length], 'int32');
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Train `model` for `epochs` epochs over `train` batches and return the `History` of per-epoch logs:
 * `loss` (sample-weighted mean of batch losses), each metric, `valLoss`/`val<Metric>` when `val` is
 * given, and `lr` (the first param group's learning rate at the end of the epoch).
 *
 * ```ts
 * const history = await fit(model, {
 *   train: new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 0 }),
 *   val: new data.DataLoader(valSet, { batchSize: 256 }),
 *   loss: new nn.CrossEntropyLoss(),
 *   optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
 *   epochs: 10,
 *   metrics: ['accuracy'],
 *   callbacks: [new EarlyStopping({ monitor: 'valLoss', patience: 3, restoreBestWeights: true })],
 * });
 * history.get('valAccuracy'); // one number per epoch
 * ```
 */
export async function fit(model: Module, opts: FitOptions): Promise<History> {
  checkOptionKeys('fit', opts, {
    train: true,
    val: true,
    loss: true,
    optimizer: true,
    scheduler: true,
    schedulerInterval: true,
    schedulerMonitor: true,
    epochs: true,
    initialEpoch: true,
    history: true,
    metrics: true,
    callbacks: true,
    progress: true,
    signal: true,
    events: true,
    yieldEveryMs: true,
    onTrainBegin: true,
    onTrainEnd: true,
    onEpochBegin: true,
    onEpochEnd: true,
    onBatchBegin: true,
    onBatchEnd: true,
    terminateOnNaN: true,
  });
  if (!opts || typeof opts !== 'object') throw new ValueError('fit: expected fit(model, { train, loss, optimizer, ... })');
  if (!opts.train) throw new ValueError('fit: `train` (an iterable of [input, target] batches, e.g. a DataLoader) is required');
  if (!opts.loss) throw new ValueError('fit: `loss` is required (e.g. new nn.CrossEntropyLoss() or nn.F.crossEntropy)');
  if (!opts.optimizer || typeof opts.optimizer.step !== 'function')
    throw new ValueError('fit: `optimizer` is required (e.g. new optim.Adam(model.parameters(), { lr: 1e-3 }))');
  const epochs = opts.epochs ?? 1;
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(`fit: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  const interval = opts.schedulerInterval ?? 'epoch';
  if (interval !== 'epoch' && interval !== 'batch')
    throw new ValueError(`fit: schedulerInterval must be 'epoch' or 'batch', got '${String(interval)}'`);
  const metrics = resolveMetrics(opts.metrics);
  const scheduler = opts.scheduler ?? null;
  const plateau = scheduler !== null && (opts.schedulerMonitor !== undefined || scheduler.constructor?.name === 'ReduceLROnPlateau');
  const monitorName = opts.schedulerMonitor ?? (opts.val ? 'valLoss' : 'loss');
  if (plateau && interval === 'batch')
    throw new ValueError('fit: a monitored scheduler (ReduceLROnPlateau) steps per epoch; drop schedulerInterval: "batch"');
  const callbacks: Callback[] = [...(opts.callbacks ?? []), opts];
  const history = opts.history ?? new History();
  const ctx: TrainContext = {
    model,
    optimizer: opts.optimizer,
    scheduler,
    history,
    epoch: initialEpoch,
    step: 0,
    stopTraining: false,
    stopReason: null,
    train: opts.train,
  };
  const yieldEvery = opts.yieldEveryMs ?? 50;
  let lastYield = now();
  const totalBatches = batchCount(opts.train);
  const progress: Progress = await makeProgress(opts.progress ?? 'auto');
  const emit = async <K extends keyof Callback>(name: K, ...args: unknown[]): Promise<void> => {
    for (const cb of callbacks) {
      const f = cb[name] as ((...a: unknown[]) => unknown) | undefined;
      if (f) await f.apply(cb, [ctx, ...args]);
    }
    if (opts.events) {
      const detail: Record<string, unknown> = { epoch: ctx.epoch, step: ctx.step };
      if (name === 'onBatchBegin' || name === 'onBatchEnd') detail.batch = args[0];
      if (name === 'onBatchEnd' || name === 'onEpochEnd') detail.logs = args[1];
      opts.events.dispatchEvent(new CustomEvent(name.slice(2).toLowerCase(), { detail }));
    }
  };
  const wasTraining = model.training;
  await emit('onTrainBegin');
  try {
    for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !ctx.stopTraining; epoch++) {
      ctx.epoch = epoch;
      model.train();
      await emit('onEpochBegin', epoch);
      progress.epochStart(epoch, initialEpoch + epochs, totalBatches);
      const t0 = now();
      const acc = new EpochAccumulator(metrics);
      let b = 0;
      const device = deviceOf(model);
      for await (const batch of opts.train as AsyncIterable<readonly Tensor[]>) {
        const [x, y] = onDevice(splitBatch(batch, 'fit'), device);
        await emit('onBatchBegin', b);
        opts.optimizer.zeroGrad();
        const out = model.call(x) as Tensor;
        if (!(out instanceof Tensor)) throw new ValueError(`fit: the model must return a Tensor, got ${describe(out)}`);
        const loss = scalarLoss(callLoss(opts.loss, out, y), 'fit');
        const lv = await lossValue(loss);
        if (!Number.isFinite(lv) && opts.terminateOnNaN !== false) {
          // stop before this batch's update, so the model keeps its last finite weights
          ctx.stopTraining = true;
          ctx.stopReason = `non-finite loss ${lv} at epoch ${epoch + 1}, batch ${b + 1}`;
          console.warn(
            `fit: stopped: ${ctx.stopReason} (the update was skipped). Try a lower learning rate, or check the data for NaN/Inf or huge values; terminateOnNaN: false keeps training.`,
          );
        } else {
          loss.backward();
          opts.optimizer.step();
        }
        ctx.step++;
        acc.add(await forMetrics(out), y.device === 'webgpu' ? await y.toAsync('cpu') : y, lv);
        if (scheduler && interval === 'batch') scheduler.step();
        const bl: BatchLogs = { batch: b, size: x.shape[0] ?? 1, loss: lv };
        await emit('onBatchEnd', b, bl);
        progress.batch(b + 1, lv);
        b++;
        if (opts.signal?.aborted) {
          ctx.stopTraining = true;
          ctx.stopReason = 'aborted';
        }
        if (ctx.stopTraining) break;
        if (now() - lastYield > yieldEvery) {
          await yieldToLoop();
          lastYield = now();
        }
      }
      const logs: EpochLogs = { epoch, ...acc.logs(true) };
      if (opts.val) {
        const v = await evaluate(model, opts.val, { loss: opts.loss, metrics: opts.metrics });
        for (const [k, val] of Object.entries(v)) logs[valKey(k)] = val;
      }
      if (scheduler && interval === 'epoch') {
        if (plateau) {
          const mv = logs[monitorName];
          if (mv === undefined)
            throw new ValueError(`fit: schedulerMonitor '${monitorName}' is not among the logged values (${Object.keys(logs).join(', ')})`);
          scheduler.step(mv);
        } else scheduler.step();
      }
      const lr = opts.optimizer.paramGroups?.[0]?.lr;
      if (typeof lr === 'number') logs.lr = lr;
      logs.time = (now() - t0) / 1000;
      history.push(logs);
      progress.epochEnd(logs);
      await emit('onEpochEnd', epoch, logs);
    }
  } finally {
    progress.stop();
    model.train(wasTraining);
  }
  await emit('onTrainEnd');
  if (ctx.stopReason) history.stopReason = ctx.stopReason;
  return history;
}

function batchCount(b: unknown): number | null {
  try {
    const n = (b as { length?: unknown }).length;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export interface EvaluateOptions {
  /** Adds `loss` (sample-weighted mean over batches) to the result. */
  loss?: LossLike;
  metrics?: MetricsSpec;
}

/**
 * Run `model` in eval mode without recording the graph over `[input, target]` batches and return
 * `{ loss?, <metric>… }`. The model's training/eval mode is restored afterwards.
 */
export async function evaluate(model: Module, batches: Batches, opts: EvaluateOptions = {}): Promise<Record<string, number>> {
  checkOptionKeys('evaluate', opts, { loss: true, metrics: true });
  const metrics = resolveMetrics(opts.metrics);
  if (!opts.loss && metrics.length === 0) throw new ValueError('evaluate: pass a loss and/or metrics to compute');
  const acc = new EpochAccumulator(metrics);
  const was = model.training;
  model.eval();
  let n = 0;
  try {
    const device = deviceOf(model);
    for await (const batch of batches as AsyncIterable<readonly Tensor[]>) {
      const [x, y] = onDevice(splitBatch(batch, 'evaluate'), device);
      const [out, loss] = noGrad(() => {
        const o = model.call(x) as Tensor;
        return [o, opts.loss ? scalarLoss(callLoss(opts.loss, o, y), 'evaluate') : null] as const;
      });
      acc.add(await forMetrics(out), y.device === 'webgpu' ? await y.toAsync('cpu') : y, loss === null ? null : await lossValue(loss));
      n++;
    }
  } finally {
    model.train(was);
  }
  if (n === 0) throw new StateError('evaluate: no batches (is the dataset empty?)');
  return acc.logs(opts.loss !== undefined);
}

/**
 * Model outputs for `input` — a Tensor `[N, …]` (run in chunks of `batchSize`, default 256) or an
 * iterable of batches (a batch may be a Tensor or `[input, …]`). Eval mode, no graph; returns `[N, …]`.
 * A model on the 'webgpu' device gets each batch moved there, and its outputs come back to the CPU
 * (read asynchronously), so the result is always a CPU tensor.
 */
export async function predict(
  model: Module,
  input: Tensor | Iterable<unknown> | AsyncIterable<unknown>,
  opts: { batchSize?: number } = {},
): Promise<Tensor> {
  checkOptionKeys('predict', opts, { batchSize: true });
  const bs = opts.batchSize ?? 256;
  if (!Number.isInteger(bs) || bs < 1) throw new ValueError(`predict: batchSize must be a positive integer, got ${bs}`);
  const was = model.training;
  model.eval();
  const outs: Tensor[] = [];
  const device = deviceOf(model);
  try {
    const run = async (x: Tensor): Promise<void> => {
      const [xd] = onDevice([x, x], device);
      const out = noGrad(() => model.call(xd) as Tensor);
      outs.push(out.device === 'webgpu' ? await out.toAsync('cpu') : out);
    };
    if (input instanceof Tensor) {
      const n = input.shape[0] ?? 1;
      if (input.ndim === 0) throw new ShapeError('predict: input must have a batch dimension, got a 0-d tensor');
      for (let i = 0; i < n; i += bs) await run(input.narrow(0, i, Math.min(bs, n - i)));
    } else {
      for await (const batch of input as AsyncIterable<unknown>) {
        const x = batch instanceof Tensor ? batch : Array.isArray(batch) && batch[0] instanceof Tensor ? batch[0] : null;
        if (!x) throw new ValueError(`predict: each batch must be a Tensor or [input, ...], got ${describe(batch)}`);
        await run(x);
      }
    }
  } finally {
    model.train(was);
  }
  if (outs.length === 0) throw new StateError('predict: no input');
  return outs.length === 1 ? outs[0]! : noGrad(() => cat(outs, 0));
}
