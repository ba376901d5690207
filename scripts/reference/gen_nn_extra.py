"""
Extra PyTorch golden cases for nn modules that ../shared/reference/torch/nn.json does not cover
(Conv1d, ConvTranspose2d, strided/grouped/dilated Conv2d, pooling, Upsample, GroupNorm, BatchNorm
variants, padding_idx, stacked and bidirectional RNN/LSTM/GRU, the cells, masked multi-head attention,
TransformerEncoderLayer/Encoder, activation modules). Same case format as nn.json (see
../shared/reference/README.md), so scripts/reference/nn.ts runs them.

PyTorch is a development-time oracle only; the tests read the JSON. Regenerate with Debian's PyTorch:
    /usr/bin/python3 scripts/reference/gen_nn_extra.py > test/nn/fixtures/nn-extra.json
"""
import torch
import torch.nn as nn

from nn_cases import emit, rn
from nn_cases import case as _case

torch.set_num_threads(1)


def case(*args, **kwargs):
    """nn_cases.case with the norm layers' 1-D weights redrawn around 1 (their initial value)."""
    _case(*args, norm_weight_mean=1.0, **kwargs)


X = [{"input": "input"}]
torch.manual_seed(0)

# ---- convolutions
case("extra/Conv1d/s2_p1", "torch.nn.Conv1d", nn.Conv1d, [2, 3, 3], {"stride": 2, "padding": 1}, {"input": rn(2, 2, 7)}, X)
case("extra/Conv1d/groups2_dil2_nobias", "torch.nn.Conv1d", nn.Conv1d, [4, 4, 3], {"groups": 2, "dilation": 2, "bias": False}, {"input": rn(1, 4, 9)}, X)
case("extra/Conv2d/rect_s21_p10_d12_g2", "torch.nn.Conv2d", nn.Conv2d, [4, 6, [3, 2]],
     {"stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 2}, {"input": rn(2, 4, 6, 7)}, X)
case("extra/ConvTranspose2d/s2_p1_op1", "torch.nn.ConvTranspose2d", nn.ConvTranspose2d, [3, 2, 3],
     {"stride": 2, "padding": 1, "output_padding": 1}, {"input": rn(2, 3, 3, 3)}, X, f64=True)
case("extra/ConvTranspose2d/groups2_nobias", "torch.nn.ConvTranspose2d", nn.ConvTranspose2d, [4, 2, 2],
     {"stride": 2, "groups": 2, "bias": False}, {"input": rn(1, 4, 3, 2)}, X)

# ---- pooling / upsampling
case("extra/MaxPool2d/k3_s2_p1", "torch.nn.MaxPool2d", nn.MaxPool2d, [3], {"stride": 2, "padding": 1}, {"input": rn(2, 2, 7, 7)}, X)
case("extra/MaxPool2d/k2_ceil", "torch.nn.MaxPool2d", nn.MaxPool2d, [2], {"ceil_mode": True}, {"input": rn(1, 2, 5, 5)}, X)
case("extra/AvgPool2d/k3_s2_p1_exclude_pad", "torch.nn.AvgPool2d", nn.AvgPool2d, [3], {"stride": 2, "padding": 1, "count_include_pad": False},
     {"input": rn(2, 2, 7, 7)}, X, f64=True)
case("extra/AdaptiveAvgPool2d/3x2_from_7x5", "torch.nn.AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d, [[3, 2]], {}, {"input": rn(2, 2, 7, 5)}, X, f64=True)
case("extra/Upsample/scale2", "torch.nn.Upsample", nn.Upsample, [], {"scale_factor": 2.0, "mode": "nearest"}, {"input": rn(1, 2, 3, 3)}, X)
case("extra/Upsample/size5x7", "torch.nn.Upsample", nn.Upsample, [], {"size": [5, 7], "mode": "nearest"}, {"input": rn(1, 2, 3, 3)}, X)

# ---- normalisation / embedding
case("extra/GroupNorm/2_of_4", "torch.nn.GroupNorm", nn.GroupNorm, [2, 4], {}, {"input": rn(2, 4, 3, 3)}, X, randomize=("weight", "bias"), f64=True)
case("extra/BatchNorm1d/3d_momentum_none", "torch.nn.BatchNorm1d", nn.BatchNorm1d, [3], {"momentum": None}, {"input": rn(4, 3, 5)}, X,
     randomize=("weight", "bias"), f64=True)
case("extra/BatchNorm2d/no_affine", "torch.nn.BatchNorm2d", nn.BatchNorm2d, [3], {"affine": False, "momentum": 0.3}, {"input": rn(2, 3, 3, 3)}, X)
case("extra/BatchNorm2d/no_running_stats_eval", "torch.nn.BatchNorm2d", nn.BatchNorm2d, [2], {"track_running_stats": False},
     {"input": rn(3, 2, 2, 2)}, X, mode="eval", randomize=("weight", "bias"))
case("extra/LayerNorm/2d_no_affine", "torch.nn.LayerNorm", nn.LayerNorm, [[3, 4]], {"elementwise_affine": False}, {"input": rn(2, 3, 4)}, X, f64=True)
case("extra/Embedding/padding_idx", "torch.nn.Embedding", nn.Embedding, [6, 3], {"padding_idx": 1},
     {"input": torch.tensor([[1, 2, 5], [0, 1, 1]])}, X)

# ---- recurrent
case("extra/RNN/relu_2layers_bidir_seqfirst", "torch.nn.RNN", nn.RNN, [3, 4], {"num_layers": 2, "nonlinearity": "relu", "bidirectional": True},
     {"input": rn(5, 2, 3), "h0": rn(4, 2, 4)}, [{"input": "input"}, {"input": "h0"}], tol="recurrent", f64=True)
case("extra/LSTM/2layers_bidir_seqfirst", "torch.nn.LSTM", nn.LSTM, [3, 4], {"num_layers": 2, "bidirectional": True},
     {"input": rn(5, 2, 3)}, X, tol="recurrent", f64=True)
case("extra/LSTM/nobias_batchfirst_state", "torch.nn.LSTM", nn.LSTM, [3, 2], {"bias": False, "batch_first": True},
     {"input": rn(2, 4, 3), "h0": rn(1, 2, 2), "c0": rn(1, 2, 2)}, [{"input": "input"}, [{"input": "h0"}, {"input": "c0"}]], tol="recurrent")
case("extra/GRU/bidir_batchfirst_state", "torch.nn.GRU", nn.GRU, [3, 4], {"bidirectional": True, "batch_first": True},
     {"input": rn(2, 5, 3), "h0": rn(2, 2, 4)}, [{"input": "input"}, {"input": "h0"}], tol="recurrent", f64=True)
case("extra/GRU/unbatched", "torch.nn.GRU", nn.GRU, [3, 4], {"num_layers": 2}, {"input": rn(5, 3)}, X, tol="recurrent")
case("extra/RNNCell/tanh", "torch.nn.RNNCell", nn.RNNCell, [3, 4], {}, {"input": rn(2, 3), "h": rn(2, 4)},
     [{"input": "input"}, {"input": "h"}], tol="recurrent")
case("extra/LSTMCell", "torch.nn.LSTMCell", nn.LSTMCell, [3, 4], {}, {"input": rn(2, 3), "h": rn(2, 4), "c": rn(2, 4)},
     [{"input": "input"}, [{"input": "h"}, {"input": "c"}]], tol="recurrent")
case("extra/GRUCell", "torch.nn.GRUCell", nn.GRUCell, [3, 4], {}, {"input": rn(2, 3), "h": rn(2, 4)},
     [{"input": "input"}, {"input": "h"}], tol="recurrent")

# ---- attention / transformer
kpm = torch.tensor([[False, False, True, False], [False, False, False, True]])
am = torch.tensor([[False, True, False, False], [False, False, False, False], [True, False, False, False]])
case("extra/MultiheadAttention/masks_per_head_weights", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [8, 2], {"batch_first": True},
     {"query": rn(2, 3, 8), "key": rn(2, 4, 8), "value": rn(2, 4, 8), "key_padding_mask": kpm, "attn_mask": am},
     [{"input": "query"}, {"input": "key"}, {"input": "value"}],
     {"key_padding_mask": {"input": "key_padding_mask"}, "attn_mask": {"input": "attn_mask"}, "average_attn_weights": False},
     tol="recurrent", randomize=("in_proj_bias", "out_proj.bias"), f64=True)
case("extra/MultiheadAttention/seqfirst_float_mask", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [6, 3], {},
     {"input": rn(4, 2, 6), "attn_mask": torch.triu(torch.full((4, 4), float("-inf")), diagonal=1)},
     [{"input": "input"}, {"input": "input"}, {"input": "input"}], {"attn_mask": {"input": "attn_mask"}},
     tol="recurrent", randomize=("in_proj_bias", "out_proj.bias"))
case("extra/MultiheadAttention/kdim5_vdim3", "torch.nn.MultiheadAttention", nn.MultiheadAttention, [4, 2], {"kdim": 5, "vdim": 3, "batch_first": True},
     {"query": rn(2, 3, 4), "key": rn(2, 4, 5), "value": rn(2, 4, 3)},
     [{"input": "query"}, {"input": "key"}, {"input": "value"}], {}, tol="recurrent", randomize=("in_proj_bias", "out_proj.bias"))
case("extra/TransformerEncoderLayer/postnorm_relu", "torch.nn.TransformerEncoderLayer", nn.TransformerEncoderLayer, [8, 2],
     {"dim_feedforward": 16, "dropout": 0.0, "batch_first": True},
     {"input": rn(2, 3, 8), "src_key_padding_mask": torch.tensor([[False, False, True], [False, False, False]])},
     X, {"src_key_padding_mask": {"input": "src_key_padding_mask"}}, tol="recurrent",
     randomize=("norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "self_attn.in_proj_bias"), f64=True)
case("extra/TransformerEncoderLayer/prenorm_gelu_seqfirst", "torch.nn.TransformerEncoderLayer", nn.TransformerEncoderLayer, [8, 4],
     {"dim_feedforward": 12, "dropout": 0.0, "activation": "gelu", "norm_first": True},
     {"input": rn(3, 2, 8), "src_mask": torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)},
     X, {"src_mask": {"input": "src_mask"}}, tol="recurrent", randomize=("norm1.weight", "norm2.bias"), f64=True)


def encoder(d_model, nhead, num_layers, dim_feedforward, dropout):
    layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=dim_feedforward, dropout=dropout)
    return nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)


case("extra/TransformerEncoder/2layers_norm", "TransformerEncoder", encoder, [8, 2, 2, 16, 0.0], {}, {"input": rn(3, 2, 8)}, X,
     tol="recurrent", note="TransformerEncoder(TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout), num_layers, norm=LayerNorm(d_model)); args are [d_model, nhead, num_layers, dim_feedforward, dropout]")

# ---- activations and reshaping modules
for nm, build, args, kwargs in [
    ("GELU/tanh", nn.GELU, [], {"approximate": "tanh"}),
    ("GELU/exact", nn.GELU, [], {}),
    ("Softplus/beta2_thr1", nn.Softplus, [], {"beta": 2.0, "threshold": 1.0}),
    ("ELU/alpha0.5", nn.ELU, [], {"alpha": 0.5}),
    ("LeakyReLU/0.2", nn.LeakyReLU, [], {"negative_slope": 0.2}),
    ("SiLU", nn.SiLU, [], {}),
    ("Sigmoid", nn.Sigmoid, [], {}),
    ("Tanh", nn.Tanh, [], {}),
    ("ReLU", nn.ReLU, [], {}),
    ("Softmax/dim1", nn.Softmax, [], {"dim": 1}),
    ("LogSoftmax/dim0", nn.LogSoftmax, [], {"dim": 0}),
    ("Flatten/1_2", nn.Flatten, [1, 2], {}),
    ("Unflatten/1_2x3", nn.Unflatten, [1, [2, 3]], {}),
]:
    tol = "accumulate" if "Softmax" in nm else "elementwise"
    inp = rn(3, 6, 2) if nm.startswith(("Flatten", "Unflatten")) else rn(3, 6) * 2
    fn = "torch.nn." + nm.split("/")[0]
    case("extra/" + nm, fn, build, args, kwargs, {"input": inp}, X, tol=tol)

emit()
