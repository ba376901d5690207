/**
 * Files written by PyTorch (regenerate with `node --import tsx scripts/interop/run.ts --fixtures`; the
 * safetensors files come from numpy, since Debian has no Python safetensors package): backprop loads
 * them and reproduces PyTorch's outputs without Python.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Tensor, importOnnx, loadSafetensors, loadSafetensorsWithMetadata, nn, noGrad } from '../../src/index.js';

const fx = (f: string) => fileURLToPath(new URL(`../fixtures/io/${f}`, import.meta.url));

class LastLSTM extends nn.Module {
  lstm = new nn.LSTM(3, 5, { batchFirst: true });
  fc = new nn.Linear(5, 2);
  forward(x: Tensor): Tensor {
    return this.fc.call(this.lstm.call(x)[0].select(1, -1));
  }
}
class LastBiGRU extends nn.Module {
  gru = new nn.GRU(3, 4, { batchFirst: true, bidirectional: true });
  fc = new nn.Linear(8, 2);
  forward(x: Tensor): Tensor {
    return this.fc.call(this.gru.call(x)[0].select(1, -1));
  }
}

class ViewCNN extends nn.Module {
  conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
  pool = new nn.AvgPool2d(2);
  up = new nn.Upsample({ scaleFactor: 2 });
  down = new nn.MaxPool2d(2);
  drop = new nn.Dropout(0.2);
  fc = new nn.Linear(4 * 3 * 3, 3);
  forward(x: Tensor): Tensor {
    const y = this.down.call(this.up.call(this.pool.call(this.conv.call(x).relu())));
    return this.fc.call(this.drop.call(y.view(y.shape[0]!, -1))).logSoftmax(1);
  }
}

const ARCH: Record<string, () => nn.Module> = {
  viewcnn: () => new ViewCNN(),
  lstm: () => new LastLSTM(),
  bigru: () => new LastBiGRU(),
  mlp: () => new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 3)),
  cnn: () =>
    new nn.Sequential(
      new nn.Conv2d(1, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(4 * 3 * 3, 3),
    ),
  ln: () => new nn.Sequential(new nn.Linear(6, 8), new nn.LayerNorm(8), new nn.GELU(), new nn.Linear(8, 2)),
};

function maxErr(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  return m;
}

describe('PyTorch-written files load and reproduce PyTorch outputs', () => {
  for (const name of Object.keys(ARCH)) {
    it(`${name}: torch state dict (safetensors) → loadStateDict(strict) → same outputs within 1e-5`, async () => {
      const { tensors, metadata } = await loadSafetensorsWithMetadata(fx(`torch-${name}.safetensors`));
      expect(metadata.trained_by).toBe('torch');
      const model = ARCH[name]!();
      model.loadStateDict(tensors);
      model.eval();
      const io = await loadSafetensors(fx(`torch-${name}-io.safetensors`));
      expect(maxErr(noGrad(() => model.call(io.x!)) as Tensor, io.y!)).toBeLessThanOrEqual(1e-5);
      if (name === 'cnn') expect(tensors['1.num_batches_tracked']!.dtype).toBe('int32'); // I64 in the file
    });
    it(`${name}: torch.onnx.export file → importOnnx → same outputs within 1e-5`, async () => {
      const m = await importOnnx(fx(`torch-${name}.onnx`));
      const io = await loadSafetensors(fx(`torch-${name}-io.safetensors`));
      expect(maxErr(noGrad(() => m.call(io.x!)) as Tensor, io.y!)).toBeLessThanOrEqual(1e-5);
      expect(m.parameters().length).toBeGreaterThan(0);
    });
  }
});
