/**
 * The TF.js side of the benchmark: the same workloads as bench/models.ts, written with TF.js's
 * low-level API as a user would (variables, tf.train.adam().minimize, tf.tidy), on its cpu and wasm
 * backends.
 *
 * TF.js 4.22's wasm backend has no `Conv2DBackpropFilter` kernel, so LeNet training cannot run there
 * as shipped. `registerWasmConv2dBackpropFilter()` registers one composed from ops the wasm backend has
 * (slice, reshape, matMul, stack): dW[kh, kw] = Σ x-window(kh, kw)ᵀ · dy — as a user would.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'cpu' | 'wasm';

let ready = false;
/** Set up both backends; `wasmPrefix` is where tfjs-backend-wasm's .wasm files are (path or URL, ending in /). */
export async function initTf(wasmPrefix: string): Promise<typeof tf> {
  if (ready) return tf;
  setWasmPaths(wasmPrefix);
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmConv2dBackpropFilter();
  await tf.setBackend('cpu');
  await tf.ready();
  ready = true;
  return tf;
}

/** Threads TF.js's wasm backend runs on (more than one only with its threaded build in a cross-origin-isolated page). */
export function tfWasmThreads(): number {
  return getThreadsCount();
}

export async function useTf(b: TfBackend): Promise<void> {
  if (tf.getBackend() !== b) await tf.setBackend(b);
}

function registerWasmConv2dBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: number | 'same' | 'valid' | number[][];
        filterShape: [number, number, number, number];
        dataFormat: string;
      };
      const [kh, kw, ci, co] = a.filterShape;
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const [n, oh, ow] = [dy.shape[0], dy.shape[1], dy.shape[2]];
      return tf.tidy(() => {
        let xp: tf.Tensor4D = x;
        if (Array.isArray(a.pad)) xp = tf.pad(x, a.pad as [number, number][]);
        else if (typeof a.pad === 'number' && a.pad > 0)
          xp = tf.pad(x, [
            [0, 0],
            [a.pad, a.pad],
            [a.pad, a.pad],
            [0, 0],
          ]);
        else if (a.pad === 'same') {
          const ph = Math.max((oh - 1) * sh + kh - x.shape[1], 0);
          const pw = Math.max((ow - 1) * sw + kw - x.shape[2], 0);
          xp = tf.pad(x, [
            [0, 0],
            [Math.floor(ph / 2), ph - Math.floor(ph / 2)],
            [Math.floor(pw / 2), pw - Math.floor(pw / 2)],
            [0, 0],
          ]);
        }
        const dy2 = dy.reshape([n * oh * ow, co]);
        const taps: tf.Tensor2D[] = [];
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const win = tf.stridedSlice(
              xp,
              [0, i, j, 0],
              [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci],
              [1, sh, sw, 1],
            ) as tf.Tensor4D;
            taps.push(tf.matMul(win.reshape([n * oh * ow, ci]), dy2, true, false));
          }
        return tf.stack(taps).reshape([kh, kw, ci, co]);
      }) as unknown as tf.TensorInfo;
    },
  });
}

interface Data {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

function dense(inF: number, outF: number, seed: number): [tf.Variable, tf.Variable] {
  const b = 1 / Math.sqrt(inF);
  return [
    tf.variable(tf.randomUniform([inF, outF], -b, b, 'float32', seed)),
    tf.variable(tf.randomUniform([outF], -b, b, 'float32', seed + 1)),
  ];
}

export interface TfTrainer {
  step(i: number): void;
  loss(): number;
}

/** MLP 784-256-128-10 with Adam(1e-3) and softmax cross-entropy. */
export function tfMlpTrainer(data: Data, batch: number): TfTrainer {
  const layers = [dense(784, 256, 1), dense(256, 128, 3), dense(128, 10, 5)];
  const opt = tf.train.adam(1e-3);
  const nb = Math.floor(data.n / batch);
  let last = NaN;
  let lastT: tf.Scalar | null = null;
  return {
    step(i: number) {
      const b = i % nb;
      const lossT = tf.tidy(() => {
        const x = tf.tensor2d(data.x.subarray(b * batch * 784, (b + 1) * batch * 784), [batch, 784]);
        const y = tf.oneHot(tf.tensor1d(data.y.subarray(b * batch, (b + 1) * batch), 'int32'), 10);
        return opt.minimize(() => {
          let h: tf.Tensor = x;
          layers.forEach(([w, bb], l) => {
            h = tf.add(tf.matMul(h, w), bb);
            if (l < 2) h = tf.relu(h);
          });
          return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
        }, true)!;
      });
      lastT?.dispose();
      lastT = lossT;
    },
    loss() {
      if (lastT) last = lastT.dataSync()[0]!;
      return last;
    },
  };
}

/** Batch-1 inference of the MLP with raw ops (no layers model). */
export function tfMlpInfer(data: { x: Float32Array }): (i: number) => number {
  const layers = [dense(784, 256, 1), dense(256, 128, 3), dense(128, 10, 5)];
  return (i: number) => {
    const out = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor2d(data.x.subarray((i % 100) * 784, (i % 100) * 784 + 784), [1, 784]);
      layers.forEach(([w, b], l) => {
        h = tf.add(tf.matMul(h, w), b);
        if (l < 2) h = tf.relu(h);
      });
      return h;
    });
    const v = out.dataSync()[0]!;
    out.dispose();
    return v;
  };
}

/** LeNet-5 (NHWC): conv5(pad 2)-relu-pool2 → conv5-relu-pool2 → 400-120-84-10, Adam. */
export function tfLenetTrainer(data: Data, batch: number): TfTrainer {
  const conv = (k: number, ci: number, co: number, seed: number): [tf.Variable, tf.Variable] => {
    const b = 1 / Math.sqrt(k * k * ci);
    return [
      tf.variable(tf.randomUniform([k, k, ci, co], -b, b, 'float32', seed)),
      tf.variable(tf.randomUniform([co], -b, b, 'float32', seed + 1)),
    ];
  };
  const c1 = conv(5, 1, 6, 11);
  const c2 = conv(5, 6, 16, 13);
  const fc = [dense(400, 120, 15), dense(120, 84, 17), dense(84, 10, 19)];
  const opt = tf.train.adam(1e-3);
  const nb = Math.floor(data.n / batch);
  let lastT: tf.Scalar | null = null;
  return {
    step(i: number) {
      const b = i % nb;
      const lossT = tf.tidy(() => {
        const x = tf.tensor4d(data.x.subarray(b * batch * 784, (b + 1) * batch * 784), [batch, 28, 28, 1]);
        const y = tf.oneHot(tf.tensor1d(data.y.subarray(b * batch, (b + 1) * batch), 'int32'), 10);
        return opt.minimize(() => {
          const a1 = tf.relu(
            tf.add(
              tf.conv2d(x, c1[0] as tf.Tensor4D, 1, [
                [0, 0],
                [2, 2],
                [2, 2],
                [0, 0],
              ]),
              c1[1],
            ),
          ) as tf.Tensor4D;
          let h = tf.maxPool(a1, 2, 2, 'valid') as tf.Tensor4D;
          const a2 = tf.relu(tf.add(tf.conv2d(h, c2[0] as tf.Tensor4D, 1, 'valid'), c2[1])) as tf.Tensor4D;
          h = tf.maxPool(a2, 2, 2, 'valid') as tf.Tensor4D;
          let z: tf.Tensor = h.reshape([batch, 400]);
          fc.forEach(([w, bb], l) => {
            z = tf.add(tf.matMul(z, w), bb);
            if (l < 2) z = tf.relu(z);
          });
          return tf.losses.softmaxCrossEntropy(y, z) as tf.Scalar;
        }, true)!;
      });
      lastT?.dispose();
      lastT = lossT;
    },
    loss() {
      return lastT ? lastT.dataSync()[0]! : NaN;
    },
  };
}

/** C = A·B for n×n, read back (so the work is done). */
export function tfSgemm(n: number): () => void {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  return () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
}

export function tfNumTensors(): number {
  return tf.memory().numTensors;
}
