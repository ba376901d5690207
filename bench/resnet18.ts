/**
 * torchvision's resnet18 (He et al. 2016; torchvision.models.resnet18, 11.7 M parameters) written with
 * backprop's public API, module for module and name for name — conv1/bn1/relu/maxpool, layer1–layer4
 * of two BasicBlocks (conv1/bn1/relu/conv2/bn2, downsample = 1×1 conv + BN where the shape changes),
 * avgpool, fc — so its state dict has torchvision's keys. Seeded weights, random BN statistics (so
 * inference is not an identity); the bench exports it with backprop's ONNX exporter and times the one
 * file in backprop (importOnnx) and onnxruntime-node.
 */
import * as bp from './backprop.js';

const { nn } = bp;

class BasicBlock extends nn.Module {
  conv1: bp.nn.Conv2d;
  bn1: bp.nn.BatchNorm2d;
  relu: bp.nn.ReLU;
  conv2: bp.nn.Conv2d;
  bn2: bp.nn.BatchNorm2d;
  downsample: bp.nn.Sequential | null;
  constructor(inC: number, outC: number, stride: number, rng: bp.Rng) {
    super();
    this.conv1 = new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false, rng });
    this.bn1 = new nn.BatchNorm2d(outC);
    this.relu = new nn.ReLU();
    this.conv2 = new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false, rng });
    this.bn2 = new nn.BatchNorm2d(outC);
    this.downsample =
      stride !== 1 || inC !== outC
        ? new nn.Sequential(new nn.Conv2d(inC, outC, 1, { stride, bias: false, rng }), new nn.BatchNorm2d(outC))
        : null;
  }
  forward(x: bp.Tensor): bp.Tensor {
    const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
    const identity = this.downsample ? (this.downsample.call(x) as bp.Tensor) : x;
    return this.relu.call(out.add(identity));
  }
}

export class ResNet18 extends nn.Module {
  conv1: bp.nn.Conv2d;
  bn1: bp.nn.BatchNorm2d;
  relu: bp.nn.ReLU;
  maxpool: bp.nn.MaxPool2d;
  layer1: bp.nn.Sequential;
  layer2: bp.nn.Sequential;
  layer3: bp.nn.Sequential;
  layer4: bp.nn.Sequential;
  avgpool: bp.nn.AdaptiveAvgPool2d;
  fc: bp.nn.Linear;
  constructor(numClasses = 1000, seed = 1) {
    super();
    const rng = new bp.Rng(seed);
    this.conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, rng });
    this.bn1 = new nn.BatchNorm2d(64);
    this.relu = new nn.ReLU();
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    const stage = (i: number, o: number, s: number) => new nn.Sequential(new BasicBlock(i, o, s, rng), new BasicBlock(o, o, 1, rng));
    this.layer1 = stage(64, 64, 1);
    this.layer2 = stage(64, 128, 2);
    this.layer3 = stage(128, 256, 2);
    this.layer4 = stage(256, 512, 2);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.fc = new nn.Linear(512, numClasses, { rng });
    // running statistics away from (0, 1), as in a trained network
    bp.noGrad(() => {
      for (const m of this.modules()) {
        if (!(m instanceof nn.BatchNorm2d)) continue;
        const c = m.numFeatures;
        m.runningMean!.copy_(bp.randn([c], { rng }).mul(0.1));
        m.runningVar!.copy_(bp.rand([c], { rng }).add(0.5));
      }
    });
  }
  forward(x: bp.Tensor): bp.Tensor {
    let h = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x)))) as bp.Tensor;
    for (const l of [this.layer1, this.layer2, this.layer3, this.layer4]) h = l.call(h) as bp.Tensor;
    return this.fc.call((this.avgpool.call(h) as bp.Tensor).flatten(1));
  }
}

/** resnet18 in eval mode exported to ONNX (opset 17) at 1×3×224×224: the bytes both runtimes load. */
export function resnet18Onnx(seed = 1): { bytes: Uint8Array; input: bp.Tensor; model: ResNet18 } {
  const model = new ResNet18(1000, seed);
  model.eval();
  const input = bp.randn([1, 3, 224, 224], { rng: new bp.Rng(seed + 1) });
  return { bytes: bp.exportOnnx(model, input), input, model };
}
