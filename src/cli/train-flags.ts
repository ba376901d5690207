/** `backprop train`'s flags: their type, their checks, and the fingerprint a resumed run must match. */
import { CliError, checkInt } from './errors.js';
import { isModelName, OPTIMIZERS, SCHEDULERS } from './factories.js';
import { ZOO } from '../train/models.js';

export interface TrainFlags {
  dataset: string;
  target?: string;
  task?: string;
  model: string;
  epochs: number;
  batchSize: number;
  optimizer: string;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  scheduler: string;
  seed: number;
  valFraction: number;
  earlyStopping?: number | boolean;
  out: string;
  limit?: number;
  augment?: number;
  backend?: string;
  progress?: boolean;
  /** A checkpoint written by an earlier run with the same flags (`<out>/checkpoint.ckpt`). */
  resume?: string;
}

/** Most epochs one run may ask for. */
export const MAX_EPOCHS = 100_000;
/** The checkpoint `train` writes after every epoch, for `--resume`. */
export const CHECKPOINT_FILE = 'checkpoint.ckpt';

export function checkFlags(flags: TrainFlags): void {
  checkInt('--epochs', flags.epochs, 1, MAX_EPOCHS);
  checkInt('--batch-size', flags.batchSize, 1, 1_000_000);
  checkInt('--seed', flags.seed, 0, Number.MAX_SAFE_INTEGER);
  if (!(flags.valFraction >= 0 && flags.valFraction < 1))
    throw new CliError(`--val-fraction must be in [0, 1), got ${flags.valFraction}`, 2);
  if (flags.lr !== undefined && !(flags.lr > 0 && Number.isFinite(flags.lr)))
    throw new CliError(`--lr must be a positive number, got ${flags.lr}`, 2);
  if (!(OPTIMIZERS as readonly string[]).includes(flags.optimizer))
    throw new CliError(`unknown --optimizer '${flags.optimizer}'; choose one of ${OPTIMIZERS.join(', ')}`, 2);
  if (!(SCHEDULERS as readonly string[]).includes(flags.scheduler))
    throw new CliError(`unknown --scheduler '${flags.scheduler}'; choose one of ${SCHEDULERS.join(', ')}`, 2);
  if (!isModelName(flags.model))
    throw new CliError(`unknown --model '${flags.model}'; choose one of ${ZOO.join(', ')} or a JSON spec file (*.json)`, 2);
  if (typeof flags.out !== 'string' || flags.out.trim() === '') throw new CliError('--out must name a folder, got an empty string', 2);
  if (flags.limit !== undefined) checkInt('--limit', flags.limit, 1, Number.MAX_SAFE_INTEGER);
  if (flags.augment !== undefined) checkInt('--augment', flags.augment, 0, 64);
  if (flags.resume !== undefined && flags.earlyStopping !== undefined && flags.earlyStopping !== false)
    throw new CliError('--resume does not restore early-stopping state; drop --early-stopping to resume', 2);
}

/** The flags that must be equal between a run and its resumption (all but --epochs, --out, --backend, --progress, --resume). */
export function fingerprint(f: TrainFlags): Record<string, unknown> {
  const { dataset, target, task, model, batchSize, optimizer, lr, momentum, weightDecay, scheduler, seed, valFraction, limit, augment } = f;
  return JSON.parse(
    JSON.stringify({
      dataset,
      target,
      task,
      model,
      batchSize,
      optimizer,
      lr,
      momentum,
      weightDecay,
      scheduler,
      seed,
      valFraction,
      limit,
      augment,
    }),
  ) as Record<string, unknown>;
}
