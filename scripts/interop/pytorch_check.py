#!/usr/bin/env python3
"""PyTorch side of the `export --pytorch` round trip (run by scripts/interop/pytorch-ddp.ts).

    pytorch_check.py PYDIR REF.safetensors SPLIT

Imports the generated PYDIR/model.py and PYDIR/train_ddp.py, loads model.safetensors strictly, and
prints one JSON line: the largest |PyTorch − backprop| output difference on backprop's inputs
(REF: x, y), and the largest difference between train_ddp.py's own preprocessing of the first
len(x) samples of SPLIT and backprop's inputs.
"""
import json
import sys

import torch

pydir, ref_path, split = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, pydir)
import model as generated  # noqa: E402
import train_ddp  # noqa: E402

ref = generated.load_safetensors(ref_path)
m = generated.load_model(f"{pydir}/model.safetensors")
with torch.no_grad():
    out = m(ref["x"])
x_py, _ = train_ddp.load_split(split)
n = ref["x"].shape[0]
print(json.dumps({
    "outputs_max_abs_diff": float((out - ref["y"]).abs().max()),
    "inputs_max_abs_diff": float((x_py[:n] - ref["x"]).abs().max()),
    "n": n,
}))
