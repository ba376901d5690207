import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crossEntropy, mseLoss } from '../../src/nn/losses.js';
import { tensor } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ValueError } from '../../src/core/errors.js';
import { fit, evaluate, predict } from '../../src/train/fit.js';
import {
  EarlyStopping,
  HistoryLogger,
  LambdaCallback,
  ModelCheckpoint,
  TerminateOnNaN,
  LRSchedulerCallback,
} from '../../src/train/callbacks.js';
import { History } from '../../src/train/history.js';
import { loadCheckpoint } from '../../src/io/checkpoint-node.js';
import { Affine, TinySGD, batches, blobs } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ce = (o: Tensor, t: Tensor) => crossEntropy(o, t);

describe('fit', () => {
  const tr = blobs(300, 1);
  const va = blobs(90, 2);
  const train = batches(tr.x, tr.y, 32);
  const val = batches(va.x, va.y, 45);

  it('learns a separable problem and logs loss, metrics, val and lr', async () => {
    const model = new Affine(2, 3);
    const opt = new TinySGD(model.parameters(), 0.5);
    const h = await fit(model, { train, val, loss: ce, optimizer: opt, epochs: 5, metrics: ['accuracy'], progress: false });
    expect(h.length).toBe(5);
    expect(h.keys()).toEqual(expect.arrayContaining(['loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'time']));
    expect(h.get('loss')[4]!).toBeLessThan(h.get('loss')[0]!);
    expect(h.get('valAccuracy')[4]!).toBeGreaterThan(0.95);
    expect(h.get('lr')).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(model.training).toBe(true);
  });

  it('is exactly the explicit loop (same bits)', async () => {
    const a = new Affine(2, 3, 7);
    const b = new Affine(2, 3, 7);
    await fit(a, { train, loss: ce, optimizer: new TinySGD(a.parameters(), 0.1), epochs: 2, progress: false });
    const opt = new TinySGD(b.parameters(), 0.1);
    for (let e = 0; e < 2; e++)
      for (const [x, y] of train) {
        opt.zeroGrad();
        const l = ce(b.call(x!), y!);
        l.backward();
        opt.step();
      }
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(a.bias.dataSync())).toEqual(Array.from(b.bias.dataSync()));
  });

  it('epoch loss is the sample-weighted mean of batch losses', async () => {
    const model = new Affine(2, 3);
    const seen: { loss: number; size: number }[] = [];
    // lr 0: the model does not change, so the epoch mean can be recomputed from the batch logs
    const h = await fit(model, {
      train: batches(tr.x, tr.y, 64), // last batch has 44 samples
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0),
      progress: false,
      onBatchEnd: (_c, _b, l) => void seen.push(l),
    });
    const want = seen.reduce((s, l) => s + l.loss * l.size, 0) / 300;
    expect(h.get('loss')[0]).toBeCloseTo(want, 10);
    expect(seen.map((s) => s.size)).toEqual([64, 64, 64, 64, 44]);
  });

  it('calls events in order', async () => {
    const model = new Affine(2, 3);
    const ev: string[] = [];
    await fit(model, {
      train: train.slice(0, 2),
      val,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 2,
      progress: false,
      callbacks: [
        new LambdaCallback({
          onTrainBegin: () => void ev.push('tb'),
          onEpochBegin: (_c, e) => void ev.push(`eb${e}`),
          onBatchBegin: (_c, b) => void ev.push(`bb${b}`),
          onBatchEnd: (_c, b) => void ev.push(`be${b}`),
          onEpochEnd: (_c, e, logs) => void ev.push(`ee${e}:${'valLoss' in logs}`),
          onTrainEnd: () => void ev.push('te'),
        }),
      ],
    });
    expect(ev).toEqual(['tb', 'eb0', 'bb0', 'be0', 'bb1', 'be1', 'ee0:true', 'eb1', 'bb0', 'be0', 'bb1', 'be1', 'ee1:true', 'te']);
  });

  it('dispatches DOM-style events on an EventTarget', async () => {
    const model = new Affine(2, 3);
    const target = new EventTarget();
    const seen: string[] = [];
    let lastLogs: Record<string, number> | null = null;
    for (const type of ['trainbegin', 'epochbegin', 'batchend', 'epochend', 'trainend'])
      target.addEventListener(type, (e) => {
        seen.push(type);
        if (type === 'epochend') lastLogs = (e as CustomEvent).detail.logs;
      });
    await fit(model, {
      train: train.slice(0, 2),
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 1,
      progress: false,
      events: target,
    });
    expect(seen).toEqual(['trainbegin', 'epochbegin', 'batchend', 'batchend', 'epochend', 'trainend']);
    expect(lastLogs!.loss).toBeGreaterThan(0);
  });

  it('teaches on bad arguments', async () => {
    const model = new Affine(2, 3);
    const optimizer = new TinySGD(model.parameters(), 0.1);
    await expect(fit(model, { train, loss: ce, optimizer, metrics: ['acc' as 'accuracy'], progress: false })).rejects.toThrow(
      /unknown metric 'acc'/,
    );
    await expect(fit(model, { train: [[tr.x]], loss: ce, optimizer, progress: false })).rejects.toThrow(/\[input, target\]/);
    await expect(fit(model, { train, loss: (o) => o, optimizer, progress: false })).rejects.toThrow(/must be a scalar/);
    await expect(fit(model, { train, loss: ce, optimizer, epochs: -1, progress: false })).rejects.toBeInstanceOf(ValueError);
    await expect(fit(model, { train, loss: ce } as never)).rejects.toThrow(/optimizer/);
  });

  it('stops on abort', async () => {
    const model = new Affine(2, 3);
    const ac = new AbortController();
    const h = await fit(model, {
      train,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 10,
      progress: false,
      signal: ac.signal,
      onBatchEnd: (ctx) => void (ctx.step === 3 && ac.abort()),
    });
    expect(h.length).toBe(1);
    expect(h.stopReason).toBe('aborted');
  });
});

describe('callbacks', () => {
  const tr = blobs(120, 3);
  const train = batches(tr.x, tr.y, 40);

  it('EarlyStopping stops after patience and restores the best weights', async () => {
    const model = new Affine(2, 3);
    // a scripted monitored value: best at epoch 1
    const script = [1.0, 0.5, 0.6, 0.55, 0.7, 0.4];
    const es = new EarlyStopping({ monitor: 'score', mode: 'min', patience: 2, restoreBestWeights: true });
    let best: number[] = [];
    const h = await fit(model, {
      train,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.3),
      epochs: 6,
      metrics: { score: () => NaN },
      progress: false,
      callbacks: [
        new LambdaCallback({
          onEpochEnd: (ctx, e, logs) => {
            logs.score = script[e]!;
            if (e === 1) best = Array.from(ctx.model.stateDict()['weight']!.dataSync());
          },
        }),
        es,
      ],
    });
    expect(h.length).toBe(4); // epochs 0..3: 0.6 and 0.55 do not beat 0.5 → stop after epoch 3
    expect(es.bestEpoch).toBe(1);
    expect(es.stoppedEpoch).toBe(3);
    expect(h.stopReason).toMatch(/early stopping/);
    expect(Array.from(model.weight.dataSync())).toEqual(best);
  });

  it('EarlyStopping minDelta and max mode', async () => {
    const es = new EarlyStopping({ monitor: 'valAccuracy', patience: 0, minDelta: 0.05 });
    const model = new Affine(2, 3);
    const seq = [0.5, 0.52, 0.9];
    const h = await fit(model, {
      train,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 3,
      progress: false,
      callbacks: [new LambdaCallback({ onEpochEnd: (_c, e, l) => void (l.valAccuracy = seq[e]!) }), es],
    });
    expect(h.length).toBe(2); // 0.52 is not > 0.5 + 0.05
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(ValueError);
  });

  it('EarlyStopping names a missing monitor', async () => {
    const model = new Affine(2, 3);
    await expect(
      fit(model, { train, loss: ce, optimizer: new TinySGD(model.parameters(), 0.1), progress: false, callbacks: [new EarlyStopping()] }),
    ).rejects.toThrow(/'valLoss' is not logged; available: loss/);
  });

  it('TerminateOnNaN stops at the first non-finite loss', async () => {
    const model = new Affine(2, 3);
    const t = new TerminateOnNaN();
    const bad = train.map(([x, y], i) => [i === 1 ? x!.mul(NaN) : x!, y!]);
    const h = await fit(model, {
      train: bad,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 3,
      progress: false,
      callbacks: [t],
    });
    expect(h.length).toBe(1);
    expect(t.stoppedAt).toBe(2);
    expect(h.stopReason).toMatch(/non-finite loss/);
  });

  it('ModelCheckpoint writes best-only and last checkpoints that load', async () => {
    const model = new Affine(2, 3);
    const seq = [0.9, 0.5, 0.7];
    const best = new ModelCheckpoint({ path: join(dir, 'best.ckpt'), monitor: 'm', mode: 'min', saveBestOnly: true });
    const last = new ModelCheckpoint({ path: join(dir, 'ep{epoch}.ckpt') });
    await fit(model, {
      train,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 3,
      progress: false,
      callbacks: [new LambdaCallback({ onEpochEnd: (_c, e, l) => void (l.m = seq[e]!) }), best, last],
    });
    expect(best.saved.length).toBe(2); // epochs 1 and 2 (1-based)
    expect(last.saved.map((p) => p.slice(dir.length + 1))).toEqual(['ep1.ckpt', 'ep2.ckpt', 'ep3.ckpt']);
    const ck = await loadCheckpoint(join(dir, 'best.ckpt'));
    expect(ck.epoch).toBe(2);
    expect(ck.step).toBe(6);
    expect((ck.optimizer as { lr: number }).lr).toBe(0.1);
    const l3 = await loadCheckpoint(join(dir, 'ep3.ckpt'));
    expect(Array.from((l3.model as Record<string, Tensor>).weight!.dataSync())).toEqual(Array.from(model.weight.dataSync()));
  });

  it('HistoryLogger writes JSON and CSV each epoch', async () => {
    const model = new Affine(2, 3);
    await fit(model, {
      train,
      loss: ce,
      optimizer: new TinySGD(model.parameters(), 0.1),
      epochs: 2,
      metrics: ['accuracy'],
      progress: false,
      callbacks: [new HistoryLogger({ path: join(dir, 'h.json') }), new HistoryLogger({ path: join(dir, 'h.csv') })],
    });
    const h = History.fromJSON(JSON.parse(readFileSync(join(dir, 'h.json'), 'utf8')));
    expect(h.length).toBe(2);
    const csv = readFileSync(join(dir, 'h.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,accuracy,lr,time');
    expect(csv.length).toBe(3);
  });

  it('schedulers step per epoch, per batch, or with a monitored value', async () => {
    const calls: (number | undefined)[] = [];
    const sched = { step: (m?: number) => void calls.push(m) };
    const model = new Affine(2, 3);
    const optimizer = new TinySGD(model.parameters(), 0.1);
    await fit(model, { train, loss: ce, optimizer, scheduler: sched, epochs: 2, progress: false });
    expect(calls).toEqual([undefined, undefined]);
    calls.length = 0;
    await fit(model, { train, loss: ce, optimizer, scheduler: sched, schedulerInterval: 'batch', epochs: 2, progress: false });
    expect(calls.length).toBe(6);
    calls.length = 0;
    const h = await fit(model, { train, loss: ce, optimizer, scheduler: sched, schedulerMonitor: 'loss', epochs: 2, progress: false });
    expect(calls).toEqual(h.get('loss'));
    calls.length = 0;
    await fit(model, {
      train,
      loss: ce,
      optimizer,
      epochs: 1,
      progress: false,
      callbacks: [new LRSchedulerCallback(sched, { monitor: 'loss' })],
    });
    expect(calls.length).toBe(1);
  });
});

describe('evaluate / predict', () => {
  const d = blobs(50, 5);
  it('evaluate gives loss and metrics and restores train mode', async () => {
    const model = new Affine(2, 3);
    const r = await evaluate(model, batches(d.x, d.y, 16), { loss: ce, metrics: ['accuracy', 'f1'] });
    const out = model.call(d.x);
    expect(r.loss).toBeCloseTo(ce(out, d.y).item(), 5);
    expect(Object.keys(r)).toEqual(['loss', 'accuracy', 'f1']);
    expect(model.training).toBe(true);
  });
  it('predict chunks a tensor and matches one big forward', async () => {
    const model = new Affine(2, 3);
    const p = await predict(model, d.x, { batchSize: 7 });
    expect(p.shape).toEqual([50, 3]);
    const full = model.call(d.x);
    const a = p.dataSync();
    const b = full.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
    await expect(predict(model, d.x, { batchSize: 0 })).rejects.toBeInstanceOf(ValueError);
  });
  it('regression metrics through fit', async () => {
    const x = tensor([[0], [1], [2], [3]]);
    const y = tensor([[1], [3], [5], [7]]);
    const model = new Affine(1, 1);
    const h = await fit(model, {
      train: [[x, y]],
      loss: (o, t) => mseLoss(o, t),
      optimizer: new TinySGD(model.parameters(), 0.05),
      epochs: 200,
      metrics: ['mse', 'r2'],
      progress: false,
    });
    expect(h.get('r2').at(-1)!).toBeGreaterThan(0.99);
  });
});

describe('fit with the real optim schedulers', () => {
  it('steps ReduceLROnPlateau with the monitored validation loss', async () => {
    const optim = await import('../../src/optim/index.js');
    const d = blobs(60, 8);
    const model = new Affine(2, 3);
    const optimizer = new optim.SGD(model.parameters(), { lr: 1e-4 }); // the loss barely moves
    const scheduler = new optim.ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5, threshold: 0.5 });
    const h = await fit(model, {
      train: batches(d.x, d.y, 20),
      val: batches(d.x, d.y, 60),
      loss: ce,
      optimizer,
      scheduler,
      epochs: 3,
      progress: false,
    });
    // epoch 0 sets the best; epochs 1 and 2 do not improve by 50 % → halved twice
    expect(h.get('lr')).toEqual([1e-4, 5e-5, 2.5e-5]);
  });
  it('steps a per-batch OneCycleLR', async () => {
    const optim = await import('../../src/optim/index.js');
    const d = blobs(60, 8);
    const model = new Affine(2, 3);
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const scheduler = new optim.OneCycleLR(optimizer, { maxLr: 0.1, epochs: 2, stepsPerEpoch: 3 });
    const lrs: number[] = [];
    await fit(model, {
      train: batches(d.x, d.y, 20),
      loss: ce,
      optimizer,
      scheduler,
      schedulerInterval: 'batch',
      epochs: 2,
      progress: false,
      onBatchEnd: () => void lrs.push(optimizer.paramGroups[0]!.lr),
    });
    expect(lrs.length).toBe(6);
    expect(Math.max(...lrs)).toBeGreaterThan(0.09);
    expect(lrs[5]!).toBeLessThan(lrs[2]!);
  });
});
