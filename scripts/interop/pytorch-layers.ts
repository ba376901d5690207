/**
 * `pytorchSource` on models built from backprop's layers and Sequential (the API route of
 * `export --pytorch`), part of `npm run test:interop` (needs /usr/bin/python3 with torch). Each model
 * is generated as model.py, its weights saved as safetensors, and PyTorch must load them strictly and
 * give backprop's eval-mode outputs within 1e-5 on the same inputs. The layers are chosen for the
 * arguments PyTorch's repr leaves out or prints unquoted (AvgPool2d's count_include_pad / ceil_mode /
 * divisor_override, padding_mode, Upsample's mode and align_corners, RNN's nonlinearity), and the
 * layers beyond the JSON-spec allow-list (Embedding, GroupNorm, ConvTranspose2d, Unflatten, RNN, LSTM,
 * GRU, cells).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, manualSeed, nn, noGrad, pytorchSource, randint, randn, saveSafetensors, Tensor } from '../../src/index.js';

const PY = process.env.PYTHON ?? '/usr/bin/python3';
const root = mkdtempSync(join(tmpdir(), 'bp-pytorch-layers-'));
let failures = 0;

const CHECK_PY = `
import json, sys
import torch
sys.path.insert(0, sys.argv[1])
import model as generated
m = generated.load_model(sys.argv[1] + "/model.safetensors")
ref = generated.load_safetensors(sys.argv[2])
x = ref["x"]
if not x.is_floating_point():
    x = x.long()
with torch.no_grad():
    out = m(x)
def flat(o):
    if isinstance(o, (tuple, list)):
        return [t for e in o for t in flat(e)]
    return [o]
outs = flat(out)
ys = [ref[f"y{i}"] for i in range(len([k for k in ref if k.startswith("y")]))]
assert len(outs) == len(ys), (len(outs), len(ys))
print(json.dumps({"max_abs_diff": max(float((a - b).abs().max()) for a, b in zip(outs, ys)), "shapes": [list(a.shape) for a in outs]}))
`;

function flat(o: unknown): Tensor[] {
  return Array.isArray(o) ? o.flatMap(flat) : [o as Tensor];
}

const cases: [string, () => nn.Module, () => Tensor][] = [
  [
    'AvgPool2d (count_include_pad=False, ceil_mode, divisor_override)',
    () =>
      new nn.Sequential(
        new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
        new nn.AvgPool2d(2, { divisorOverride: 3 }),
        new nn.Flatten(),
      ),
    () => randn([3, 2, 9, 11]),
  ],
  [
    'Conv2d padding_mode reflect / circular, Upsample bilinear (align_corners) and nearest',
    () =>
      new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 1, paddingMode: 'reflect' }),
        new nn.Conv2d(4, 4, 3, { padding: 'same', paddingMode: 'circular' }),
        new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
        new nn.Upsample({ size: [7, 5] }),
        new nn.Flatten(),
      ),
    () => randn([3, 2, 9, 11]),
  ],
  [
    "padding='same' with an even kernel, dilated MaxPool2d with ceil_mode, BatchNorm momentum=None / no running stats, LayerNorm over 2 dims",
    () =>
      new nn.Sequential(
        new nn.Conv2d(2, 3, 4, { padding: 'same', dilation: 2 }),
        new nn.BatchNorm2d(3, { momentum: null }),
        new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }),
        new nn.BatchNorm2d(3, { trackRunningStats: false, affine: false }),
        new nn.LayerNorm([4, 5]),
        new nn.Flatten(),
      ),
    () => randn([3, 2, 9, 11]),
  ],
  [
    'GroupNorm, ConvTranspose2d (output_padding), Unflatten',
    () =>
      new nn.Sequential(
        new nn.Flatten(),
        new nn.Linear(12, 32),
        new nn.Unflatten(1, [8, 2, 2]),
        new nn.ConvTranspose2d(8, 6, 3, { stride: 2, padding: 1, outputPadding: 1 }),
        new nn.GroupNorm(3, 6),
        new nn.SiLU(),
        new nn.Flatten(),
      ),
    () => randn([4, 3, 4]),
  ],
  [
    'Conv1d (padding_mode replicate) on sequences',
    () => new nn.Sequential(new nn.Conv1d(3, 5, 3, { padding: 1, paddingMode: 'replicate' }), new nn.ReLU(), new nn.Flatten()),
    () => randn([2, 3, 10]),
  ],
  [
    'Embedding → LSTM (2 layers, batch_first)',
    () => new nn.Sequential(new nn.Embedding(20, 6, { paddingIdx: 0 }), new nn.LSTM(6, 5, { numLayers: 2, batchFirst: true })),
    () => randint(0, 20, [3, 7]),
  ],
  [
    'Embedding → GRU (bidirectional)',
    () => new nn.Sequential(new nn.Embedding(15, 4), new nn.GRU(4, 3, { bidirectional: true })),
    () => randint(0, 15, [6, 2]),
  ],
  ['RNN (relu)', () => new nn.Sequential(new nn.RNN(4, 6, { nonlinearity: 'relu' })), () => randn([5, 2, 4])],
  [
    'RNNCell (relu) → Linear',
    () => new nn.Sequential(new nn.RNNCell(4, 6, { nonlinearity: 'relu' }), new nn.Linear(6, 2)),
    () => randn([3, 4]),
  ],
  ['GRUCell, LSTMCell', () => new nn.Sequential(new nn.GRUCell(4, 6), new nn.LSTMCell(6, 3)), () => randn([3, 4])],
  [
    'TransformerEncoder (2 post-norm layers, gelu, final LayerNorm)',
    () =>
      new nn.Sequential(
        new nn.Linear(5, 8),
        new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', dropout: 0.2 }), 2, {
          norm: new nn.LayerNorm(8),
        }),
      ),
    () => randn([6, 3, 5]),
  ],
  [
    'TransformerEncoderLayer (batch_first, norm_first, relu)',
    () =>
      new nn.Sequential(
        new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, batchFirst: true, normFirst: true, layerNormEps: 1e-6 }),
      ),
    () => randn([3, 5, 8]),
  ],
];

/** A model class that only assembles layers: translated as the Sequential it is. */
class SmallNet extends nn.Sequential {
  constructor() {
    super(new nn.Conv2d(1, 3, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 4 * 4, 2));
  }
}
cases.push(['a Sequential subclass that keeps its forward()', () => new SmallNet(), () => randn([2, 1, 6, 6])]);

await init();
for (const [name, make, input] of cases) {
  const dir = join(root, name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  try {
    manualSeed(7);
    const model = make();
    const x = input();
    model.eval();
    const ys = flat(noGrad(() => model.call(x)));
    writeFileSync(join(dir, 'model.py'), pytorchSource(model, { inputShape: x.shape.slice(1) }));
    await saveSafetensors(model.stateDict() as Record<string, Tensor>, join(dir, 'model.safetensors'));
    await saveSafetensors({ x, ...Object.fromEntries(ys.map((y, i) => [`y${i}`, y])) }, join(dir, 'ref.safetensors'));
    const r = spawnSync(PY, ['-c', CHECK_PY, dir, join(dir, 'ref.safetensors')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr.slice(-2000));
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { max_abs_diff: number; shapes: number[][] };
    const ok = res.max_abs_diff <= 1e-5;
    if (!ok) failures++;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${name} — max |Δ| ${res.max_abs_diff.toExponential(2)}, outputs ${JSON.stringify(res.shapes)}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name} — ${(e as Error).message}`);
  }
}
if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
else console.log(`kept ${root}`);
console.log(`\npytorch layers: ${failures === 0 ? 'all checks passed' : `${failures} failed`}`);
process.exitCode = failures ? 1 : 0;
