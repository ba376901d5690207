"""PyTorch side of `npm run bench`: a line-oriented server so trials interleave with backprop's and
TF.js's in the same run. Each request is one JSON line {"w": workload, "n": steps, ...}; the reply is
{"seconds": wall time} (or {"error": ...}). Workloads mirror bench/models.ts exactly."""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
DATA = None
STATE = {}


def load_data(path):
    global DATA
    raw = open(path, "rb").read()
    n = len(raw) // (784 * 4 + 4)
    x = torch.frombuffer(bytearray(raw[: n * 784 * 4]), dtype=torch.float32).reshape(n, 784)
    y = torch.frombuffer(bytearray(raw[n * 784 * 4 :]), dtype=torch.int32).long()
    DATA = (x, y)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def cnn():
    """The CLI's Fashion-MNIST `cnn` (src/train/models.ts), layer for layer."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10))


MODELS = {"mlp": mlp, "lenet": lenet, "cnn": cnn}


def trainer(kind, batch):
    key = (kind, batch)
    if key not in STATE:
        torch.manual_seed(1)
        model = MODELS[kind]()
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        STATE[key] = (model, opt, [0])
    return STATE[key]


def train(kind, batch, steps):
    model, opt, it = trainer(kind, batch)
    x_all, y_all = DATA
    nb = x_all.shape[0] // batch
    t0 = time.perf_counter()
    for _ in range(steps):
        b = it[0] % nb
        it[0] += 1
        x = x_all[b * batch : (b + 1) * batch]
        if kind != "mlp":
            x = x.view(batch, 1, 28, 28)
        y = y_all[b * batch : (b + 1) * batch]
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    loss.item()
    return time.perf_counter() - t0


def infer(steps):
    model, _, _ = trainer("mlp", 1)
    x_all = DATA[0]
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(steps):
            out = model(x_all[i % 100 : i % 100 + 1])
            out[0, 0].item()
    return time.perf_counter() - t0


def sgemm(n, steps, threads):
    torch.set_num_threads(threads)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    t0 = time.perf_counter()
    for _ in range(steps):
        torch.mm(a, b)
    dt = time.perf_counter() - t0
    torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
    return dt


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": torch.__config__.show().split("\n")[:0] and "" or ""}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            w = req["w"]
            if w == "data":
                load_data(req["path"])
                secs = 0.0
            elif w == "train":
                secs = train(req["kind"], req["batch"], req["n"])
            elif w == "infer":
                secs = infer(req["n"])
            elif w == "sgemm":
                secs = sgemm(req["size"], req["n"], req.get("threads", 1))
            else:
                raise ValueError("unknown workload " + w)
            print(json.dumps({"seconds": secs}), flush=True)
        except Exception as e:  # report, keep serving
            print(json.dumps({"error": repr(e)}), flush=True)


if __name__ == "__main__":
    main()
