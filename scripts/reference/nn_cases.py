"""
The case machinery shared by gen_nn_extra.py and gen_nn_gaps.py: run an nn module on seeded inputs
under PyTorch, backpropagate a random upstream gradient, and record the case in nn.json's format
(see ../shared/reference/README.md). PyTorch is a development-time oracle only.
"""
import hashlib
import json
import sys

import torch

TOL = {
    "elementwise": {"rtol": 1.3e-6, "atol": 1e-5},
    "accumulate": {"rtol": 1e-5, "atol": 1e-5},
    "recurrent": {"rtol": 3e-5, "atol": 3e-5},
}


def enc(t):
    t = t.detach()
    if t.dtype == torch.bool:
        data = [bool(v) for v in t.flatten().tolist()]
        dt = "bool"
    elif t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.flatten().tolist()]
        dt = "int64"
    else:
        dt = "float64" if t.dtype == torch.float64 else "float32"
        data = []
        for v in t.flatten().tolist():
            if v != v:
                data.append("nan")
            elif v in (float("inf"), float("-inf")):
                data.append("inf" if v > 0 else "-inf")
            else:
                data.append(float(v))
    return {"shape": list(t.shape), "dtype": dt, "data": data}


def flat(o):
    if isinstance(o, (tuple, list)):
        return [x for e in o for x in flat(e)]
    if o is None:
        return []
    return [o]


def resolve(spec, inputs):
    if isinstance(spec, list):
        return tuple(resolve(s, inputs) for s in spec)
    if isinstance(spec, dict) and set(spec) == {"input"}:
        return inputs[spec["input"]]
    return spec


CASES = []


F64 = {"rtol": 1e-7, "atol": 1e-7}


def case(name, fn, build, args, kwargs, fwd_inputs, forward_args, forward_kwargs=None, mode="train", tol="accumulate",
         randomize=(), note=None, f64=False, norm_weight_mean=0.0):
    """build(*args, **kwargs) makes the module; fwd_inputs: {name: tensor}; float ones get gradients.
    `randomize` names parameters redrawn as N(0, 0.5²), 1-D weights (norm layers' scales) centred on
    `norm_weight_mean`. With f64, a float64 copy of the case (same values widened, name + '/f64') is added too."""
    opts = (mode, randomize, note, norm_weight_mean)
    one(name, fn, build, args, kwargs, fwd_inputs, forward_args, forward_kwargs, TOL[tol], False, *opts)
    if f64:
        one(name + "/f64", fn, build, args, kwargs, fwd_inputs, forward_args, forward_kwargs, F64, True, *opts)


def one(name, fn, build, args, kwargs, fwd_inputs, forward_args, forward_kwargs, tol, double, mode, randomize, note, norm_weight_mean):
    seed = int(hashlib.sha256(name.removesuffix("/f64").encode()).hexdigest()[:8], 16)
    torch.manual_seed(seed)
    m = build(*args, **kwargs)
    if double:
        m.double()
        fwd_inputs = {k: (v.double() if v.is_floating_point() else v) for k, v in fwd_inputs.items()}
    with torch.no_grad():
        for pname in randomize:
            p = dict(m.named_parameters())[pname]
            p.copy_(torch.randn_like(p) * 0.5 + (norm_weight_mean if pname.endswith("weight") and p.dim() == 1 else 0.0))
    m.train(mode == "train")
    sd = {k: v.detach().clone() for k, v in m.state_dict().items()}
    state_keys = list(sd.keys())
    inputs = {}
    for k, v in fwd_inputs.items():
        t = v.clone()
        if t.is_floating_point():
            t.requires_grad_(True)
        inputs[k] = t
    fa = [resolve(a, inputs) for a in forward_args]
    fk = {k: resolve(v, inputs) for k, v in (forward_kwargs or {}).items()}
    out = m(*fa, **fk)
    outs = flat(out)
    ups = [torch.randn_like(o) if o.is_floating_point() else None for o in outs]
    loss = sum((o * u).sum() for o, u in zip(outs, ups) if u is not None)
    loss.backward()
    grads = {k: enc(t.grad if t.grad is not None else torch.zeros_like(t)) for k, t in inputs.items() if t.is_floating_point()}
    for k, p in m.named_parameters():
        grads[k] = enc(p.grad if p.grad is not None else torch.zeros_like(p))
    c = {
        "name": name,
        "fn": fn,
        "args": args,
        "kwargs": kwargs,
        "inputs": {**{k: enc(v) for k, v in fwd_inputs.items()}, **{k: enc(v) for k, v in sd.items()}},
        "output": [enc(o) for o in outs] if len(outs) > 1 or isinstance(out, tuple) else enc(outs[0]),
        "grads": grads,
        "upstream": [enc(u) if u is not None else None for u in ups] if len(outs) > 1 or isinstance(out, tuple) else enc(ups[0]),
        "dtype": "float64" if double else "float32",
        "tol": tol,
        "forward_args": forward_args,
        "forward_kwargs": forward_kwargs or {},
        "mode": mode,
        "state_dict_keys": state_keys,
        "parameters": [k for k, _ in m.named_parameters()],
    }
    if mode == "train":
        after = {k: enc(v) for k, v in m.state_dict().items() if k not in dict(m.named_parameters())}
        if after:
            c["state_after"] = after
    if note:
        c["note"] = note
    CASES.append(c)


def rn(*shape):
    return torch.randn(*shape)


def emit():
    """Write the collected cases as one JSON line on stdout."""
    json.dump({"cases": CASES}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
