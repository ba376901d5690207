/**
 * Messages between the page (UI thread: renders only) and the training worker (owns the model).
 * Every request may carry an `id`; the worker answers requests that return data with `{type:'reply', id}`.
 */
import type { Point } from './datasets.js';
import type { PgState } from './state.js';
import type { Divergence, GridOutput, LayerWeights, Metrics } from './trainer.js';

export type ToWorker =
  | { type: 'init'; state: PgState; points?: Point[] | null; backend?: string }
  | { type: 'config'; state: PgState }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; n: number; id?: number }
  | { type: 'reset' }
  | { type: 'setWeight'; layer: number; output: number; input: number; value: number }
  | { type: 'setPoints'; points: Point[]; state: PgState }
  | { type: 'recover'; lr: number }
  | { type: 'restoreBest' }
  | { type: 'export'; id: number }
  | { type: 'import'; id: number; architecture: string; weights: Uint8Array }
  | { type: 'frame'; id?: number }
  // image mode
  | { type: 'imageInit'; seed: number; device?: 'cpu' | 'webgpu' }
  | { type: 'imagePlay' }
  | { type: 'imagePause' }
  | { type: 'imageStep'; n: number; id?: number }
  | { type: 'imagePredict'; pixels: Float32Array; id?: number }
  // test hook (?test=1): an async MLP loop on the 'webgpu' device, GPU memory reported every `every` steps
  | { type: 'gpuSoak'; steps: number; every: number; id?: number };

export interface Frame {
  type: 'frame';
  epoch: number;
  playing: boolean;
  metrics: Metrics;
  history: { epoch: number; train: number; test: number; val?: number; lr: number }[];
  grid: GridOutput;
  weights: LayerWeights[];
  points: { train: Point[]; val: Point[]; test: Point[] } | null;
  diverged: Divergence;
  stopped: boolean;
  bestEpoch: number | null;
  msPerStep: number;
  epochsPerSecond: number;
  backend: string;
  /** The optimizer race: the shadow network's optimizer, losses and metrics (null when off). */
  race: { optimizer: string; history: { epoch: number; train: number; test: number }[]; metrics: Metrics; diverged: boolean } | null;
  /** The training points in the last hidden layer's space, when it has two units. */
  hidden: { xy: Float32Array; labels: Float32Array } | null;
  /** True when the last config change rebuilt the model. */
  reset: boolean;
  id?: number;
}

export interface ImageFrame {
  type: 'imageFrame';
  /** Where the CNN trains. */
  device: 'cpu' | 'webgpu';
  step: number;
  playing: boolean;
  loss: number;
  accuracy: number;
  lossHistory: number[];
  /** Test-set predictions for the gallery (first 24). */
  gallery: { pixels: Float32Array; label: number; pred: number }[];
  confusion: number[][];
  /** Conv1 filters [8, 5, 5]. */
  filters: Float32Array;
  msPerStep: number;
  id?: number;
}

export type FromWorker =
  | Frame
  | ImageFrame
  | { type: 'ready'; backend: string; info: Record<string, unknown>; gpu: string | null }
  | { type: 'exported'; id: number; architecture: string; weights: Uint8Array }
  | { type: 'imported'; id: number; ok: boolean; message: string; state?: PgState }
  | { type: 'probs'; id?: number; probs: number[]; activations: Float32Array[] }
  | { type: 'error'; message: string }
  | { type: 'gpuSoak'; id?: number; marks: GpuSoakMark[] };

/** GPU memory after `step` steps of the soak: buffers held (live + pooled) and the allocator's high-water mark. */
export interface GpuSoakMark {
  step: number;
  loss: number;
  heldBytes: number;
  highWaterBytes: number;
}
