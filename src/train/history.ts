/**
 * History: the per-epoch logs of a `fit()` run (Keras' `History`), e.g.
 * `{ epoch: 0, loss: 0.41, accuracy: 0.88, valLoss: 0.30, valAccuracy: 0.91, lr: 0.001 }`.
 * Serialisable to JSON and CSV; `bestEpoch('valLoss')` picks the epoch a plot marks as best.
 */
import { ValueError } from '../core/errors.js';

/** One epoch's numbers. `epoch` is 0-based. */
export type EpochLogs = { epoch: number } & Record<string, number>;

/** 'min' for losses and errors, 'max' for accuracy-like scores; 'auto' guesses from the name. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** 'max' when the name looks like a score (accuracy, f1, auc, r2, precision, recall), else 'min'. */
export function resolveMode(monitor: string, mode: MonitorMode = 'auto'): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') throw new ValueError(`monitor mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
  return /acc|f1|auc|r2|precision|recall/i.test(monitor) ? 'max' : 'min';
}

/** What `fit` returns: one `EpochLogs` per epoch (loss, metrics, validation, lr, time), and why training stopped early. */
export class History {
  readonly epochs: EpochLogs[] = [];
  /** Why training stopped early ('early stopping', 'NaN loss', 'aborted', …), or null. */
  stopReason: string | null = null;

  /** Append one epoch's logs. */
  push(logs: EpochLogs): void {
    this.epochs.push({ ...logs });
  }

  /** Metric names seen in any epoch (excluding `epoch`), in first-seen order. */
  keys(): string[] {
    const s = new Set<string>();
    for (const e of this.epochs) for (const k of Object.keys(e)) if (k !== 'epoch') s.add(k);
    return [...s];
  }

  /** The series of one metric over epochs (NaN where an epoch lacks it). */
  get(name: string): number[] {
    return this.epochs.map((e) => (name in e ? e[name]! : NaN));
  }

  /** `{ loss: [...], valLoss: [...], … }` like Keras' `history.history`. */
  get history(): Record<string, number[]> {
    return Object.fromEntries(this.keys().map((k) => [k, this.get(k)]));
  }

  get length(): number {
    return this.epochs.length;
  }

  /** The epoch (0-based) with the best value of `monitor`, or -1 if it was never logged. */
  bestEpoch(monitor = 'valLoss', mode: MonitorMode = 'auto'): number {
    const m = resolveMode(monitor, mode);
    let best = -1;
    let bv = m === 'min' ? Infinity : -Infinity;
    for (const e of this.epochs) {
      const v = e[monitor];
      if (v === undefined || Number.isNaN(v)) continue;
      if (m === 'min' ? v < bv : v > bv) {
        bv = v;
        best = e.epoch;
      }
    }
    return best;
  }

  /** The epochs as plain JSON (what `HistoryLogger` writes). */
  toJSON(): { epochs: EpochLogs[] } {
    return { epochs: this.epochs.map((e) => ({ ...e })) };
  }

  /** CSV with a header row `epoch,<keys…>`; missing values are empty cells. */
  toCSV(): string {
    const keys = ['epoch', ...this.keys()];
    const rows = this.epochs.map((e) => keys.map((k) => (e[k] === undefined || Number.isNaN(e[k]) ? '' : String(e[k]))).join(','));
    return [keys.join(','), ...rows].join('\n') + '\n';
  }

  /** Rebuild from `toJSON()` output (e.g. a history.json file). */
  static fromJSON(json: unknown): History {
    const h = new History();
    const epochs = (json as { epochs?: unknown })?.epochs;
    if (!Array.isArray(epochs)) throw new ValueError('History.fromJSON: expected { epochs: [...] }');
    for (const e of epochs) {
      if (typeof e !== 'object' || e === null || typeof (e as EpochLogs).epoch !== 'number')
        throw new ValueError('History.fromJSON: every epoch needs a numeric "epoch"');
      h.push(e as EpochLogs);
    }
    return h;
  }
}
