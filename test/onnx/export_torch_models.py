#!/usr/bin/env python3
"""Exports the PyTorch models that the importer must handle, with random
weights, into a folder (models are generated at test time, never committed).

  bert_encoder.onnx   torch.nn.TransformerEncoder, BERT-base shaped layers
  mha_block.onnx      a hand-written attention block with nn.MultiheadAttention
  gpt_decoder.onnx    a small GPT-style causal decoder (hand-written attention)
  resnet18.onnx, resnet50.onnx, mobilenet_v2.onnx   torchvision, random weights

Each model is exported with a fixed seed; a sidecar `<name>.json` records
the opset and the number of attention blocks it contains.
"""

import argparse
import json
import math
import os
import warnings

import torch
from torch import nn

warnings.filterwarnings("ignore")


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


def export(model, args, path, opset, input_names, attention_blocks):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, opset_version=opset,
                          input_names=input_names, output_names=["output"],
                          do_constant_folding=True)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"opset": opset, "attention_blocks": attention_blocks}, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--only", nargs="*", help="export only these models")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)

    def want(name):
        return not args.only or name in args.only

    def out(name):
        return os.path.join(args.folder, name + ".onnx")

    torch.manual_seed(0)
    if want("bert_encoder"):
        # BERT-base layer shape (768 wide, 12 heads, 3072 feed-forward); two
        # layers keep the test fast.
        layer = nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu")
        encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        export(encoder, (torch.randn(16, 1, 768),), out("bert_encoder"), 14, ["x"], 2)
    if want("mha_block"):
        export(MultiheadBlock(), (torch.randn(16, 2, 256),), out("mha_block"), 13, ["x"], 1)
    if want("gpt_decoder"):
        ids = torch.randint(0, 512, (1, 16))
        export(GptDecoder(), (ids,), out("gpt_decoder"), 17, ["ids"], 2)
    if want("resnet18") or want("resnet50") or want("mobilenet_v2"):
        import torchvision
        image = torch.randn(1, 3, 224, 224)
        for name, opset in (("resnet18", 13), ("resnet50", 15), ("mobilenet_v2", 17)):
            if want(name):
                model = getattr(torchvision.models, name)(weights=None)
                export(model, (image,), out(name), opset, ["image"], 0)


if __name__ == "__main__":
    main()
