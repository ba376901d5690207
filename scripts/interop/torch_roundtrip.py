#!/usr/bin/env python3
"""PyTorch side of the backprop interop round trip (run by `npm run test:interop`).

Debian ships no Python `safetensors` package, so the format is read and written here with numpy,
struct and json: 8 bytes little-endian header length N, N bytes of JSON header
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then raw little-endian data.

Commands (DIR is a scratch folder shared with scripts/interop/run.ts):
  load-backprop DIR   load models trained by backprop, run them, compare with backprop's outputs
  train-torch DIR     train models in PyTorch and save weights, inputs and outputs for backprop
  check-onnx DIR      onnx.checker.check_model(full_check=True) on every DIR/onnx/*.onnx
  export-onnx DIR     export the torch-trained models to ONNX for backprop to import
"""
import glob
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
CODES = {np.dtype(v).name: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        b, en = e["data_offsets"]
        dt = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[base + b:base + en], dtype=dt).reshape(e["shape"]).astype(dt.newbyteorder("="))
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        a = np.array(tensors[name], order="C")  # not ascontiguousarray: it turns 0-d into 1-d
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": CODES[a.dtype.name], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def models():
    import torch
    import torch.nn as nn

    class LastLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 5, batch_first=True)
            self.fc = nn.Linear(5, 2)

        def forward(self, x):
            return self.fc(self.lstm(x)[0][:, -1])

    class LastBiGRU(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(3, 4, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(self.gru(x)[0][:, -1])

    class ViewCNN(nn.Module):
        """x.view(x.size(0), -1) makes torch export Shape/Gather/Unsqueeze/Concat/Reshape."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 4, 3, padding=1)
            self.pool = nn.AvgPool2d(2)
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.down = nn.MaxPool2d(2)
            self.drop = nn.Dropout(0.2)
            self.fc = nn.Linear(4 * 3 * 3, 3)

        def forward(self, x):
            y = self.down(self.up(self.pool(torch.relu(self.conv(x)))))
            return torch.log_softmax(self.fc(self.drop(y.view(y.size(0), -1))), dim=1)

    return {
        "viewcnn": ViewCNN,
        "lstm": LastLSTM,
        "bigru": LastBiGRU,
        "mlp": lambda: nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3)),
        "cnn": lambda: nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Flatten(), nn.Linear(4 * 3 * 3, 3)),
        "ln": lambda: nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 2)),
    }


def compare(name, got, want, tol=1e-5):
    err = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))) if want.size else 0.0
    ok = got.shape == want.shape and err <= tol
    print(f"  {name}: shape {list(got.shape)}, max error {err:.3g} {'OK' if ok else 'MISMATCH'}")
    return ok


def load_backprop(d):
    import torch
    ok = True
    for name, make in models().items():
        path = os.path.join(d, f"bp-{name}.safetensors")
        if not os.path.exists(path):
            continue
        sd, meta = read_safetensors(path)
        io, _ = read_safetensors(os.path.join(d, f"bp-{name}-io.safetensors"))
        m = make()
        state = {k: torch.from_numpy(v.copy()) for k, v in sd.items()}
        # load_state_dict(strict=True): our names and layouts must be PyTorch's exactly.
        m.load_state_dict(state, strict=True)
        m.eval()
        with torch.no_grad():
            y = m(torch.from_numpy(io["x"].copy())).numpy()
        print(f"backprop → torch {name} (metadata {meta})")
        ok &= compare(name, y, io["y"])
    return ok


def train_torch(d):
    import torch
    torch.manual_seed(0)
    for name, make in models().items():
        m = make()
        shape = {"mlp": (32, 4), "cnn": (16, 1, 8, 8), "ln": (32, 6), "lstm": (32, 6, 3), "bigru": (32, 6, 3),
                 "viewcnn": (16, 2, 6, 6)}[name]
        x = torch.randn(*shape)
        with torch.no_grad():
            target = torch.randn(shape[0], m(x).shape[1])
        opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
        m.train()
        for _ in range(20):
            opt.zero_grad()
            loss = ((m(x) - target) ** 2).mean()
            loss.backward()
            opt.step()
        m.eval()
        xt = torch.randn(*((5,) + shape[1:]))
        with torch.no_grad():
            y = m(xt)
        sd = {k: v.detach().cpu().numpy() for k, v in m.state_dict().items()}
        write_safetensors(os.path.join(d, f"pt-{name}.safetensors"), sd, {"format": "pt", "trained_by": "torch"})
        write_safetensors(os.path.join(d, f"pt-{name}-io.safetensors"), {"x": xt.numpy(), "y": y.numpy()})
        print(f"torch trained {name}: final loss {loss.item():.4f}, {len(sd)} tensors "
              f"({', '.join(f'{k}:{v.dtype}' for k, v in list(sd.items())[:4])} …)")
    return True


def export_onnx(d):
    import torch
    ok = True
    os.makedirs(os.path.join(d, "pt-onnx"), exist_ok=True)
    for name, make in models().items():
        m = make()
        sd, _ = read_safetensors(os.path.join(d, f"pt-{name}.safetensors"))
        m.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in sd.items()})
        m.eval()
        io, _ = read_safetensors(os.path.join(d, f"pt-{name}-io.safetensors"))
        x = torch.from_numpy(io["x"].copy())
        path = os.path.join(d, "pt-onnx", f"{name}.onnx")
        try:
            kwargs = dict(input_names=["input"], output_names=["output"], opset_version=17,
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
            try:
                torch.onnx.export(m, (x,), path, dynamo=False, **kwargs)
            except TypeError:
                torch.onnx.export(m, (x,), path, **kwargs)
            print(f"torch.onnx.export {name} → {path}")
        except Exception as e:  # the exporter needs optional packages on some torch builds
            print(f"torch.onnx.export {name} unavailable: {type(e).__name__}: {e}")
            ok = False
    return ok


def check_onnx(d):
    import onnx
    files = sorted(glob.glob(os.path.join(d, "onnx", "*.onnx")))
    if not files:
        print("no ONNX files to check")
        return False
    ok = True
    newest = onnx.defs.onnx_opset_version()
    checked = 0
    for f in files:
        try:
            model = onnx.load(f)
            opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
            if opset > newest:
                print(f"  SKIP {os.path.basename(f)}: opset {opset} is newer than this onnx {onnx.__version__} "
                      f"knows (opset {newest}); onnxruntime validates it in test/io/onnx-ort.test.ts")
                continue
            checked += 1
            onnx.checker.check_model(model, full_check=True)
            print(f"  check_model(full_check=True) OK: {os.path.basename(f)} (opset {model.opset_import[0].version}, "
                  f"{len(model.graph.node)} nodes)")
        except Exception as e:
            ok = False
            print(f"  check_model FAILED: {os.path.basename(f)}: {e}")
    print(f"{checked} of {len(files)} ONNX models checked")
    return ok


if __name__ == "__main__":
    cmd, d = sys.argv[1], sys.argv[2]
    fn = {"load-backprop": load_backprop, "train-torch": train_torch, "check-onnx": check_onnx,
          "export-onnx": export_onnx}[cmd]
    sys.exit(0 if fn(d) else 1)
