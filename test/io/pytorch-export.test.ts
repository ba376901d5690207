/**
 * `export --pytorch` without Python: the generated model.py text (module tree and constructor calls),
 * refusals with the ONNX route, and the CLI's export/import wiring and errors. The PyTorch round trip
 * itself (strict load, outputs within 1e-5, torchrun DDP, import back) is `npm run test:interop`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackpropError,
  buildModel,
  init,
  loadSafetensors,
  manualSeed,
  nn,
  pytorchSource,
  saveSafetensors,
  type Tensor,
} from '../../src/index.js';
import { runCli } from '../../src/cli/program.js';

beforeAll(async () => {
  await init({ backend: 'js' });
});

describe('pytorchSource', () => {
  it('translates a zoo LeNet-5 into nn.Sequential with PyTorch constructor calls in order', () => {
    manualSeed(0);
    const py = pytorchSource(buildModel({ zoo: 'lenet5', inputShape: [1, 28, 28], numClasses: 10 }), { inputShape: [1, 28, 28] });
    expect(py).toContain('class Model(nn.Sequential):');
    expect(py).toContain('INPUT_SHAPE = [1, 28, 28]');
    const calls = [...py.matchAll(/^ {12}(nn\.\w+)\(/gm)].map((m) => m[1]);
    expect(calls).toEqual([
      'nn.Conv2d',
      'nn.ReLU',
      'nn.MaxPool2d',
      'nn.Conv2d',
      'nn.ReLU',
      'nn.MaxPool2d',
      'nn.Flatten',
      'nn.Linear',
      'nn.ReLU',
      'nn.Linear',
      'nn.ReLU',
      'nn.Linear',
    ]);
    expect(py).toContain('nn.Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))');
    expect(py).toContain('nn.Linear(in_features=84, out_features=10, bias=True)');
    expect(py).toContain('def load_safetensors(path):');
  });

  it('translates the zoo ResNet with its Python classes, nested Sequentials, and quoted string padding', () => {
    manualSeed(0);
    const py = pytorchSource(buildModel({ zoo: 'resnet-small', inputShape: [3, 16, 16], numClasses: 4 }));
    expect(py).toContain('class BasicBlock(nn.Module):');
    expect(py).toContain('class ResNetSmall(nn.Module):');
    expect(py).toContain('class Model(ResNetSmall):');
    expect(py).toContain('super().__init__(3, 4, blocks=1)');
    const nested = pytorchSource(
      new nn.Sequential(
        new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 'same' }), new nn.GELU({ approximate: 'tanh' })),
        new nn.Flatten(),
      ),
    );
    expect(nested).toContain("padding='same'");
    expect(nested).toContain("nn.GELU(approximate='tanh')");
    expect(nested).toMatch(/nn\.Sequential\(\n\s+nn\.Conv2d/);
  });

  it('writes the arguments PyTorch prints bare or leaves out (padding_mode, AvgPool2d options, Upsample, RNN nonlinearity)', () => {
    manualSeed(0);
    const py = pytorchSource(
      new nn.Sequential(
        new nn.Conv2d(1, 2, 3, { padding: 1, paddingMode: 'reflect' }),
        new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true, divisorOverride: 4 }),
        new nn.AvgPool2d(2),
        new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
        new nn.Upsample({ size: [4, 4] }),
      ),
    );
    expect(py).toContain("padding=(1, 1), padding_mode='reflect')");
    expect(py).toContain('nn.AvgPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=4)');
    expect(py).toContain(
      'nn.AvgPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)',
    );
    expect(py).toContain("nn.Upsample(scale_factor=2.0, mode='bilinear', align_corners=True)");
    expect(py).toContain("nn.Upsample(size=(4, 4), mode='nearest')");
    const rnn = pytorchSource(new nn.Sequential(new nn.RNN(3, 4, { nonlinearity: 'relu' })));
    expect(rnn).toContain("nn.RNN(3, 4, nonlinearity='relu')");
    expect(pytorchSource(new nn.Sequential(new nn.RNNCell(3, 4, { nonlinearity: 'relu' })))).toContain(
      "nn.RNNCell(3, 4, nonlinearity='relu')",
    );
  });

  it('translates the layers beyond the JSON-spec allow-list (Embedding, GroupNorm, ConvTranspose2d, Unflatten, LSTM, GRU, cells)', () => {
    manualSeed(0);
    const py = pytorchSource(
      new nn.Sequential(new nn.Embedding(10, 4, { paddingIdx: 0 }), new nn.LSTM(4, 3, { numLayers: 2, batchFirst: true })),
    );
    expect(py).toContain('nn.Embedding(10, 4, padding_idx=0)');
    expect(py).toContain('nn.LSTM(4, 3, num_layers=2, batch_first=True)');
    const conv = pytorchSource(
      new nn.Sequential(
        new nn.Unflatten(1, [2, 2, 2]),
        new nn.ConvTranspose2d(2, 4, 3, { stride: 2, outputPadding: 1 }),
        new nn.GroupNorm(2, 4),
        new nn.GRUCell(4, 2),
      ),
    );
    expect(conv).toContain('nn.Unflatten(dim=1, unflattened_size=(2, 2, 2))');
    expect(conv).toContain('nn.ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))');
    expect(conv).toContain('nn.GroupNorm(2, 4, eps=1e-05, affine=True)');
    expect(conv).toContain('nn.GRUCell(4, 2)');
  });

  it('translates TransformerEncoder(Layer) with all its settings, and refuses a stack PyTorch cannot copy from one layer', () => {
    manualSeed(0);
    const layer = () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', batchFirst: true, normFirst: true });
    const py = pytorchSource(new nn.Sequential(new nn.TransformerEncoder(layer, 3, { norm: new nn.LayerNorm(8) })));
    expect(py).toContain(
      "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, activation='gelu', layer_norm_eps=0.00001, batch_first=True, norm_first=True), 3, norm=nn.LayerNorm((8,), eps=1e-05, elementwise_affine=True), enable_nested_tensor=False)",
    );
    const mixed = new nn.TransformerEncoder((i) => new nn.TransformerEncoderLayer(8, i + 1, { dimFeedforward: 16 }), 2);
    expect(() => pytorchSource(new nn.Sequential(mixed))).toThrow(/layers differ in their settings.*--onnx/);
    const noBias = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, bias: false });
    expect(() => pytorchSource(new nn.Sequential(noBias))).toThrow(/without biases.*--onnx/);
  });

  it('translates a subclass of Sequential or of a layer that keeps its forward(), and refuses one that has its own', () => {
    manualSeed(0);
    class Net extends nn.Sequential {
      constructor() {
        super(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
      }
    }
    class Wide extends nn.Linear {}
    const py = pytorchSource(new nn.Sequential(new Net(), new Wide(2, 5)));
    expect(py).toMatch(/nn\.Sequential\(\n\s+nn\.Linear\(in_features=3, out_features=4, bias=True\),/);
    expect(py).toContain('nn.Linear(in_features=2, out_features=5, bias=True)');
    class Doubled extends nn.Sequential {
      override forward(x: Tensor): Tensor {
        return (super.forward(x) as Tensor).mul(2);
      }
    }
    expect(() => pytorchSource(new Doubled(new nn.Linear(2, 2)))).toThrow(/the model itself is a Doubled with its own forward\(\).*--onnx/);
    expect(() => pytorchSource(new nn.Sequential(new nn.MultiheadAttention(4, 2)))).toThrow(
      /'0' is a MultiheadAttention: it takes \(query, key, value\).*--onnx/,
    );
    expect(() => pytorchSource(new nn.ModuleList([new nn.Linear(2, 2)]))).toThrow(/a container without a forward\(\).*--onnx/);
  });

  it('refuses a module with a custom forward, naming it and the ONNX route', () => {
    class Twice extends nn.Module {
      fc = new nn.Linear(2, 2);
      forward(x: Tensor): Tensor {
        return this.fc.call(x).mul(2);
      }
    }
    const attempt = () => pytorchSource(new nn.Sequential(new nn.Linear(2, 2), new Twice()));
    expect(attempt).toThrow(BackpropError);
    try {
      attempt();
    } catch (e) {
      expect((e as BackpropError).code).toBe('E_PYTORCH_EXPORT');
      expect((e as Error).message).toMatch(/'1' is a Twice with its own forward\(\)/);
      expect((e as Error).message).toMatch(/--onnx/);
    }
  });
});

describe('backprop export --pytorch / import --safetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-pt-test-'));
  const io = () => {
    const lines: string[] = [];
    return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a CSV-trained JSON-spec model folder and imports weights back (strict)', async () => {
    const csv = join(dir, 'd.csv');
    writeFileSync(
      csv,
      'a,b,c,y\n' +
        Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${['x', 'z'][i % 2]},${i % 3 === 0 ? 'p' : 'q'}`).join('\n') +
        '\n',
    );
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Linear', args: [4, 3] }, { type: 'Tanh' }, { type: 'Linear', args: [3, 2] }] }));
    const model = join(dir, 'm');
    const a = io();
    expect(
      await runCli(
        [
          'node',
          'backprop',
          'train',
          '--dataset',
          csv,
          '--target',
          'y',
          '--model',
          spec,
          '--epochs',
          '1',
          '--out',
          model,
          '--no-progress',
          '--backend',
          'js',
        ],
        a.io,
      ),
    ).toBe(0);
    const meta = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
    expect(meta.training.optimizerOptions.lr).toBe(1e-3);
    const out = join(dir, 'py');
    const b = io();
    expect(await runCli(['node', 'backprop', 'export', '--model', model, '--pytorch', out], b.io)).toBe(0);
    for (const f of ['model.py', 'model.safetensors', 'train_ddp.py', 'README.md', 'data/train.csv', 'data/val.csv'])
      expect(existsSync(join(out, f))).toBe(true);
    const ddp = readFileSync(join(out, 'train_ddp.py'), 'utf8');
    expect(ddp).toContain('DistributedSampler');
    expect(ddp).toContain('"StandardScaler"');
    expect(ddp).toContain('"OneHotEncoder"');
    for (const flag of ['--epochs', '--max-steps', '--out', '--backend']) expect(ddp).toContain(`"${flag}"`);
    expect(
      readFileSync(join(out, 'data/train.csv'), 'utf8').split('\n').length +
        readFileSync(join(out, 'data/val.csv'), 'utf8').split('\n').length,
    ).toBe(40 + 4);

    // OUT/README.md: the torchrun command runs on Debian's torch 1.13 (non-zero --redirects), and the way
    // back is commands that run from anywhere (absolute paths; evaluate names the CSV a file-trained model needs)
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/^torchrun --standalone --nproc_per_node=2 --redirects 1 --tee 1 train_ddp\.py --epochs 5 --backend gloo/m);
    const back = [...readme.matchAll(/^backprop (import|evaluate) (.*)$/gm)].map((m) => [m[1]!, ...m[2]!.split(' ')]);
    expect(back.map((b) => b[0])).toEqual(['import', 'evaluate']);
    expect(back[1]).toEqual(['evaluate', '--model', resolve(model), '--dataset', resolve(csv)]);
    expect(readme).toContain('same samples as `python3 train_ddp.py --evaluate all --weights trained.safetensors`');
    writeFileSync(join(out, 'trained.safetensors'), readFileSync(join(model, 'model.safetensors')));
    for (const cmd of back) {
      const r = io();
      const args = cmd[0] === 'evaluate' ? [...cmd, '--backend', 'js'] : cmd;
      expect(await runCli(['node', 'backprop', ...args], r.io), r.lines.join('\n')).toBe(0);
    }

    // import: changed weights land in model.safetensors; mismatched names are refused
    const sd = await loadSafetensors(join(model, 'model.safetensors'));
    sd['0.bias'] = sd['0.bias']!.add(1);
    await saveSafetensors(sd, join(dir, 'trained.safetensors'));
    const c = io();
    expect(await runCli(['node', 'backprop', 'import', '--safetensors', join(dir, 'trained.safetensors'), '--model', model], c.io)).toBe(0);
    expect(Array.from((await loadSafetensors(join(model, 'model.safetensors')))['0.bias']!.dataSync())).toEqual(
      Array.from(sd['0.bias']!.dataSync()),
    );
    delete sd['2.weight'];
    await saveSafetensors(sd, join(dir, 'bad.safetensors'));
    const d = io();
    expect(await runCli(['node', 'backprop', 'import', '--safetensors', join(dir, 'bad.safetensors'), '--model', model], d.io)).toBe(1);
    expect(d.lines.join('\n')).toMatch(/does not fit the model/);
    const e = io();
    expect(await runCli(['node', 'backprop', 'import', '--safetensors', join(dir, 'bad.safetensors')], e.io)).toBe(2);
  });
});
