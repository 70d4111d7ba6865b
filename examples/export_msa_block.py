#!/usr/bin/env python3
"""Writes the bundled example model: a transformer block whose attention is
dsk's multi-scale gated attention, exported from PyTorch to ONNX.

    x : [1, 32, 64]  (batch, sequence, embedding; 4 heads of 16)
    h = LayerNorm(x)
    q, k, v = split(h @ Wqkv + bqkv) into heads      -> [1, 4, 32, 16] each
    a = MultiScaleAttention(q, k, v)                 one dsk::MultiScaleAttention
        scales: local window 4, segments of 8, global token 0 (softmax gate)
    x = x + merge(a) @ Wo + bo
    y = x + MLP(LayerNorm(x))                        GELU, 4x wide

Writes, next to this script, into msa_block/:
    model.onnx     the model (opset 17 + the `dsk` domain), seeded weights
    input.npy      a seeded input
    expected.npy   PyTorch's eager output for it (the reference; the eager
                   forward of dsk.torch_ops.MultiScaleAttention is dsk's
                   reference semantics, tested against python/dsk/reference.py)

The files are committed; rerun this script only to change the example.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from dsk.torch_ops import MultiScaleAttention  # noqa: E402

EMBED, HEADS, SEQ = 64, 4, 32
SCALES = [{"kind": "local", "window": 4}, {"kind": "segment", "length": 8},
          {"kind": "global", "tokens": [0]}]


class MultiScaleBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads, self.head_dim = HEADS, EMBED // HEADS
        self.norm1 = nn.LayerNorm(EMBED)
        self.qkv = nn.Linear(EMBED, 3 * EMBED)
        self.attn = MultiScaleAttention(HEADS, self.head_dim, SCALES)
        self.proj = nn.Linear(EMBED, EMBED)
        self.norm2 = nn.LayerNorm(EMBED)
        self.mlp = nn.Sequential(nn.Linear(EMBED, 4 * EMBED), nn.GELU(),
                                 nn.Linear(4 * EMBED, EMBED))

    def forward(self, x):
        b, s, e = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(e, dim=2)
        q, k, v = (t.reshape(b, s, self.heads, self.head_dim).transpose(1, 2)
                   for t in (q, k, v))
        a = self.attn(q, k, v).transpose(1, 2).reshape(b, s, e)
        x = x + self.proj(a)
        return x + self.mlp(self.norm2(x))


def main():
    out = os.path.join(HERE, "msa_block")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = MultiScaleBlock().eval()
    x = torch.randn(1, SEQ, EMBED)
    with torch.no_grad():
        expected = model(x)
    torch.onnx.export(model, (x,), os.path.join(out, "model.onnx"),
                      opset_version=17, input_names=["x"], output_names=["y"],
                      custom_opsets={"dsk": 1})
    np.save(os.path.join(out, "input.npy"), x.numpy())
    np.save(os.path.join(out, "expected.npy"), expected.numpy())
    print(f"wrote {out}/model.onnx, input.npy, expected.npy")


if __name__ == "__main__":
    main()
