#!/usr/bin/env python3
"""Exports the PyTorch models that the importer must handle, with random
weights, into a folder (models are generated at test time, never committed).

  bert_encoder.onnx   torch.nn.TransformerEncoder, BERT-base shaped layers
  mha_block.onnx      a hand-written attention block with nn.MultiheadAttention
  gpt_decoder.onnx    a small GPT-style causal decoder (hand-written attention)
  resnet18.onnx, resnet50.onnx, mobilenet_v2.onnx   torchvision, random weights
                      and batch norms calibrated on random images
  msa_block.onnx      a pre-norm transformer block whose attention is
                      dsk.torch_ops.MultiScaleAttention (one node of the
                      `dsk` ONNX domain, which ONNX Runtime cannot run)

Each model is built and fed from its own fixed seed, so exporting a subset
gives the same files as exporting all. Next to `<name>.onnx` go:

  <name>.json        the opset, the number of attention blocks (fused into
                     dsk.attention) and of multi-scale attention nodes, and
                     whether ONNX Runtime can run the model ("ort")
  <name>.inputs.npz  the inputs the model was traced with, by input name
  <name>.eager.npz   the PyTorch eager outputs on those inputs, by output name
"""

import argparse
import json
import math
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

from dsk.torch_ops import MultiScaleAttention  # noqa: E402

warnings.filterwarnings("ignore")

MODELS = ["bert_encoder", "mha_block", "gpt_decoder", "resnet18", "resnet50",
          "mobilenet_v2", "msa_block"]


class MultiheadBlock(nn.Module):
    """Self-attention with nn.MultiheadAttention, then a feed-forward net."""

    def __init__(self, dim=256, heads=8):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x):  # x: [S, B, E]
        a, _ = self.attn(x, x, x, need_weights=False)
        x = self.norm1(x + a)
        return self.norm2(x + self.ff(x))


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads, max_len):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        mask = torch.full((max_len, max_len), float("-inf")).triu(1)
        self.register_buffer("mask", mask)

    def forward(self, x):  # x: [B, S, E]
        b, s, e = x.shape
        q, k, v = self.qkv(x).split(e, dim=2)
        shape = (b, s, self.heads, e // self.heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(e // self.heads)
        scores = scores + self.mask[:s, :s]
        y = torch.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, s, e))


class GptBlock(nn.Module):
    def __init__(self, dim, heads, max_len):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, max_len)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GptDecoder(nn.Module):
    def __init__(self, vocab=512, dim=128, heads=4, layers=2, max_len=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(1, max_len, dim) * 0.02)
        self.blocks = nn.Sequential(*[GptBlock(dim, heads, max_len) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, ids):  # ids: [B, S]
        x = self.tok(ids) + self.pos[:, : ids.shape[1]]
        return self.head(self.ln(self.blocks(x)))


class MsaBlock(nn.Module):
    """A pre-norm transformer block with gated multi-scale attention."""

    def __init__(self, dim=64, heads=4, scales=None):
        super().__init__()
        self.heads = heads
        head_dim = dim // heads
        scales = scales or [{"kind": "local", "window": 2}, {"kind": "segment", "length": 8},
                            {"kind": "global", "tokens": [0]}]
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.msa = MultiScaleAttention(heads, head_dim, scales, scale=1.0 / math.sqrt(head_dim))
        with torch.no_grad():  # a gate that is not uniform across scales
            self.msa.gate_bias.normal_()
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):  # x: [B, S, E]
        b, s, e = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(e, dim=2)
        shape = (b, s, self.heads, e // self.heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        a = self.msa(q, k, v).transpose(1, 2).reshape(b, s, e)
        x = x + self.proj(a)
        return x + self.mlp(self.ln2(x))


def calibrate_batchnorm(model, shape, batches=2, batch_size=4):
    """Gives every BatchNorm random affine parameters and the running
    statistics of random inputs. torchvision's freshly initialised networks
    have identity batch norms (mean 0, variance 1), which leaves the folding
    of the statistics untested and lets activations fade: mobilenet_v2's
    logits would be ~1e-9, far below any useful tolerance."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # a plain average over the calibration batches
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, *shape))
    model.eval()


def export(model, args, path, opset, input_names, attention_blocks, msa_blocks=0):
    """Exports `model` traced on `args`, and writes the sidecar files."""
    model.eval()
    with torch.no_grad():
        eager = model(*args)
        custom = {"dsk": 1} if msa_blocks else None
        torch.onnx.export(model, args, path, opset_version=opset,
                          input_names=input_names, output_names=["output"],
                          do_constant_folding=True, custom_opsets=custom)
    stem = os.path.splitext(path)[0]
    np.savez(stem + ".inputs.npz",
             **{n: a.numpy() for n, a in zip(input_names, args)})
    np.savez(stem + ".eager.npz", output=eager.numpy())
    with open(stem + ".json", "w") as f:
        json.dump({"opset": opset, "attention_blocks": attention_blocks,
                   "multiscale_attention_blocks": msa_blocks,
                   "ort": not msa_blocks}, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--only", nargs="*", choices=MODELS, help="export only these models")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)

    def want(name):
        return not args.only or name in args.only

    def out(name):
        return os.path.join(args.folder, name + ".onnx")

    def seed(name):
        torch.manual_seed(MODELS.index(name))

    if want("bert_encoder"):
        # BERT-base layer shape (768 wide, 12 heads, 3072 feed-forward); two
        # layers keep the test fast.
        seed("bert_encoder")
        layer = nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu")
        encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        export(encoder, (torch.randn(16, 1, 768),), out("bert_encoder"), 14, ["x"], 2)
    if want("mha_block"):
        seed("mha_block")
        model = MultiheadBlock()
        export(model, (torch.randn(16, 2, 256),), out("mha_block"), 13, ["x"], 1)
    if want("gpt_decoder"):
        seed("gpt_decoder")
        model = GptDecoder()
        ids = torch.randint(0, 512, (1, 16))
        export(model, (ids,), out("gpt_decoder"), 17, ["ids"], 2)
    for name, opset in (("resnet18", 13), ("resnet50", 15), ("mobilenet_v2", 17)):
        if want(name):
            import torchvision
            seed(name)
            model = getattr(torchvision.models, name)(weights=None)
            calibrate_batchnorm(model, (3, 224, 224))
            export(model, (torch.randn(1, 3, 224, 224),), out(name), opset, ["image"], 0)
    if want("msa_block"):
        seed("msa_block")
        model = MsaBlock()
        export(model, (torch.randn(2, 32, 64),), out("msa_block"), 17, ["x"], 0, msa_blocks=1)


if __name__ == "__main__":
    main()
