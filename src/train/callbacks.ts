/**
 * Callbacks for `fit`: EarlyStopping, ModelCheckpoint, TerminateOnNaN, HistoryLogger (JSON/CSV),
 * LRSchedulerCallback and LambdaCallback. Monitored names are the History keys: `loss`, `valLoss`,
 * `accuracy`, `valAccuracy`, …; `mode: 'auto'` treats accuracy-like names as "higher is better".
 */
import { ValueError } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { captureCheckpoint } from '../io/checkpoint.js';
import { saveCheckpoint, writeFileAtomic } from '../io/checkpoint-node.js';
import type { Callback, TrainContext, BatchLogs, SchedulerLike } from './fit.js';
import { resolveMode, type EpochLogs, type MonitorMode } from './history.js';
import { checkOptionKeys } from '../core/options.js';

function monitored(name: string, logs: EpochLogs, who: string): number {
  const v = logs[name];
  if (v === undefined)
    throw new ValueError(
      `${who}: monitored value '${name}' is not logged; available: ${Object.keys(logs)
        .filter((k) => k !== 'epoch')
        .join(', ')}`,
    );
  return v;
}

function snapshot(sd: unknown): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const entries = sd instanceof Map ? [...sd.entries()] : Object.entries(sd as Record<string, unknown>);
  noGrad(() => {
    for (const [k, v] of entries) if (v instanceof Tensor) out[k] = v.detach().clone();
  });
  return out;
}

/** Tracks the best value of a monitored quantity with a minimum improvement. */
class Tracker {
  readonly mode: 'min' | 'max';
  best: number;
  constructor(
    readonly monitor: string,
    mode: MonitorMode,
    readonly minDelta: number,
  ) {
    this.mode = resolveMode(monitor, mode);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
  improved(v: number): boolean {
    if (Number.isNaN(v)) return false;
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }
}

/** Options of `EarlyStopping`; unknown keys throw a `ValueError`. */
export interface EarlyStoppingOptions {
  /** Logged value to watch (default 'valLoss'). */
  monitor?: string;
  mode?: MonitorMode;
  /** Epochs without improvement before stopping (default 0, as in Keras). */
  patience?: number;
  /** An improvement must exceed this (default 0). */
  minDelta?: number;
  /** On stop (or at the end of training), load the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/** Stop training when `monitor` has not improved by more than `minDelta` for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly tracker: Tracker;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;
  /** The epoch with the best monitored value so far (-1 before the first epoch). */
  bestEpoch = -1;
  /** The epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;

  constructor(opts: EarlyStoppingOptions = {}) {
    checkOptionKeys('EarlyStopping', opts, { monitor: true, mode: true, patience: true, minDelta: true, restoreBestWeights: true });
    const patience = opts.patience ?? 0;
    const minDelta = opts.minDelta ?? 0;
    if (!Number.isInteger(patience) || patience < 0)
      throw new ValueError(`EarlyStopping: patience must be a non-negative integer, got ${patience}`);
    if (!(minDelta >= 0)) throw new ValueError(`EarlyStopping: minDelta must be >= 0, got ${minDelta}`);
    this.patience = patience;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    this.tracker = new Tracker(opts.monitor ?? 'valLoss', opts.mode ?? 'auto', minDelta);
  }

  get best(): number {
    return this.tracker.best;
  }

  /** Reset the wait counter, best value and saved weights, so the callback can be reused across `fit` calls. */
  onTrainBegin(): void {
    this.wait = 0;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.bestWeights = null;
    this.tracker.best = this.tracker.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * Track the monitored value; after `patience` epochs (at least 1) without improvement, ask `fit` to stop.
   * @throws ValueError if the monitored key is not in the epoch logs.
   */
  onEpochEnd(ctx: TrainContext, epoch: number, logs: EpochLogs): void {
    const v = monitored(this.tracker.monitor, logs, 'EarlyStopping');
    if (this.tracker.improved(v)) {
      this.tracker.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshot(ctx.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait >= Math.max(1, this.patience)) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      ctx.stopReason = `early stopping: ${this.tracker.monitor} did not improve for ${this.wait} epochs (best ${this.tracker.best.toPrecision(5)} at epoch ${this.bestEpoch + 1})`;
    }
  }

  /** With `restoreBestWeights`, load the weights of the best epoch back into the model. */
  onTrainEnd(ctx: TrainContext): void {
    if (this.restoreBestWeights && this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}

/** Options of `ModelCheckpoint`; unknown keys throw a `ValueError`. */
export interface ModelCheckpointOptions {
  /** File to write; `{epoch}` is replaced by the 1-based epoch number. */
  path: string;
  /** Logged value that decides "best" (default 'valLoss'). */
  monitor?: string;
  mode?: MonitorMode;
  /** Only write when `monitor` improves (default false: write every epoch — the "last" checkpoint). */
  saveBestOnly?: boolean;
  /**
   * 'full' (default): a training checkpoint (model, optimizer, scheduler, epoch/step, RNG and data
   * order — resume with `loadCheckpoint` + `restoreCheckpoint`); 'weights': model weights as safetensors.
   */
  contents?: 'full' | 'weights';
}

/** Save the model (and training state) after each epoch, or only when `monitor` improves. Node only. */
export class ModelCheckpoint implements Callback {
  private readonly tracker: Tracker;
  readonly path: string;
  readonly saveBestOnly: boolean;
  readonly contents: 'full' | 'weights';
  /** Files written, in order. */
  readonly saved: string[] = [];

  constructor(opts: ModelCheckpointOptions) {
    checkOptionKeys('ModelCheckpoint', opts, { path: true, monitor: true, mode: true, saveBestOnly: true, contents: true });
    if (!opts || typeof opts.path !== 'string' || opts.path === '') throw new ValueError('ModelCheckpoint: `path` is required');
    this.path = opts.path;
    this.saveBestOnly = opts.saveBestOnly ?? false;
    this.contents = opts.contents ?? 'full';
    if (this.contents !== 'full' && this.contents !== 'weights')
      throw new ValueError(`ModelCheckpoint: contents must be 'full' or 'weights', got '${String(this.contents)}'`);
    this.tracker = new Tracker(opts.monitor ?? 'valLoss', opts.mode ?? 'auto', 0);
  }

  /** Save a checkpoint to `path` (every epoch, or only when the monitored value improved with `saveBestOnly`). */
  async onEpochEnd(ctx: TrainContext, epoch: number, logs: EpochLogs): Promise<void> {
    if (this.saveBestOnly) {
      const v = monitored(this.tracker.monitor, logs, 'ModelCheckpoint');
      if (!this.tracker.improved(v)) return;
      this.tracker.best = v;
    }
    const file = this.path.replace(/\{epoch\}/g, String(epoch + 1));
    if (this.contents === 'weights') {
      const { saveSafetensors } = await import('../io/safetensors-file.js');
      const sd = ctx.model.stateDict();
      await saveSafetensors(sd as never, file);
    } else {
      const train = ctx.train as { stateDict?: () => unknown; loadStateDict?: (s: never) => unknown };
      const state = captureCheckpoint(
        {
          model: ctx.model,
          optimizer: hasState(ctx.optimizer) ? ctx.optimizer : undefined,
          scheduler: ctx.scheduler && hasState(ctx.scheduler) ? ctx.scheduler : undefined,
          data: hasState(train) ? train : undefined,
        },
        { epoch: epoch + 1, step: ctx.step, extra: { logs, history: ctx.history.toJSON() } },
      );
      await saveCheckpoint(file, state);
    }
    this.saved.push(file);
  }
}

function hasState(o: unknown): o is { stateDict(): unknown; loadStateDict(s: never): unknown } {
  return (
    typeof (o as { stateDict?: unknown })?.stateDict === 'function' &&
    typeof (o as { loadStateDict?: unknown })?.loadStateDict === 'function'
  );
}

/** Stop training as soon as a batch loss is NaN or ±Infinity (the epoch is still logged). */
export class TerminateOnNaN implements Callback {
  /** The step at which a non-finite loss was seen, or -1. */
  stoppedAt = -1;
  /** Stop training when this batch's loss is NaN or ±Infinity, recording the step in `stoppedAt`. */
  onBatchEnd(ctx: TrainContext, batch: number, logs: BatchLogs): void {
    if (!Number.isFinite(logs.loss)) {
      this.stoppedAt = ctx.step;
      ctx.stopTraining = true;
      ctx.stopReason = `non-finite loss ${logs.loss} at epoch ${ctx.epoch + 1}, batch ${batch + 1}`;
    }
  }
}

/** Write the history to `path` after every epoch (atomically), as JSON or CSV (from the extension by default). Node only. */
export class HistoryLogger implements Callback {
  readonly path: string;
  readonly format: 'json' | 'csv';
  constructor(opts: { path: string; format?: 'json' | 'csv' }) {
    checkOptionKeys('HistoryLogger', opts, { path: true, format: true });
    if (!opts || typeof opts.path !== 'string' || opts.path === '') throw new ValueError('HistoryLogger: `path` is required');
    this.path = opts.path;
    this.format = opts.format ?? (opts.path.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
    if (this.format !== 'json' && this.format !== 'csv')
      throw new ValueError(`HistoryLogger: format must be 'json' or 'csv', got '${String(this.format)}'`);
  }
  /** Write the whole history so far to `path` (atomically: a crash leaves the previous file). */
  async onEpochEnd(ctx: TrainContext): Promise<void> {
    const text = this.format === 'csv' ? ctx.history.toCSV() : JSON.stringify(ctx.history.toJSON(), null, 2) + '\n';
    await writeFileAtomic(this.path, new TextEncoder().encode(text));
  }
}

/**
 * Step a scheduler from a callback (instead of fit's `scheduler` option): per `'epoch'` or per
 * `'batch'`; with `monitor`, `step(logs[monitor])` each epoch (ReduceLROnPlateau).
 */
export class LRSchedulerCallback implements Callback {
  constructor(
    readonly scheduler: SchedulerLike,
    readonly opts: { interval?: 'epoch' | 'batch'; monitor?: string } = {},
  ) {
    checkOptionKeys('LRSchedulerCallback', opts, { interval: true, monitor: true });
    if (!scheduler || typeof scheduler.step !== 'function') throw new ValueError('LRSchedulerCallback: expected a scheduler with step()');
    if (opts.monitor && opts.interval === 'batch') throw new ValueError('LRSchedulerCallback: a monitored scheduler steps per epoch');
  }
  /** Step the scheduler after each batch when `interval` is `'batch'`. */
  onBatchEnd(): void {
    if (this.opts.interval === 'batch') this.scheduler.step();
  }
  /** Step the scheduler once per epoch (with `logs[monitor]` when monitoring); does nothing for `interval: 'batch'`. */
  onEpochEnd(_ctx: TrainContext, _epoch: number, logs: EpochLogs): void {
    if (this.opts.interval === 'batch') return;
    if (this.opts.monitor) this.scheduler.step(monitored(this.opts.monitor, logs, 'LRSchedulerCallback'));
    else this.scheduler.step();
  }
}

/** A callback from plain functions: `new LambdaCallback({ onEpochEnd: (ctx, e, logs) => … })`. */
export class LambdaCallback implements Callback {
  constructor(fns: Callback) {
    Object.assign(this, fns);
  }
}
