/**
 * `npm run test:interop` — the PyTorch round trip (needs /usr/bin/python3 with python3-torch and
 * python3-onnx; `npm test` never runs this).
 *
 * 1. backprop trains three models (MLP; CNN with BatchNorm; LayerNorm+GELU), saves them as
 *    safetensors; PyTorch loads them with load_state_dict(strict=True) and reproduces the outputs.
 * 2. PyTorch trains the same architectures and saves safetensors (written with numpy); backprop loads
 *    them with loadStateDict and reproduces PyTorch's outputs.
 * 3. Every model of the ONNX test zoo plus the trained models is exported and passes
 *    onnx.checker.check_model(full_check=True).
 * 4. PyTorch's own ONNX export of its trained models is imported by backprop and reproduces the outputs
 *    (skipped with a notice when this torch build cannot export).
 * 5. Real models exported by torch.onnx.export at opsets 13 and 17 (torch_real_models.py:
 *    TransformerEncoder, MultiheadAttention, ShuffleNetV2, MobileNetV3-small, bilinear U-Nets with
 *    align_corners true and false, Swin-T, TransformerDecoder, F.pad reflect/replicate, R3D-18,
 *    grid_sample warps, SSDlite detection and VGG11-BN; grid_sample and VGG at opset 17 only) are
 *    imported and match PyTorch within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, Tensor, exportOnnx, importOnnx, loadSafetensors, nn, noGrad, optim, randn, saveSafetensors } from '../../src/index.js';
import { ZOO } from '../../test/io/onnx-models.js';

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYTHON ?? '/usr/bin/python3';
const TOL = 1e-5;
const keep = process.argv.includes('--keep');
/** `--fixtures`: also refresh test/fixtures/io (PyTorch-written files that `npm test` loads without Python). */
const fixtures = process.argv.includes('--fixtures');
const dir = mkdtempSync(join(tmpdir(), 'bp-interop-'));
let failures = 0;

function py(cmd: string): boolean {
  const r = spawnSync(PY, [join(here, 'torch_roundtrip.py'), cmd, dir], { stdio: 'inherit' });
  if (r.error) {
    console.error(`cannot run ${PY}: ${r.error.message}`);
    return false;
  }
  return r.status === 0;
}

function check(what: string, ok: boolean): void {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

function maxErr(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  return m;
}

class LastLSTM extends nn.Module {
  lstm: nn.LSTM;
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.lstm = new nn.LSTM(3, 5, { batchFirst: true, rng });
    this.fc = new nn.Linear(5, 2, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.fc.call(this.lstm.call(x)[0].select(1, -1));
  }
}

class LastBiGRU extends nn.Module {
  gru: nn.GRU;
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.gru = new nn.GRU(3, 4, { batchFirst: true, bidirectional: true, rng });
    this.fc = new nn.Linear(8, 2, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.fc.call(this.gru.call(x)[0].select(1, -1));
  }
}

class ViewCNN extends nn.Module {
  conv: nn.Conv2d;
  pool = new nn.AvgPool2d(2);
  up = new nn.Upsample({ scaleFactor: 2 });
  down = new nn.MaxPool2d(2);
  drop = new nn.Dropout(0.2);
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.conv = new nn.Conv2d(2, 4, 3, { padding: 1, rng });
    this.fc = new nn.Linear(4 * 3 * 3, 3, { rng });
  }
  forward(x: Tensor): Tensor {
    const y = this.down.call(this.up.call(this.pool.call(this.conv.call(x).relu())));
    return this.fc.call(this.drop.call(y.view(y.shape[0]!, -1))).logSoftmax(1);
  }
}

const ARCH: Record<string, { build: (rng: Rng) => nn.Module; shape: number[]; outF: number }> = {
  viewcnn: { build: (rng) => new ViewCNN(rng), shape: [16, 2, 6, 6], outF: 3 },
  lstm: { build: (rng) => new LastLSTM(rng), shape: [32, 6, 3], outF: 2 },
  bigru: { build: (rng) => new LastBiGRU(rng), shape: [32, 6, 3], outF: 2 },
  mlp: {
    build: (rng) => new nn.Sequential(new nn.Linear(4, 16, { rng }), new nn.Tanh(), new nn.Linear(16, 3, { rng })),
    shape: [32, 4],
    outF: 3,
  },
  cnn: {
    build: (rng) =>
      new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { rng }),
        new nn.BatchNorm2d(4),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(4 * 3 * 3, 3, { rng }),
      ),
    shape: [16, 1, 8, 8],
    outF: 3,
  },
  ln: {
    build: (rng) => new nn.Sequential(new nn.Linear(6, 8, { rng }), new nn.LayerNorm(8), new nn.GELU(), new nn.Linear(8, 2, { rng })),
    shape: [32, 6],
    outF: 2,
  },
};

async function main(): Promise<void> {
  console.log(`interop scratch folder: ${dir}`);
  // 1. backprop → PyTorch
  for (const [name, a] of Object.entries(ARCH)) {
    const rng = new Rng(7);
    const model = a.build(rng);
    const x = randn(a.shape, { rng });
    const target = randn([a.shape[0]!, a.outF], { rng });
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    model.train();
    let loss = 0;
    for (let step = 0; step < 20; step++) {
      opt.zeroGrad();
      const l = (model.call(x) as Tensor).sub(target).square().mean();
      l.backward();
      opt.step();
      loss = l.item();
    }
    model.eval();
    const xt = randn([5, ...a.shape.slice(1)], { rng });
    const y = noGrad(() => model.call(xt)) as Tensor;
    await saveSafetensors(model.stateDict(), join(dir, `bp-${name}.safetensors`), {
      metadata: { format: 'pt', trained_by: 'backprop' },
      intDType: 'I64',
    });
    await saveSafetensors({ x: xt, y }, join(dir, `bp-${name}-io.safetensors`));
    console.log(`backprop trained ${name}: final loss ${loss.toFixed(4)}`);
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'onnx', `trained-${name}.onnx`), exportOnnx(model, xt));
  }
  check('PyTorch loads backprop-trained safetensors (strict names/layouts) and reproduces the outputs', py('load-backprop'));

  // 2. PyTorch → backprop
  const trained = py('train-torch');
  check('PyTorch trains and writes safetensors', trained);
  if (trained)
    for (const [name, a] of Object.entries(ARCH)) {
      const model = a.build(new Rng(1));
      const sd = await loadSafetensors(join(dir, `pt-${name}.safetensors`));
      model.loadStateDict(sd);
      model.eval();
      const io = await loadSafetensors(join(dir, `pt-${name}-io.safetensors`));
      const y = noGrad(() => model.call(io.x!)) as Tensor;
      const err = maxErr(y, io.y!);
      check(
        `backprop loads torch-trained ${name} (${Object.keys(sd).length} tensors) and matches torch: max error ${err.toExponential(2)}`,
        err <= TOL,
      );
    }

  // 3. onnx.checker on every exported model
  ZOO.forEach((z) => {
    const rng = new Rng(3);
    const m = z.build(rng);
    m.eval();
    writeFileSync(
      join(dir, 'onnx', `${z.name}.onnx`),
      exportOnnx(m, z.input(2, rng), { ...(z.opset ? { opset: z.opset } : {}), dynamicBatch: z.dynamicBatch ?? true }),
    );
  });
  check(
    `every exported ONNX model (${ZOO.length + Object.keys(ARCH).length}; those newer than the installed onnx knows are skipped) passes onnx.checker.check_model(full_check=True)`,
    py('check-onnx'),
  );

  // 4. torch.onnx.export → importOnnx
  if (trained && py('export-onnx')) {
    for (const name of Object.keys(ARCH)) {
      const p = join(dir, 'pt-onnx', `${name}.onnx`);
      if (!existsSync(p)) continue;
      const m = await importOnnx(p);
      const io = await loadSafetensors(join(dir, `pt-${name}-io.safetensors`));
      const err = maxErr(noGrad(() => m.call(io.x!)) as Tensor, io.y!);
      check(`backprop imports torch.onnx.export(${name}) and matches torch: max error ${err.toExponential(2)}`, err <= TOL);
    }
  } else console.log('NOTE torch.onnx.export is unavailable in this torch build; ONNX import from PyTorch not exercised');

  // 5. Real models: torch.onnx.export at opsets 13 and 17 (TransformerEncoder, MultiheadAttention,
  //    ShuffleNetV2, MobileNetV3-small, bilinear U-Nets with align_corners true/false, Swin-T,
  //    TransformerDecoder, F.pad reflect/replicate, R3D-18, grid_sample warps, SSDlite, VGG11-BN) → importOnnx.
  const real = join(dir, 'real');
  const exported = spawnSync(PY, [join(here, 'torch_real_models.py'), real], { stdio: 'inherit' });
  check('torch.onnx.export of the real models (opsets 13 and 17)', exported.status === 0);
  if (existsSync(real))
    for (const f of readdirSync(real)
      .filter((f) => f.endsWith('.onnx'))
      .sort()) {
      const m = await importOnnx(join(real, f));
      const io = await loadSafetensors(join(real, f.replace(/\.onnx$/, '-io.safetensors')));
      const err = maxErr(noGrad(() => m.call(io.x!)) as Tensor, io.y!);
      check(`backprop imports ${f} and matches PyTorch: max error ${err.toExponential(2)} (bar 1e-4)`, err <= 1e-4);
    }

  if (fixtures && !failures) {
    const fx = join(here, '..', '..', 'test', 'fixtures', 'io');
    mkdirSync(fx, { recursive: true });
    for (const name of Object.keys(ARCH)) {
      copyFileSync(join(dir, `pt-${name}.safetensors`), join(fx, `torch-${name}.safetensors`));
      copyFileSync(join(dir, `pt-${name}-io.safetensors`), join(fx, `torch-${name}-io.safetensors`));
      const onnx = join(dir, 'pt-onnx', `${name}.onnx`);
      if (existsSync(onnx)) copyFileSync(onnx, join(fx, `torch-${name}.onnx`));
    }
    console.log(`fixtures written to ${fx}`);
  }
}

main()
  .catch((e) => {
    console.error(e);
    failures++;
  })
  .finally(() => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    console.log(failures ? `${failures} interop check(s) FAILED` : 'all interop checks passed');
    process.exit(failures ? 1 : 0);
  });
