"""The eager PyTorch MultiScaleAttention matches the NumPy reference, and it
exports as one node of the `dsk` ONNX domain."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from dsk import reference as ref  # noqa: E402
from dsk.torch_ops import MultiScaleAttention  # noqa: E402

SCALE_SETS = [
    [{"kind": "local", "window": 2}, {"kind": "global"}],
    [{"kind": "local", "window": 1}, {"kind": "segment", "length": 4},
     {"kind": "global", "tokens": [0, 5]}],
    [{"kind": "segment"}, {"kind": "local", "window": 3}],
]


@pytest.mark.parametrize("scales", SCALE_SETS)
def test_eager_matches_reference(scales):
    torch.manual_seed(1)
    b, h, s, d = 2, 3, 12, 4
    q, k, v = (torch.randn(b, h, s, d) for _ in range(3))
    module = MultiScaleAttention(h, d, scales)
    with torch.no_grad():
        module.gate_bias.normal_()
    ids = None
    if any(x["kind"] == "segment" and not x.get("length") for x in scales):
        ids = torch.tensor([[0] * 5 + [1] * 7, [0] * 3 + [1] * 3 + [2] * 6])
    with torch.no_grad():
        got = module(q, k, v, ids).numpy()
    want = ref.multiscale_attention(
        q.numpy(), k.numpy(), v.numpy(), module.gate_weight.detach().numpy(),
        module.gate_bias.detach().numpy(), scales,
        segment_ids=None if ids is None else ids.numpy())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_exports_one_dsk_node(tmp_path):
    scales = SCALE_SETS[1]
    module = MultiScaleAttention(2, 4, scales, scale=0.25)
    q, k, v = (torch.randn(1, 2, 8, 4) for _ in range(3))
    path = str(tmp_path / "msa.onnx")
    torch.onnx.export(module, (q, k, v), path, opset_version=17,
                      custom_opsets={"dsk": 1})
    model = onnx.load(path)
    nodes = [n for n in model.graph.node if n.domain == "dsk"]
    assert [n.op_type for n in nodes] == ["MultiScaleAttention"]
    attrs = {a.name: a for a in nodes[0].attribute}
    assert [s.decode() for s in attrs["scales"].strings] == [
        "local:1", "segment:4", "global:0,5"]
    assert attrs["scale"].f == pytest.approx(0.25)
    assert {o.domain: o.version for o in model.opset_import}["dsk"] == 1
