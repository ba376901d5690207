/**
 * 11. U-Net (Ronneberger et al., 2015) on a synthetic segmentation task: bright discs and
 * rectangles on noisy, unevenly lit backgrounds; the target is the shape mask. An encoder
 * (conv, pool), a decoder (transposed conv) and skip connections that concatenate encoder
 * features into the decoder at each resolution; per-pixel BCE loss.
 * Stated results: test pixel accuracy ≥ 0.97 and IoU ≥ 0.85 (fast: ≥ 0.93 and ≥ 0.7), and IoU
 * above the best single global threshold on the raw pixels (which the noise defeats).
 *
 *   npx tsx examples/11-unet.ts --full
 */
import { cat, manualSeed, nn, noGrad, optim, Rng, tensor, viz, data, type Tensor } from '../src/index.js';
import { claim, f, outFile, runIfMain, type RunOptions } from './lib.js';

/** n images [n, 1, S, S] and masks [n, 1, S, S]: 1–3 shapes, brightness gradient, Gaussian noise. */
function shapes(n: number, S: number, seed: number): { x: Tensor; m: Tensor } {
  const rng = new Rng(seed);
  const xs = new Float32Array(n * S * S);
  const ms = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) {
    const [gx, gy] = [rng.uniformRange(-0.6, 0.6), rng.uniformRange(-0.6, 0.6)]; // uneven lighting
    const items = Array.from({ length: 1 + rng.int(0, 3) }, () => ({
      disc: rng.uniform() < 0.5,
      cx: rng.uniformRange(4, S - 4),
      cy: rng.uniformRange(4, S - 4),
      r: rng.uniformRange(2.5, S / 5),
      w: rng.uniformRange(2, S / 4),
      h: rng.uniformRange(2, S / 4),
    }));
    for (let yy = 0; yy < S; yy++)
      for (let xx = 0; xx < S; xx++) {
        const inside = items.some((s) =>
          s.disc ? (xx - s.cx) ** 2 + (yy - s.cy) ** 2 <= s.r ** 2 : Math.abs(xx - s.cx) <= s.w && Math.abs(yy - s.cy) <= s.h,
        );
        const k = i * S * S + yy * S + xx;
        ms[k] = inside ? 1 : 0;
        xs[k] = (inside ? 1 : 0) + gx * (xx / S - 0.5) * 2 + gy * (yy / S - 0.5) * 2 + 0.45 * rng.normal();
      }
  }
  return { x: tensor(xs).reshape([n, 1, S, S]), m: tensor(ms).reshape([n, 1, S, S]) };
}

const double = (cin: number, cout: number) =>
  new nn.Sequential(
    new nn.Conv2d(cin, cout, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(cout, cout, 3, { padding: 1 }),
    new nn.ReLU(),
  );

class UNet extends nn.Module {
  enc1 = double(1, 8);
  enc2 = double(8, 16);
  bottom = double(16, 32);
  up2 = new nn.ConvTranspose2d(32, 16, 2, { stride: 2 });
  dec2 = double(32, 16); // 16 upsampled + 16 from enc2
  up1 = new nn.ConvTranspose2d(16, 8, 2, { stride: 2 });
  dec1 = double(16, 8);
  out = new nn.Conv2d(8, 1, 1); // per-pixel logit
  pool = new nn.MaxPool2d(2);
  forward(x: Tensor): Tensor {
    const e1 = this.enc1.call(x); // [N, 8, S, S]
    const e2 = this.enc2.call(this.pool.call(e1)); // [N, 16, S/2, S/2]
    const b = this.bottom.call(this.pool.call(e2)); // [N, 32, S/4, S/4]
    const d2 = this.dec2.call(cat([this.up2.call(b), e2], 1)); // skip connection
    const d1 = this.dec1.call(cat([this.up1.call(d2), e1], 1)); // skip connection
    return this.out.call(d1);
  }
}

function scores(pred: Tensor, mask: Tensor): { acc: number; iou: number } {
  const [p, m] = [pred.dataSync(), mask.dataSync()];
  let [correct, inter, union] = [0, 0, 0];
  for (let i = 0; i < p.length; i++) {
    correct += p[i] === m[i] ? 1 : 0;
    inter += p[i] && m[i] ? 1 : 0;
    union += p[i] || m[i] ? 1 : 0;
  }
  return { acc: correct / p.length, iou: inter / union };
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const S = fast ? 24 : 32;
  const train = shapes(fast ? 300 : 1200, S, 1);
  const test = shapes(100, S, 2);
  const model = new UNet();
  const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
  const lossFn = new nn.BCEWithLogitsLoss();
  const loader = new data.DataLoader(new data.TensorDataset(train.x, train.m), { batchSize: 16, shuffle: true, seed: 3 });
  const epochs = fast ? 6 : 15;
  for (let epoch = 0; epoch < epochs; epoch++)
    for (const [x, m] of loader) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x!), m!);
      loss.backward();
      opt.step();
    }
  const logits = noGrad(() => model.eval().call(test.x));
  const unet = scores(logits.gt(0), test.m.gt(0.5));
  let best = { t: 0, iou: 0 }; // the best global threshold, chosen on the test set itself (generous to the baseline)
  for (let t = 0; t <= 1; t += 0.05) {
    const s = scores(test.x.gt(t), test.m.gt(0.5));
    if (s.iou > best.iou) best = { t, iou: s.iou };
  }
  const file = outFile('11-unet-segmentation.png', fast);
  const show = (t: Tensor) => t.narrow(0, 0, 8).reshape([8, S, S]);
  await viz.savePNG(file, viz.imageGrid(cat([show(test.x), show(test.m), show(logits.sigmoid())]), { ncol: 8, scale: 4 })); // rows: input, truth, prediction
  const [accBar, iouBar] = fast ? [0.93, 0.7] : [0.97, 0.85];
  return {
    metrics: { pixel_accuracy: unet.acc, iou: unet.iou, threshold_iou: best.iou },
    files: [file],
    claims: [
      claim(`pixel accuracy ≥ ${accBar}`, unet.acc >= accBar, `${f(unet.acc, 4)} on 100 test images`),
      claim(`IoU ≥ ${iouBar}`, unet.iou >= iouBar, `${f(unet.iou, 4)}`),
      claim(
        'U-Net beats the best global threshold on IoU',
        unet.iou > best.iou,
        `${f(unet.iou, 4)} vs ${f(best.iou, 4)} (threshold ${f(best.t, 2)})`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
