"""
PyTorch golden cases for the nn features that closed the README's known gaps (issue 14 item 6):
conv padding_mode reflect/replicate/circular, Upsample/F.interpolate bilinear and bicubic with
align_corners, Embedding max_norm, LSTM proj_size, packed sequences (pack_padded_sequence →
RNN → pad_packed_sequence), MultiheadAttention add_bias_kv/add_zero_attn, CyclicLR, and
F.gelu(approximate='tanh'). Module cases use nn.json's case format (scripts/reference/nn.ts runs
them), CyclicLR uses sched.json's, the gelu case ops.json's.

PyTorch is a development-time oracle only; the tests read the JSON. Regenerate with Debian's PyTorch:
    /usr/bin/python3 scripts/reference/gen_nn_gaps.py > test/nn/fixtures/nn-gaps.json
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nn_cases import CASES, F64, case, emit, enc, rn

torch.set_num_threads(1)


SCHED = {"rtol": 1e-9, "atol": 1e-12}


X = [{"input": "input"}]
torch.manual_seed(0)

# ---- conv padding modes
for mode in ["reflect", "replicate", "circular"]:
    case(f"gaps/Conv2d/padding_mode_{mode}", "torch.nn.Conv2d", nn.Conv2d, [2, 3, 3], {"padding": [1, 2], "padding_mode": mode},
         {"input": rn(2, 2, 5, 6)}, X, f64=(mode == "reflect"))
    case(f"gaps/Conv1d/padding_mode_{mode}_s2", "torch.nn.Conv1d", nn.Conv1d, [2, 3, 3], {"padding": 2, "stride": 2, "padding_mode": mode},
         {"input": rn(2, 2, 7)}, X)
case("gaps/Conv2d/padding_mode_circular_same_dil2", "torch.nn.Conv2d", nn.Conv2d, [2, 2, 3],
     {"padding": "same", "dilation": 2, "padding_mode": "circular"}, {"input": rn(1, 2, 6, 5)}, X)

# ---- Upsample bilinear / bicubic
for mode in ["bilinear", "bicubic"]:
    for ac in [False, True]:
        tag = f"{mode}_{'ac' if ac else 'noac'}"
        case(f"gaps/Upsample/{tag}_scale2", "torch.nn.Upsample", nn.Upsample, [], {"scale_factor": 2.0, "mode": mode, "align_corners": ac},
             {"input": rn(1, 2, 3, 4)}, X, f64=(ac is False))
        case(f"gaps/Upsample/{tag}_size5x3", "torch.nn.Upsample", nn.Upsample, [], {"size": [5, 3], "mode": mode, "align_corners": ac},
             {"input": rn(2, 1, 4, 6)}, X)
case("gaps/Upsample/bilinear_scale1.5x0.5", "torch.nn.Upsample", nn.Upsample, [], {"scale_factor": (1.5, 0.5), "mode": "bilinear"},
     {"input": rn(1, 2, 4, 6)}, X)

# ---- Embedding max_norm (rows renormalised in place in forward)
case("gaps/Embedding/max_norm1", "torch.nn.Embedding", nn.Embedding, [6, 4], {"max_norm": 1.0},
     {"input": torch.tensor([[0, 2, 2], [5, 1, 0]])}, X)
case("gaps/Embedding/max_norm0.5_p1", "torch.nn.Embedding", nn.Embedding, [5, 3], {"max_norm": 0.5, "norm_type": 1.0},
     {"input": torch.tensor([4, 0, 3])}, X)

# ---- LSTM proj_size
case("gaps/LSTM/proj2", "torch.nn.LSTM", nn.LSTM, [3, 4], {"proj_size": 2}, {"input": rn(5, 2, 3)}, X, tol="recurrent", f64=True)
case("gaps/LSTM/proj3_2layers_bidir_batchfirst", "torch.nn.LSTM", nn.LSTM, [3, 5],
     {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}, {"input": rn(2, 4, 3)}, X, tol="recurrent")
case("gaps/LSTM/proj2_state", "torch.nn.LSTM", nn.LSTM, [3, 4], {"proj_size": 2},
     {"input": rn(4, 2, 3), "h0": rn(1, 2, 2), "c0": rn(1, 2, 4)}, [{"input": "input"}, [{"input": "h0"}, {"input": "c0"}]], tol="recurrent")


# ---- packed sequences: pack_padded_sequence → RNN → pad_packed_sequence
class Packed(nn.Module):
    """pad_packed_sequence(rnn(pack_padded_sequence(x, lengths, batch_first, enforce_sorted)))."""

    def __init__(self, kind, input_size, hidden_size, batch_first=False, enforce_sorted=False, **kw):
        super().__init__()
        self.rnn = getattr(nn, kind)(input_size, hidden_size, batch_first=batch_first, **kw)
        self.batch_first = batch_first
        self.enforce_sorted = enforce_sorted

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=self.batch_first, enforce_sorted=self.enforce_sorted)
        out, h = self.rnn(packed)
        padded, lens = pad_packed_sequence(out, batch_first=self.batch_first)
        return (padded, *h) if isinstance(h, tuple) else (padded, h)


PK = [{"input": "input"}, {"input": "lengths"}]
case("gaps/packed/LSTM_unsorted", "Packed", Packed, ["LSTM", 3, 4], {}, {"input": rn(5, 3, 3), "lengths": torch.tensor([3, 5, 2])}, PK,
     tol="recurrent", note="Packed(kind, input_size, hidden_size, batch_first, enforce_sorted, **rnn kwargs): pack_padded_sequence → rnn → pad_packed_sequence; outputs (padded, h_n[, c_n])")
case("gaps/packed/GRU_batchfirst_sorted_2layers", "Packed", Packed, ["GRU", 2, 3], {"batch_first": True, "enforce_sorted": True, "num_layers": 2},
     {"input": rn(3, 4, 2), "lengths": torch.tensor([4, 2, 1])}, PK, tol="recurrent")
case("gaps/packed/RNN_bidir", "Packed", Packed, ["RNN", 2, 3], {"bidirectional": True},
     {"input": rn(4, 3, 2), "lengths": torch.tensor([2, 4, 1])}, PK, tol="recurrent")
case("gaps/packed/LSTM_proj_bidir_batchfirst", "Packed", Packed, ["LSTM", 3, 4], {"batch_first": True, "bidirectional": True, "proj_size": 2},
     {"input": rn(3, 5, 3), "lengths": torch.tensor([5, 1, 3])}, PK, tol="recurrent")

# ---- MultiheadAttention add_bias_kv / add_zero_attn
MHA_IN = lambda L, S, N, E: {"query": rn(N, L, E), "key": rn(N, S, E), "value": rn(N, S, E)}  # noqa: E731
QKV = [{"input": "query"}, {"input": "key"}, {"input": "value"}]
case("gaps/MultiheadAttention/add_bias_kv", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [6, 2],
     {"add_bias_kv": True, "batch_first": True}, MHA_IN(3, 4, 2, 6), QKV)
case("gaps/MultiheadAttention/add_zero_attn", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [6, 3],
     {"add_zero_attn": True, "batch_first": True}, MHA_IN(2, 3, 2, 6), QKV)
case("gaps/MultiheadAttention/both_masks_avg_false", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [4, 2],
     {"add_bias_kv": True, "add_zero_attn": True, "batch_first": True},
     {**MHA_IN(3, 4, 2, 4), "kpm": torch.tensor([[False, False, True, False], [False, False, False, True]]),
      "mask": torch.tensor([[False, True, False, False], [False, False, False, False], [True, False, False, False]])},
     QKV, {"key_padding_mask": {"input": "kpm"}, "attn_mask": {"input": "mask"}, "average_attn_weights": False})

# ---- F.gelu(approximate='tanh') in ops.json's case format
torch.manual_seed(1)
for dt, tol in [(torch.float32, {"rtol": 1.3e-6, "atol": 1e-5}), (torch.float64, F64)]:
    x = (torch.randn(3, 5, dtype=dt) * 2).requires_grad_(True)
    y = F.gelu(x, approximate="tanh")
    up = torch.randn_like(y)
    (y * up).sum().backward()
    CASES.append({
        "name": "gaps/gelu/tanh" + ("/f64" if dt == torch.float64 else ""), "fn": "torch.nn.functional.gelu",
        "args": [{"input": "input"}], "kwargs": {"approximate": "tanh"},
        "inputs": {"input": enc(x)}, "output": enc(y), "grads": {"input": enc(x.grad)}, "upstream": enc(up),
        "dtype": "float64" if dt == torch.float64 else "float32", "tol": tol,
    })


# ---- CyclicLR in sched.json's case format
def sched_case(name, kwargs, momentum, epochs=30, base_lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr, momentum=momentum)
    sch = torch.optim.lr_scheduler.CyclicLR(opt, **kwargs)
    lrs, moms = [], []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sch.step()
    CASES.append({
        "name": name, "fn": "torch.optim.lr_scheduler.CyclicLR", "args": [], "kwargs": kwargs,
        "optimizer": {"fn": "torch.optim.SGD", "kwargs": {"lr": base_lr, "momentum": momentum}},
        "epochs": epochs, "inputs": {},
        "output": enc(torch.tensor(lrs, dtype=torch.float64)),
        "momentum": enc(torch.tensor(moms, dtype=torch.float64)),
        "grads": {}, "upstream": None, "dtype": "float64", "tol": SCHED,
    })


sched_case("gaps/CyclicLR/triangular", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, 0.9)
sched_case("gaps/CyclicLR/triangular2_down3", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3, "mode": "triangular2"}, 0.9)
sched_case("gaps/CyclicLR/exp_range", {"base_lr": 0.001, "max_lr": 0.05, "step_size_up": 3, "mode": "exp_range", "gamma": 0.9,
                                        "base_momentum": 0.7, "max_momentum": 0.95}, 0.9)
sched_case("gaps/CyclicLR/no_cycle_momentum", {"base_lr": 0.02, "max_lr": 0.2, "step_size_up": 5, "cycle_momentum": False}, 0.0)

emit()
