"""Real PyTorch models for `npm run test:interop`: torch.onnx.export at opsets 13 and 17 (17 only
for GridSample, which opset 13 lacks, and for the 0.5 GB VGG), eval mode,
random weights (BatchNorm statistics randomised too). For each model and opset it writes
<name>-op<opset>.onnx and <name>-op<opset>-io.safetensors (input x, PyTorch's output y) into <dir>.

    python3 torch_real_models.py <dir>
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_roundtrip import write_safetensors  # noqa: E402


class SelfAttention(nn.Module):
    """nn.MultiheadAttention used as self-attention (query = key = value), batch first."""

    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


class UNet(nn.Module):
    """A two-level U-Net whose decoder upsamples bilinearly (align_corners as given)."""

    def __init__(self, align_corners):
        super().__init__()

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())

        self.e1, self.e2, self.mid = block(3, 8), block(8, 16), block(16, 16)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=align_corners)
        self.d2, self.d1 = block(32, 8), block(16, 8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(self.pool(a))
        c = self.mid(self.pool(b))
        d = self.d2(torch.cat([self.up(c), b], 1))
        return self.head(self.d1(torch.cat([self.up(d), a], 1)))


class WarpByGrid(nn.Module):
    """A spatial-transformer-style warp: F.grid_sample of the input at a grid shifted by a predicted offset."""

    def __init__(self, mode, padding_mode):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 2)
        self.mode, self.padding_mode = mode, padding_mode

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        ys, xs = torch.meshgrid(torch.linspace(-1.1, 1.1, h), torch.linspace(-1.1, 1.1, w), indexing="ij")
        grid = torch.stack([xs, ys], -1).unsqueeze(0) + 0.3 * torch.tanh(self.fc(x.flatten(1))).view(-1, 1, 1, 2)
        return nn.functional.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding_mode, align_corners=False)


class Decoder(nn.Module):
    """nn.TransformerDecoder reading its input as the target and its first three steps as the memory."""

    def __init__(self):
        super().__init__()
        self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True), 2)

    def forward(self, x):
        return self.dec(x, x[:, :3])


class Detector(nn.Module):
    """SSDlite (torchvision detection: an If around batched NMS in the export) on one image, its
    detections as one [n, 6] tensor (box, score, label). The classification head is scaled up so the
    random-weight scores are distinct and the NMS/top-k selection is well defined."""

    def __init__(self):
        super().__init__()
        self.m = torchvision.models.detection.ssdlite320_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=5, score_thresh=0.2, detections_per_img=20)
        with torch.no_grad():
            for p in self.m.head.classification_head.parameters():
                p.mul_(4.0)

    def forward(self, x):
        o = self.m(x)[0]
        return torch.cat([o["boxes"], o["scores"].unsqueeze(1), o["labels"].unsqueeze(1).float()], 1)


class ReflectPad(nn.Module):
    """F.pad reflect / replicate on a 4-D input: exported with Slice ends of INT64_MIN."""

    def forward(self, x):
        return nn.functional.pad(x, (1, 2, 2, 1), mode="reflect") + nn.functional.pad(x, (1, 2, 2, 1), mode="replicate")


def models():
    """name → (constructor, input shape[, opsets]); opsets default to (13, 17)."""
    return {
        "transformer-encoder": (lambda: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True), 2), (2, 5, 16)),
        "multihead-attention": (SelfAttention, (2, 5, 16)),
        "shufflenet-v2": (lambda: torchvision.models.shufflenet_v2_x0_5(), (2, 3, 64, 64)),
        "mobilenet-v3-small": (lambda: torchvision.models.mobilenet_v3_small(), (2, 3, 64, 64)),
        "unet-bilinear-align": (lambda: UNet(True), (2, 3, 16, 16)),
        "unet-bilinear-noalign": (lambda: UNet(False), (2, 3, 16, 16)),
        # Slice ends of INT64_MAX / INT64_MIN (shifted windows, decoder memory slicing, F.pad)
        "swin-t": (lambda: torchvision.models.swin_t(), (1, 3, 64, 64)),
        "transformer-decoder": (Decoder, (2, 5, 16)),
        "pad-reflect-replicate": (ReflectPad, (2, 3, 8, 8)),
        # Conv3d (video)
        "r3d-18": (lambda: torchvision.models.video.r3d_18(), (1, 3, 4, 32, 32)),
        # GridSample exists from opset 16
        "grid-sample-bilinear-border": (lambda: WarpByGrid("bilinear", "border"), (2, 3, 8, 8), (17,)),
        "grid-sample-bicubic-reflection": (lambda: WarpByGrid("bicubic", "reflection"), (2, 3, 8, 8), (17,)),
        "ssdlite-detector": (Detector, (1, 3, 320, 320)),
        # a 25088x4096 classifier weight, over the default computed-tensor budget
        "vgg11-bn": (lambda: torchvision.models.vgg11_bn(), (1, 3, 224, 224), (17,)),
    }


def main(d):
    os.makedirs(d, exist_ok=True)
    ok = True
    for name, spec in models().items():
        make, shape = spec[0], spec[1]
        opsets = spec[2] if len(spec) > 2 else (13, 17)
        torch.manual_seed(0)
        m = make()
        with torch.no_grad():
            for mod in m.modules():
                if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                    mod.running_mean.uniform_(-0.5, 0.5)
                    mod.running_var.uniform_(0.5, 1.5)
        m.eval()
        x = torch.rand(*shape) if name == "ssdlite-detector" else torch.randn(*shape)
        with torch.no_grad():
            y = m(x)
        for opset in opsets:
            path = os.path.join(d, f"{name}-op{opset}.onnx")
            try:
                torch.onnx.export(m, (x,), path, input_names=["x"], output_names=["y"], opset_version=opset,
                                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
            except Exception as e:  # report and go on with the next model
                print(f"torch.onnx.export {name} opset {opset} FAILED: {type(e).__name__}: {e}")
                ok = False
                continue
            write_safetensors(os.path.join(d, f"{name}-op{opset}-io.safetensors"),
                              {"x": x.numpy().astype(np.float32), "y": y.numpy().astype(np.float32)})
            print(f"exported {name} at opset {opset}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1]) else 1)
