/**
 * Image mode: a small CNN trained live on a bundled subset of MNIST digits, with a prediction gallery,
 * confusion matrix, first-layer filters, and live probabilities for a digit drawn by hand.
 *
 *   x [N, 1, 28, 28] → Conv2d(1, 8, 5) → ReLU → MaxPool2d(2) → Conv2d(8, 16, 5) → ReLU → MaxPool2d(2)
 *     → Flatten → Linear(256, 10)                                              (logits [N, 10])
 *
 * Trained with Adam (lr 0.003) and cross-entropy on mini-batches of 32, on the CPU (wasm) or, where the
 * page has WebGPU, on the GPU ("Train on GPU"): the model and the digits move to the 'webgpu' device
 * once, labels stay on the CPU, and results are read back asynchronously (one readback per frame).
 */
import { Rng, nn, noGrad, optim, stack, tensor, type Tensor } from './bp.js';
import { confusion } from './trainer.js';
import { run } from './model.js';
import type { ImageFrame } from './protocol.js';

export interface DigitData {
  /** n × 784 bytes (0–255), row-major 28 × 28 per image. */
  images: Uint8Array;
  labels: Uint8Array;
}

export function buildCnn(rng: Rng): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(256, 10, { rng }),
  );
}

const toFloat = (bytes: Uint8Array): Float32Array => Float32Array.from(bytes, (b) => b / 255);

/** Where the CNN trains. */
export type ImageDevice = 'cpu' | 'webgpu';

export class ImageSession {
  readonly model: nn.Sequential;
  private readonly opt: optim.Adam;
  private readonly rng: Rng;
  private readonly trainX: Tensor;
  private readonly trainY: Tensor;
  private readonly testX: Tensor;
  private readonly testY: Int32Array;
  private readonly testPixels: Float32Array;
  private order: number[] = [];
  private cursor = 0;
  step = 0;
  lossHistory: number[] = [];
  private lastMs = 0;
  /** Steps per frame on the GPU, adapted so a frame (steps + one readback) takes about 100 ms. */
  private gpuSteps = 1;
  private static data: DigitData | null = null;

  /** Provide the digits (the worker passes the bundled subset; Node tests read the mnist package). */
  static setData(d: DigitData): void {
    ImageSession.data = d;
  }

  constructor(
    seed: number,
    data: DigitData | null = ImageSession.data,
    testCount = 500,
    readonly device: ImageDevice = 'cpu',
  ) {
    if (!data) throw new Error('ImageSession: no digit data (call ImageSession.setData first)');
    this.rng = new Rng(seed);
    this.model = buildCnn(this.rng);
    if (device === 'webgpu') this.model.to('webgpu'); // parameters move in place, before the optimizer sees them
    this.opt = new optim.Adam(this.model.parameters(), { lr: 0.003 });
    const n = data.labels.length;
    const perm = this.rng.permutation(n);
    const testIdx = Array.from(perm.slice(0, testCount));
    const trainIdx = Array.from(perm.slice(testCount));
    const gather = (idx: number[]) => {
      const px = new Uint8Array(idx.length * 784);
      idx.forEach((i, k) => px.set(data.images.subarray(i * 784, (i + 1) * 784), k * 784));
      return px;
    };
    this.trainX = tensor(toFloat(gather(trainIdx)), { shape: [trainIdx.length, 1, 28, 28] }).to(device);
    this.trainY = tensor(
      Int32Array.from(trainIdx, (i) => data.labels[i]!),
      { shape: [trainIdx.length] },
    );
    this.testPixels = toFloat(gather(testIdx));
    this.testX = tensor(this.testPixels, { shape: [testIdx.length, 1, 28, 28] }).to(device);
    this.testY = Int32Array.from(testIdx, (i) => data.labels[i]!);
  }

  /** One Adam step on a batch of 32 (epochs reshuffled from the session's seed); the loss, on the CPU. */
  trainStep(batch = 32): number {
    const v = this.stepLoss(batch).item();
    this.record([v]);
    return v;
  }

  private record(losses: ArrayLike<number>): void {
    for (let i = 0; i < losses.length; i++) this.lossHistory.push(losses[i]!);
    if (this.lossHistory.length > 1000) this.lossHistory.splice(0, this.lossHistory.length - 1000);
  }

  /** One Adam step; its loss tensor (on the model's device, not read back). */
  private stepLoss(batch: number): Tensor {
    const n = this.trainY.shape[0]!;
    if (this.cursor + batch > this.order.length) {
      this.order = Array.from(this.rng.permutation(n));
      this.cursor = 0;
    }
    const idx = tensor(Int32Array.from(this.order.slice(this.cursor, this.cursor + batch)), { shape: [batch] });
    this.cursor += batch;
    this.opt.zeroGrad();
    const loss = nn.F.crossEntropy(run(this.model, this.trainX.indexSelect(0, idx)), this.trainY.indexSelect(0, idx));
    loss.backward();
    this.opt.step();
    this.step++;
    return loss.detach();
  }

  /** `n` steps on either device; the losses are read back once, at the end. */
  async stepsAsync(n: number): Promise<void> {
    if (this.device === 'cpu') return this.steps(n);
    const t0 = performance.now();
    const losses: Tensor[] = [];
    for (let i = 0; i < n; i++) losses.push(this.stepLoss(32));
    this.record(await stack(losses).data());
    this.lastMs = (performance.now() - t0) / n;
  }

  /** Train for about `ms` milliseconds (on the GPU: a number of steps adapted to ~100 ms per frame). */
  async trainAsync(ms: number): Promise<void> {
    if (this.device === 'cpu') return this.train(ms);
    const t0 = performance.now();
    const n = this.gpuSteps;
    await this.stepsAsync(n);
    const dt = performance.now() - t0;
    this.gpuSteps = Math.max(1, Math.min(50, Math.round((n * 100) / Math.max(dt, 1))));
  }

  steps(n: number): void {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) this.trainStep();
    this.lastMs = (performance.now() - t0) / n;
  }

  /** Train for about `ms` milliseconds. */
  train(ms: number): void {
    const t0 = performance.now();
    let k = 0;
    do {
      this.trainStep();
      k++;
    } while (performance.now() - t0 < ms);
    this.lastMs = (performance.now() - t0) / k;
  }

  frame(): ImageFrame {
    return noGrad(() => {
      const pred = run(this.model, this.testX).argmax(1).dataSync() as Int32Array;
      return this.frameOf(pred, Float32Array.from((this.model.at(0) as nn.Conv2d).weight.contiguous().dataSync()));
    });
  }

  /** The frame on either device (GPU results read back asynchronously). */
  async frameAsync(): Promise<ImageFrame> {
    if (this.device === 'cpu') return this.frame();
    const [pred, filters] = noGrad(() => [run(this.model, this.testX).argmax(1), (this.model.at(0) as nn.Conv2d).weight.contiguous()]);
    return this.frameOf((await pred!.data()) as Int32Array, Float32Array.from(await filters!.data()));
  }

  private frameOf(pred: Int32Array, filters: Float32Array): ImageFrame {
    const gallery = Array.from({ length: 24 }, (_, i) => ({
      pixels: this.testPixels.slice(i * 784, (i + 1) * 784),
      label: this.testY[i]!,
      pred: pred[i]!,
    }));
    return {
      type: 'imageFrame' as const,
      device: this.device,
      step: this.step,
      playing: false,
      loss: this.lossHistory[this.lossHistory.length - 1] ?? NaN,
      accuracy: pred.reduce((a, p, i) => a + (p === this.testY[i] ? 1 : 0), 0) / pred.length,
      lossHistory: this.lossHistory.slice(-300),
      gallery,
      confusion: confusion(pred, this.testY, 10),
      filters,
      msPerStep: this.lastMs,
    };
  }

  /** `predict` on either device. */
  async predictAsync(pixels: Float32Array): Promise<{ probs: number[]; activations: Float32Array[] }> {
    if (this.device === 'cpu') return this.predict(pixels);
    const [p, a] = noGrad(() => {
      const x = tensor(Float32Array.from(pixels.subarray(0, 784)), { shape: [1, 1, 28, 28] }).to(this.device);
      return [run(this.model, x).softmax(1), run(this.model.at(1), run(this.model.at(0), x))];
    });
    const d = await a!.data();
    return {
      probs: Array.from(await p!.data()),
      activations: Array.from({ length: 8 }, (_, c) => Float32Array.from(d.subarray(c * 576, (c + 1) * 576))),
    };
  }

  /** Class probabilities for one 28×28 image (values in [0, 1]) and the conv1 activation maps. */
  predict(pixels: Float32Array): { probs: number[]; activations: Float32Array[] } {
    return noGrad(() => {
      const x = tensor(Float32Array.from(pixels.subarray(0, 784)), { shape: [1, 1, 28, 28] });
      const a1 = run(this.model.at(1), run(this.model.at(0), x)); // [1, 8, 24, 24]
      const probs = Array.from(run(this.model, x).softmax(1).dataSync());
      const d = a1.dataSync();
      const activations = Array.from({ length: 8 }, (_, c) => Float32Array.from(d.subarray(c * 576, (c + 1) * 576)));
      return { probs, activations };
    });
  }
}

/**
 * Turn a drawing (grey levels in [0, 1], any square size) into an MNIST-style 28×28 image: crop to the
 * ink's bounding box, scale it to fit 20×20 keeping the aspect ratio, and centre the centre of mass in
 * the 28×28 frame (how MNIST itself was made).
 */
export function toMnist(ink: Float32Array, size: number): Float32Array {
  let x0 = size,
    x1 = -1,
    y0 = size,
    y1 = -1;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (ink[y * size + x]! > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = 20 / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  // area-average resample into a tw × th box
  const box = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = x0 + tx / scale,
        sx1 = x0 + (tx + 1) / scale;
      const sy0 = y0 + ty / scale,
        sy1 = y0 + (ty + 1) / scale;
      let sum = 0,
        cnt = 0;
      for (let sy = Math.floor(sy0); sy < Math.ceil(sy1); sy++)
        for (let sx = Math.floor(sx0); sx < Math.ceil(sx1); sx++) {
          if (sx < 0 || sy < 0 || sx >= size || sy >= size) continue;
          sum += ink[sy * size + sx]!;
          cnt++;
        }
      box[ty * tw + tx] = cnt ? Math.min(1, sum / cnt) : 0;
    }
  let mx = 0,
    my = 0,
    m = 0;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const v = box[y * tw + x]!;
      mx += v * x;
      my += v * y;
      m += v;
    }
  const cx = m > 0 ? mx / m : tw / 2;
  const cy = m > 0 ? my / m : th / 2;
  const ox = Math.round(14 - cx);
  const oy = Math.round(14 - cy);
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const X = x + ox,
        Y = y + oy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = box[y * tw + x]!;
    }
  return out;
}
