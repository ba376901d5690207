"""Real PyTorch models for `npm run test:interop`: torch.onnx.export at opsets 13 and 17, eval mode,
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


def models():
    return {
        "transformer-encoder": (lambda: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True), 2), (2, 5, 16)),
        "multihead-attention": (SelfAttention, (2, 5, 16)),
        "shufflenet-v2": (lambda: torchvision.models.shufflenet_v2_x0_5(), (2, 3, 64, 64)),
        "mobilenet-v3-small": (lambda: torchvision.models.mobilenet_v3_small(), (2, 3, 64, 64)),
        "unet-bilinear-align": (lambda: UNet(True), (2, 3, 16, 16)),
        "unet-bilinear-noalign": (lambda: UNet(False), (2, 3, 16, 16)),
    }


def main(d):
    os.makedirs(d, exist_ok=True)
    ok = True
    for name, (make, shape) in models().items():
        torch.manual_seed(0)
        m = make()
        with torch.no_grad():
            for mod in m.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.5, 0.5)
                    mod.running_var.uniform_(0.5, 1.5)
        m.eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = m(x)
        for opset in (13, 17):
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
