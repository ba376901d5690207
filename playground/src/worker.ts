/// <reference lib="webworker" />
/**
 * The training worker: owns the Trainer (and the image-mode CNN), runs epochs while playing, and posts
 * frames (metrics, grid outputs, weights) to the page at most ~30 times a second. The page never
 * computes anything about the network itself.
 */
import { backendInfo, init, manualSeed, nn, optim, randn, tensor } from './bp.js';
import { Trainer } from './trainer.js';
import { saveModel, loadPlaygroundModel } from '../model-io.js';
import { ImageSession } from './image.js';
import type { Frame, FromWorker, GpuSoakMark, ToWorker } from './protocol.js';
import { normalize, type PgState } from './state.js';

const ctx = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

let trainer: Trainer | null = null;
/** The optimizer race's second network: same data, seeds and initial weights, another optimizer. */
let shadow: Trainer | null = null;
let image: ImageSession | null = null;
let playing = false;
let imagePlaying = false;
let pendingReset = false;
let pointsDirty = true;
let msPerStep = 0;
let epochsPerSecond = 0;
let backend = 'js';
let loopScheduled = false;
const FRAME_MS = 33;
let frameCost = 10;

/**
 * The memory soak of the README's "WebGPU backend" in the browser (the e2e test hook): an MLP trained by
 * an async loop on the 'webgpu' device, no dispose, the loss read back every step.
 */
async function gpuSoak(steps: number, every: number): Promise<GpuSoakMark[]> {
  if (gpuAdapter() === null) throw new Error('gpuSoak: no WebGPU adapter');
  manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 4)).to('webgpu');
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([32, 8]).to('webgpu');
  const y = tensor(
    Array.from({ length: 32 }, (_, i) => i % 4),
    { dtype: 'int32' },
  );
  const marks: GpuSoakMark[] = [];
  for (let s = 1; s <= steps; s++) {
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    const l = await loss.itemAsync();
    if (s % every === 0) {
      const mem = (backendInfo().gpu as { memory: { liveBytes: number; pooledBytes: number; highWaterBytes: number } }).memory;
      marks.push({ step: s, loss: l, heldBytes: mem.liveBytes + mem.pooledBytes, highWaterBytes: mem.highWaterBytes });
    }
  }
  return marks;
}

/** The WebGPU adapter's name when the 'webgpu' device is available ('auto' loads it where navigator.gpu has one). */
function gpuAdapter(): string | null {
  const gpu = backendInfo().gpu as { adapter?: string } | undefined;
  return gpu ? (gpu.adapter ?? 'WebGPU') : null;
}

function post(m: FromWorker, transfer: Transferable[] = []): void {
  ctx.postMessage(m, transfer);
}

function frame(id?: number): void {
  if (!trainer) return;
  const metrics = trainer.evaluate();
  if (trainer.diverged || trainer.stopped) playing = false;
  const f: Frame = {
    type: 'frame',
    epoch: trainer.epoch,
    playing,
    metrics,
    history: trainer.history.slice(-500),
    grid: trainer.grid(),
    weights: trainer.weights(),
    points: pointsDirty ? trainer.splits : null,
    diverged: trainer.diverged,
    stopped: trainer.stopped,
    bestEpoch: trainer.best?.epoch ?? null,
    msPerStep,
    epochsPerSecond,
    backend,
    race: raceInfo(),
    hidden: trainer.hiddenRepresentation(),
    reset: pendingReset,
    id,
  };
  pointsDirty = false;
  pendingReset = false;
  post(f);
}

const shadowState = (): PgState | null =>
  trainer && trainer.state.race !== 'none' ? { ...trainer.state, optimizer: trainer.state.race } : null;

/** Keep the race network in step with the main one: same setup, its own optimizer; rebuilt on resets. */
function syncShadow(reset: boolean): void {
  const want = shadowState();
  if (!want || !trainer) {
    shadow = null;
    return;
  }
  if (!shadow || reset) {
    shadow = new Trainer(want, trainer.state.dataset === 'custom' ? trainer.points : null);
    // start from the main network's current weights, so the race is fair from this point on
    shadow.loadWeights(trainer.snapshot());
    shadow.epoch = trainer.epoch;
    return;
  }
  shadow.update(want);
}

function raceInfo(): Frame['race'] {
  if (!shadow || !trainer) return null;
  const metrics = shadow.evaluate();
  return { optimizer: shadow.state.optimizer, history: shadow.history.slice(-500), metrics, diverged: shadow.diverged !== null };
}

/** Run `n` epochs, timing them. */
function runEpochs(n: number): void {
  if (!trainer) return;
  const t0 = performance.now();
  let done = 0;
  const every = Math.max(1, Math.ceil(n / 100)); // a long Step still draws a loss curve
  for (; done < n; done++) {
    if (trainer.diverged || trainer.stopped) break;
    trainer.stepEpoch();
    shadow?.stepEpoch();
    if (trainer.diverged) break;
    if (n > 1 && (done + 1) % every === 0 && done + 1 < n) trainer.evaluate();
  }
  const dt = performance.now() - t0;
  if (done > 0) {
    const batches = Math.ceil(trainer.splits.train.length / Math.max(1, trainer.state.batchSize)) * done;
    const ms = dt / batches;
    msPerStep = msPerStep === 0 || n > 1 ? ms : 0.9 * msPerStep + 0.1 * ms; // smoothed while playing
  }
}

async function loop(): Promise<void> {
  loopScheduled = false;
  if (image && imagePlaying) {
    // on the GPU this awaits its readbacks; a session replaced meanwhile (imageInit) posts nothing
    const session = image;
    try {
      await session.trainAsync(FRAME_MS);
      if (session === image) post(await session.frameAsync());
    } catch (err) {
      imagePlaying = false;
      post({ type: 'error', message: (err as Error).message });
    }
  } else if (trainer && playing) {
    const t0 = performance.now();
    let epochs = 0;
    // train for a slice long enough that drawing a frame (one batched grid pass + metrics) costs at
    // most about a quarter of the time
    const slice = Math.max(FRAME_MS, 3 * frameCost);
    while (performance.now() - t0 < slice && playing) {
      runEpochs(1);
      epochs++;
      if (!trainer.diverged && !trainer.stopped) {
        // the divergence / early-stopping watch runs on evaluated losses
        if (trainer.state.earlyStopping > 0 || epochs % 5 === 0) {
          trainer.evaluate();
          if (trainer.diverged || trainer.stopped) break;
        }
      } else break;
    }
    const t1 = performance.now();
    frame();
    const t2 = performance.now();
    frameCost = 0.7 * frameCost + 0.3 * (t2 - t1);
    epochsPerSecond = 0.7 * epochsPerSecond + 0.3 * ((epochs * 1000) / Math.max(t2 - t0, 1e-3));
  }
  if ((trainer && playing) || (image && imagePlaying)) schedule();
}

function schedule(): void {
  if (loopScheduled) return;
  loopScheduled = true;
  setTimeout(() => void loop(), 0);
}

/**
 * Messages are handled one at a time, in arrival order: `init` and `imageInit` await (the backend, the
 * digits chunk), and a message arriving meanwhile (a config change, an image step) must see their result
 * rather than find no trainer or no image session and be dropped.
 */
let inbox: Promise<void> = Promise.resolve();
ctx.onmessage = (e: MessageEvent<ToWorker>) => {
  inbox = inbox.then(() => handle(e.data));
};

async function handle(m: ToWorker): Promise<void> {
  try {
    switch (m.type) {
      case 'init': {
        if (m.backend) {
          try {
            await init({ backend: m.backend });
          } catch {
            await init({ backend: 'js' });
          }
        }
        backend = backendInfo().backend;
        post({ type: 'ready', backend, info: backendInfo().info, gpu: gpuAdapter() });
        trainer = new Trainer(normalize(m.state), m.points ?? null);
        syncShadow(true);
        pointsDirty = true;
        pendingReset = true;
        frame();
        break;
      }
      case 'config': {
        if (!trainer) return;
        const raceBefore = trainer.state.race;
        const didReset = trainer.update(normalize(m.state));
        syncShadow(didReset || raceBefore !== trainer.state.race);
        if (didReset) {
          pendingReset = true;
          pointsDirty = true;
        }
        frame();
        break;
      }
      case 'play':
        playing = true;
        if (trainer) trainer.stopped = false;
        schedule();
        break;
      case 'pause':
        playing = false;
        frame();
        break;
      case 'step':
        runEpochs(Math.max(1, Math.min(100000, Math.floor(m.n))));
        frame(m.id);
        break;
      case 'reset':
        trainer?.resetModel();
        syncShadow(true);
        pendingReset = true;
        pointsDirty = true;
        frame();
        break;
      case 'setWeight':
        trainer?.setWeight(m.layer, m.output, m.input, m.value);
        frame();
        break;
      case 'setPoints':
        if (trainer && trainer.setPoints(m.points, normalize(m.state))) pendingReset = true;
        if (trainer) syncShadow(true);
        pointsDirty = true;
        frame();
        break;
      case 'recover':
        trainer?.recover(m.lr);
        syncShadow(true);
        frame();
        break;
      case 'restoreBest':
        trainer?.restoreBest();
        frame();
        break;
      case 'frame':
        frame(m.id);
        break;
      case 'export': {
        if (!trainer) return;
        const saved = saveModel(trainer.model, trainer.arch, trainer.state);
        post({ type: 'exported', id: m.id, architecture: saved.architecture, weights: saved.weights }, [
          saved.weights.buffer as ArrayBuffer,
        ]);
        break;
      }
      case 'import': {
        if (!trainer) return;
        try {
          const loaded = loadPlaygroundModel(m.architecture, m.weights);
          if (!loaded.settings) throw new Error('the architecture file has no settings');
          trainer.update(loaded.settings);
          trainer.resetModel();
          trainer.loadWeights(new Map(Object.entries(loaded.model.stateDict())));
          syncShadow(true);
          pendingReset = true;
          pointsDirty = true;
          post({ type: 'imported', id: m.id, ok: true, message: loaded.notices.join('; '), state: trainer.state });
          frame();
        } catch (err) {
          post({ type: 'imported', id: m.id, ok: false, message: (err as Error).message });
        }
        break;
      }
      case 'imageInit': {
        // the bundled digits are a separate chunk, fetched only when image mode opens
        if (!image) ImageSession.setData((await import('./digits.js')).loadDigits());
        const device = m.device ?? 'cpu';
        if (device === 'webgpu' && gpuAdapter() === null)
          throw new Error(`this browser offers no WebGPU adapter (${String(backendInfo().skipped?.webgpu ?? 'navigator.gpu is missing')})`);
        image = new ImageSession(m.seed, undefined, 500, device);
        post(await image.frameAsync());
        break;
      }
      case 'imagePlay':
        imagePlaying = true;
        schedule();
        break;
      case 'imagePause':
        imagePlaying = false;
        if (image) post(await image.frameAsync());
        break;
      case 'imageStep':
        if (image) {
          await image.stepsAsync(Math.max(1, Math.min(10000, Math.floor(m.n))));
          post({ ...(await image.frameAsync()), id: m.id });
        }
        break;
      case 'gpuSoak':
        post({ type: 'gpuSoak', id: m.id, marks: await gpuSoak(m.steps, m.every) });
        break;
      case 'imagePredict':
        if (image) post({ type: 'probs', id: m.id, ...(await image.predictAsync(m.pixels)) });
        break;
    }
  } catch (err) {
    playing = false;
    post({ type: 'error', message: (err as Error).message });
  }
}
