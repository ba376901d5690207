/** `backprop train`: data → model → fit → the model folder, history and plots (and a resumable checkpoint). */
import * as path from 'node:path';
import {
  manualSeed,
  Rng,
  tensor,
  noGrad,
  nn,
  data,
  fit,
  evaluate,
  EarlyStopping,
  HistoryLogger,
  History,
  TerminateOnNaN,
  backendInfo,
  Tensor,
  type Callback,
} from '../index.js';
import { captureCheckpoint, restoreCheckpoint } from '../io/checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint-node.js';
import { formatLogs } from '../train/progress.js';
import { CliError, ensureDir, type Log } from './errors.js';
import { augmented, loadDataset, normalizeImages, split } from './datasets.js';
import { build, checkOutput, makeOptimizer, makeScheduler, resolveArchitecture, setupBackend } from './factories.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, writeModelFolder, type ModelFile } from './model-file.js';
import { writePlots } from './plots.js';
import { checkFlags, fingerprint, CHECKPOINT_FILE, type TrainFlags } from './train-flags.js';

export { CHECKPOINT_FILE, MAX_EPOCHS, type TrainFlags } from './train-flags.js';

function lineLogger(epochs: number, log: Log): Callback {
  return {
    onEpochEnd: (_ctx, epoch, logs) => log(`epoch ${epoch + 1}/${epochs}  ${formatLogs(logs)}  (${(logs.time ?? 0).toFixed(1)}s)`),
  };
}

const NAN_HINT = 'the model diverged; try a lower --lr, or check the data for NaN, Inf or huge values (e.g. ±1e300)';

export async function train(
  flags: TrainFlags,
  log: Log,
): Promise<{ testAccuracy?: number; testMetrics: Record<string, number>; outDir: string }> {
  checkFlags(flags);
  await setupBackend(flags.backend, log);
  manualSeed(flags.seed);
  const ds = await loadDataset(flags.dataset, { target: flags.target, task: flags.task }, log);
  let trainX = ds.train.x;
  let trainY = ds.train.y;
  if (flags.limit !== undefined) {
    const idx = tensor(Int32Array.from(new Rng(flags.seed + 7).permutation(trainX.shape[0]!).slice(0, flags.limit)));
    trainX = trainX.indexSelect(0, idx);
    trainY = trainY.indexSelect(0, idx);
  }
  const parts = split(trainX, trainY, flags.valFraction, flags.seed + 1);
  let tr = parts.a;
  let val = parts.b;
  let test = ds.test ?? val;
  if (ds.prep.kind === 'image') {
    // normalisation statistics from the training split only
    const mean = noGrad(() => tr.x.mean().item());
    const std = noGrad(() => tr.x.std().item()) || 1;
    if (!Number.isFinite(mean) || !Number.isFinite(std))
      throw new CliError(`the training images have a non-finite mean or spread (${mean}, ${std}); check the image files`);
    ds.prep.mean = Number(mean.toPrecision(6));
    ds.prep.std = Number(std.toPrecision(6));
    const prep = ds.prep;
    const norm = (d: { x: Tensor; y: Tensor } | null) => (d ? { x: normalizeImages(d.x, prep), y: d.y } : null);
    tr = norm(tr)!;
    const testIsVal = test === val;
    val = norm(val);
    test = testIsVal ? val : norm(test);
  }
  const numOutputs = ds.task === 'classification' ? ds.classes!.length : 1;
  const arch = await resolveArchitecture(flags.model, ds.inputShape, numOutputs);
  const model = build(arch);
  checkOutput(model, tr.x, numOutputs, 'train');
  const nParams = model.parameters().reduce((s, p) => s + p.numel(), 0);
  log(
    `model: ${flags.model} — ${nParams.toLocaleString('en-US')} parameters; ${tr.x.shape[0]} train / ${val ? val.x.shape[0] : 0} val / ${ds.test ? ds.test.x.shape[0] : 0} test samples`,
  );
  const baseLoader = new data.DataLoader(new data.TensorDataset(tr.x, tr.y), {
    batchSize: flags.batchSize,
    shuffle: true,
    seed: flags.seed + 2,
  });
  // default: 1-pixel shifts for the 8,000 MNIST digits (small data, translation-invariant classes);
  // off elsewhere (on Fashion-MNIST it lowered the MLP's test accuracy after 10 epochs)
  const shiftPx = flags.augment ?? (ds.name === 'mnist' ? 1 : 0);
  if (shiftPx > 0 && ds.prep.kind !== 'image') throw new CliError('--augment shifts images; it does not apply to CSV data', 2);
  const fill = ds.prep.kind === 'image' ? normalizeImages(tensor([0]), ds.prep).item() : 0;
  const trainLoader = shiftPx > 0 ? augmented(baseLoader, shiftPx, new Rng(flags.seed + 3), fill) : baseLoader;
  const valLoader = val ? new data.DataLoader(new data.TensorDataset(val.x, val.y), { batchSize: 500 }) : undefined;
  const optimizer = makeOptimizer(model.parameters(), flags);
  const { scheduler, interval } = makeScheduler(flags.scheduler, optimizer, flags.epochs, baseLoader.length);
  const loss = ds.task === 'classification' ? new nn.CrossEntropyLoss() : new nn.MSELoss();
  const metricNames = ds.task === 'classification' ? (['accuracy'] as const) : (['mae', 'r2'] as const);

  // resume: the same run's state, restored into the objects just built from the same flags
  let initialEpoch = 0;
  let history = new History();
  if (flags.resume !== undefined) {
    const ck = await loadCheckpoint(flags.resume);
    const extra = (ck.extra ?? {}) as { run?: unknown; epochs?: unknown; history?: unknown };
    const want = JSON.stringify(fingerprint(flags));
    if (JSON.stringify(extra.run) !== want)
      throw new CliError(
        `--resume ${flags.resume}: the checkpoint was written by a run with other flags (${JSON.stringify(extra.run)}); resume with the same flags`,
        2,
      );
    if (['step', 'cosine', 'onecycle'].includes(flags.scheduler) && extra.epochs !== flags.epochs)
      throw new CliError(
        `--resume: the '${flags.scheduler}' schedule depends on --epochs; the checkpoint's run had --epochs ${String(extra.epochs)}`,
        2,
      );
    initialEpoch = ck.epoch ?? 0;
    if (initialEpoch >= flags.epochs)
      throw new CliError(`--resume: the checkpoint is at epoch ${initialEpoch}; --epochs ${flags.epochs} leaves nothing to train`, 2);
    try {
      restoreCheckpoint(ck, { model, optimizer, scheduler: scheduler ?? undefined, data: trainLoader });
      history = History.fromJSON(extra.history);
    } catch (e) {
      throw new CliError(`--resume ${flags.resume}: ${(e as Error).message}`);
    }
    log(`resuming at epoch ${initialEpoch + 1} from ${flags.resume}`);
  }
  // --backend webgpu: the model (and a resumed optimizer's state) moves to the GPU in place, after the
  // CPU-side checks and the restore; fit() moves each batch. Checkpoints read the GPU state back
  // asynchronously (saveCheckpoint), and the model comes back to the CPU after fit for the model files.
  const onGpu = backendInfo().backend === 'webgpu';
  if (onGpu) {
    model.to('webgpu');
    for (const st of optimizer.state.values())
      for (const [k, v] of Object.entries(st)) if (v instanceof Tensor && v.device !== 'webgpu') st[k] = v.to('webgpu');
  }

  ensureDir(flags.out, '--out');
  const callbacks: Callback[] = [new HistoryLogger({ path: path.join(flags.out, 'history.json') })];
  if (flags.earlyStopping !== undefined && flags.earlyStopping !== false) {
    const patience = flags.earlyStopping === true ? 3 : flags.earlyStopping;
    if (!Number.isInteger(patience) || patience < 0)
      throw new CliError(`--early-stopping patience must be a non-negative integer, got ${patience}`, 2);
    if (!valLoader) throw new CliError('--early-stopping needs a validation split (--val-fraction > 0)', 2);
    callbacks.push(new EarlyStopping({ monitor: 'valLoss', patience, restoreBestWeights: true }));
  }
  const nan = new TerminateOnNaN();
  callbacks.push(nan);
  const run = fingerprint(flags);
  callbacks.push({
    // after every epoch, a full checkpoint for --resume (written atomically)
    onEpochEnd: async (ctx, epoch) => {
      if (nan.stoppedAt >= 0) return;
      const state = captureCheckpoint(
        { model, optimizer, scheduler: scheduler ?? undefined, data: trainLoader },
        { epoch: epoch + 1, step: ctx.step, extra: { run, epochs: flags.epochs, history: ctx.history.toJSON() } },
      );
      await saveCheckpoint(path.join(flags.out, CHECKPOINT_FILE), state);
    },
  });
  const t0 = Date.now();
  history = await fit(model, {
    train: trainLoader,
    val: valLoader,
    loss,
    optimizer,
    scheduler: scheduler ?? undefined,
    schedulerInterval: interval,
    epochs: flags.epochs - initialEpoch,
    initialEpoch,
    history,
    metrics: [...metricNames],
    terminateOnNaN: false, // the CLI's own TerminateOnNaN above stops the run and reports it as an error
    callbacks: [...callbacks, ...(flags.progress !== false && !process.stdout.isTTY ? [lineLogger(flags.epochs, log)] : [])],
    // a live bar on a terminal; otherwise one line per epoch through `log`
    progress: flags.progress !== false && process.stdout.isTTY ? 'bar' : false,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (onGpu) await model.toAsync('cpu');
  if (nan.stoppedAt >= 0) throw new CliError(`training stopped: ${history.stopReason}; ${NAN_HINT}. No model was written.`);
  if (model.parameters().some((p) => p.dataSync().some((v) => !Number.isFinite(v))))
    throw new CliError(`training produced non-finite weights; ${NAN_HINT}. No model was written.`);
  if (history.stopReason) log(`stopped: ${history.stopReason}`);
  // final test metrics
  const evalX = test ? test.x : tr.x;
  const evalY = test ? test.y : tr.y;
  const testMetrics = await evaluate(model, new data.DataLoader(new data.TensorDataset(evalX, evalY), { batchSize: 500 }), {
    loss,
    metrics: [...metricNames],
  });
  const splitName = ds.test ? 'test' : val ? 'validation' : 'training';
  log(
    `${splitName}: ${Object.entries(testMetrics)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join('  ')}  (${seconds.toFixed(1)}s training)`,
  );
  if (!Number.isFinite(testMetrics.loss ?? 0))
    throw new CliError(`the ${splitName} loss is ${testMetrics.loss}; ${NAN_HINT}. No model was written.`);

  // artefacts: the model pair first (atomic, digest-linked), then history and plots
  const modelFile: Omit<ModelFile, 'weights'> = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    architecture: arch,
    task: ds.task,
    classes: ds.classes,
    inputShape: ds.inputShape,
    preprocessing: ds.prep,
    dataset: ds.name,
    training: {
      epochs: history.length,
      batchSize: flags.batchSize,
      optimizer: flags.optimizer,
      lr: flags.lr ?? optimizer.paramGroups[0]!.lr,
      scheduler: flags.scheduler,
      seed: flags.seed,
      valFraction: flags.valFraction,
      augmentShift: shiftPx,
      // the optimizer's hyper-parameters as constructed (defaults filled in, before any schedule), for `export --pytorch`
      optimizerOptions: { ...optimizer.defaults },
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      seconds,
      [`${splitName}Metrics`]: testMetrics,
    },
  };
  await writeModelFolder(flags.out, modelFile, model.stateDict() as Record<string, Tensor>);
  const written = ['model.safetensors', 'model.json', 'history.json', CHECKPOINT_FILE];
  written.push(
    ...(await writePlots(flags.out, {
      model,
      history,
      title: `${flags.model} on ${path.basename(flags.dataset)}`,
      classes: ds.task === 'classification' ? ds.classes : null,
      x: evalX,
      y: evalY,
      splitName,
    })),
  );
  log(`wrote ${written.map((f) => path.join(flags.out, f)).join(', ')}`);
  return { testAccuracy: testMetrics.accuracy, testMetrics, outDir: flags.out };
}
