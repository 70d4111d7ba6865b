"""PyTorch modules for the operators of the `dsk` ONNX domain.

Each module computes its operator eagerly in PyTorch (so a model can be
trained and checked) and exports, through torch.onnx.export, as one node of
the `dsk` domain that dsk-compile imports as the matching dsk operation:

    model = nn.Sequential(..., MultiScaleAttention(...), ...)
    torch.onnx.export(model, x, "model.onnx", custom_opsets={"dsk": 1})

The semantics are those of `dsk.multiscale_attention` (docs/reference), also
implemented in NumPy by `dsk.reference.multiscale_attention`.
"""

import math

import torch
from torch import nn


def _scale_text(spec):
    kind = spec["kind"]
    if kind == "local":
        return "local:%d" % spec["window"]
    if kind == "segment":
        return "segment:%d" % spec["length"] if spec.get("length") else "segment"
    if kind == "global":
        tokens = spec.get("tokens")
        return "global:" + ",".join(str(int(t)) for t in tokens) if tokens else "global"
    raise ValueError("unknown scale kind %r" % kind)


def _parse_scale(text):
    kind, _, arguments = text.partition(":")
    if kind == "local":
        return {"kind": "local", "window": int(arguments)}
    if kind == "segment":
        return {"kind": "segment", "length": int(arguments)} if arguments else {"kind": "segment"}
    if kind == "global":
        tokens = [int(t) for t in arguments.split(",")] if arguments else None
        return {"kind": "global", "tokens": tokens}
    raise ValueError("unknown scale %r" % text)


def _allowed(spec, seq_len, segment_ids, device):
    """[B or 1, S, S] boolean mask of one scale."""
    i = torch.arange(seq_len, device=device)[:, None]
    j = torch.arange(seq_len, device=device)[None, :]
    kind = spec["kind"]
    if kind == "local":
        return ((i - j).abs() <= spec["window"])[None]
    if kind == "segment":
        if spec.get("length"):
            length = spec["length"]
            return (torch.div(i, length, rounding_mode="floor") ==
                    torch.div(j, length, rounding_mode="floor"))[None]
        return segment_ids[:, :, None] == segment_ids[:, None, :]
    tokens = spec.get("tokens")
    if not tokens:
        return torch.ones(1, seq_len, seq_len, dtype=torch.bool, device=device)
    listed = (j[..., None] == torch.tensor(tokens, device=device)).any(-1)  # [1, S]
    return listed.expand(seq_len, seq_len)[None]


def multiscale_attention(q, k, v, gate_weight, gate_bias, scales, segment_ids=None,
                         scale=None):
    """Eager dsk.multiscale_attention: q, k, v [B, H, S, D]."""
    s = q.shape[2]
    factor = scale if scale is not None else 1.0 / math.sqrt(q.shape[3])
    scores = torch.matmul(q, k.transpose(-2, -1)) * factor
    outputs = []
    for spec in scales:
        allowed = _allowed(spec, s, segment_ids, q.device)[:, None]  # [B|1, 1, S, S]
        masked = scores.masked_fill(~allowed, float("-inf"))
        outputs.append(torch.matmul(torch.softmax(masked, dim=-1), v))
    logits = torch.einsum("bhsd,hdg->bhsg", q, gate_weight) + gate_bias[None, :, None, :]
    if len(scales) == 2:
        g = torch.sigmoid(logits[..., :1])
        return g * outputs[0] + (1 - g) * outputs[1]
    weights = torch.softmax(logits, dim=-1)
    result = weights[..., :1] * outputs[0]
    for n in range(1, len(outputs)):
        result = result + weights[..., n:n + 1] * outputs[n]
    return result


class _MultiScaleAttentionFunction(torch.autograd.Function):
    # Scales travel as their ONNX attribute strings: the exporter passes
    # only tensors and plain Python values through.
    @staticmethod
    def forward(ctx, scales, scale, q, k, v, gate_weight, gate_bias, *segment_ids):
        ids = segment_ids[0] if segment_ids else None
        return multiscale_attention(q, k, v, gate_weight, gate_bias,
                                    [_parse_scale(t) for t in scales], ids, scale)

    @staticmethod
    def symbolic(g, scales, scale, q, k, v, gate_weight, gate_bias, *segment_ids):
        inputs = [q, k, v, gate_weight, gate_bias, *segment_ids]
        attrs = {"scales_s": list(scales)}
        if scale is not None:
            attrs["scale_f"] = float(scale)
        out = g.op("dsk::MultiScaleAttention", *inputs, **attrs)
        out.setType(q.type())
        return out


class MultiScaleAttention(nn.Module):
    """Gated multi-scale self-attention over q, k, v of shape [B, H, S, D].

    `scales` lists the mask families, e.g. [{"kind": "local", "window": 2},
    {"kind": "global"}]. The gate parameters (per head: D x G weights and G
    biases, G = 1 for two scales, else the number of scales) are learned.
    """

    def __init__(self, heads, head_dim, scales, scale=None):
        super().__init__()
        if len(scales) < 2:
            raise ValueError("MultiScaleAttention needs at least two scales")
        self.scales = [dict(s) for s in scales]
        self.scale = scale
        gates = 1 if len(scales) == 2 else len(scales)
        self.gate_weight = nn.Parameter(torch.randn(heads, head_dim, gates) * 0.1)
        self.gate_bias = nn.Parameter(torch.zeros(heads, gates))

    def forward(self, q, k, v, segment_ids=None):
        texts = tuple(_scale_text(s) for s in self.scales)
        extra = () if segment_ids is None else (segment_ids,)
        return _MultiScaleAttentionFunction.apply(texts, self.scale, q, k, v, self.gate_weight,
                                                  self.gate_bias, *extra)
