/**
 * PyTorch source for the model zoo's own classes (ResNetSmall, BasicBlock), plugged into the generic
 * generator of io/pytorch, and `pytorchSource(model)`: the whole `model.py` for any model built from
 * backprop's layers, Sequential and the zoo.
 */
import { pytorchModelSource, type PyTranslator } from '../io/pytorch/generate.js';
import type { Module } from '../nn/module.js';
import type { Conv2d, Linear } from '../nn/layers/index.js';
import type { Sequential } from '../nn/containers.js';
import { BasicBlock, ResNetSmall } from './models.js';

const BASIC_BLOCK_PY = `class BasicBlock(nn.Module):
    """conv3 → BN → ReLU → conv3 → BN, plus a (projected) shortcut, then ReLU (backprop's BasicBlock)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + self.shortcut(x))
`;

const RESNET_SMALL_PY = `class ResNetSmall(nn.Module):
    """stem conv3(16) → 3 stages of basic blocks (16, 32/2, 64/2) → global average pool → Linear (backprop's ResNetSmall)."""

    def __init__(self, in_channels, num_classes, blocks=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())

        def stage(i, o, s):
            return nn.Sequential(*[BasicBlock(i if k == 0 else o, o, s if k == 0 else 1) for k in range(blocks)])

        self.layer1 = stage(16, 16, 1)
        self.layer2 = stage(16, 32, 2)
        self.layer3 = stage(32, 64, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        h = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(h), 1))
`;

/** Translators for the zoo classes whose forward is hand-written in TypeScript (and here in Python). */
export const ZOO_PYTORCH_TRANSLATORS = new Map<abstract new (...args: never[]) => Module, PyTranslator>([
  [
    BasicBlock,
    (m) => {
      const b = m as BasicBlock;
      return {
        ctor: 'BasicBlock',
        args: `${b.conv1.inChannels}, ${b.conv1.outChannels}, stride=${b.conv1.stride[0]}`,
        classes: { BasicBlock: BASIC_BLOCK_PY },
      };
    },
  ],
  [
    ResNetSmall,
    (m) => {
      const r = m as ResNetSmall;
      const inC = (r.stem.at(0) as Conv2d).inChannels;
      const blocks = (r.layer1 as Sequential).children().length;
      return {
        ctor: 'ResNetSmall',
        args: `${inC}, ${(r.fc as Linear).outFeatures}, blocks=${blocks}`,
        classes: { BasicBlock: BASIC_BLOCK_PY, ResNetSmall: RESNET_SMALL_PY },
      };
    },
  ],
]);

/**
 * The Python source of a PyTorch `nn.Module` equivalent to `model` (module tree, parameter names and
 * layouts as in backprop, so `model.safetensors` loads strictly): backprop's layers, `Sequential` and
 * the zoo models translate; a module with a custom `forward` is refused (NotSupportedError,
 * code E_PYTORCH_EXPORT) with the ONNX route as the alternative.
 *
 * ```ts
 * const py = pytorchSource(new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3)), { inputShape: [4] });
 * ```
 */
export function pytorchSource(model: Module, opts: { inputShape?: readonly number[]; title?: string } = {}): string {
  return pytorchModelSource(model, { ...opts, translators: ZOO_PYTORCH_TRANSLATORS });
}
