"""Checks of the NumPy reference (python/dsk/reference.py) itself."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsk import reference as ref  # noqa: E402


def naive_attention(q, k, v, scale, allowed=None, additive=None):
    """Softmax attention with explicit loops, in float64."""
    B, H, Sq, D = q.shape
    Sk, Dv = k.shape[2], v.shape[3]
    out = np.zeros((B, H, Sq, Dv))
    for b in range(B):
        for h in range(H):
            for i in range(Sq):
                scores = []
                for j in range(Sk):
                    if allowed is not None and not allowed(b, h, i, j):
                        scores.append(-math.inf)
                        continue
                    s = scale * sum(float(q[b, h, i, d]) * float(k[b, h, j, d]) for d in range(D))
                    if additive is not None:
                        s += additive(b, h, i, j)
                    scores.append(s)
                m = max(scores)
                e = [math.exp(s - m) for s in scores]
                z = sum(e)
                for j in range(Sk):
                    out[b, h, i] += e[j] / z * v[b, h, j].astype(np.float64)
    return out


def rand(rs, *shape):
    return rs.uniform(-1, 1, size=shape).astype(np.float32)


# -- attention ---------------------------------------------------------------


def test_attention_zero_mask_equals_naive():
    rs = np.random.RandomState(0)
    q, k, v = rand(rs, 1, 2, 5, 4), rand(rs, 1, 2, 7, 4), rand(rs, 1, 2, 7, 3)
    got = ref.attention(q, k, v, mask=np.zeros((5, 7), np.float32))
    want = naive_attention(q, k, v, 1 / math.sqrt(4))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ref.attention(q, k, v), want, rtol=1e-6, atol=1e-7)


def test_attention_masks_and_causal_equal_naive():
    rs = np.random.RandomState(1)
    q, k, v = rand(rs, 2, 1, 4, 3), rand(rs, 2, 1, 6, 3), rand(rs, 2, 1, 6, 3)
    fm = rand(rs, 2, 1, 4, 6)
    bm = rs.uniform(size=(4, 6)) < 0.5
    bm[:, 0] = True
    got = ref.attention(q, k, v, mask=fm, causal=True, scale=0.5)
    want = naive_attention(q, k, v, 0.5, allowed=lambda b, h, i, j: j <= i,
                           additive=lambda b, h, i, j: float(fm[b, h, i, j]))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    got = ref.attention(q, k, v, mask=bm, causal=True)
    want = naive_attention(q, k, v, 1 / math.sqrt(3),
                           allowed=lambda b, h, i, j: bool(bm[i, j]) and j <= i)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_attention_fully_masked_row_is_nan():
    rs = np.random.RandomState(2)
    q, k, v = rand(rs, 1, 1, 3, 2), rand(rs, 1, 1, 3, 2), rand(rs, 1, 1, 3, 2)
    m = np.ones((3, 3), bool)
    m[1] = False
    out = ref.attention(q, k, v, mask=m)
    assert np.all(np.isnan(out[0, 0, 1])) and not np.any(np.isnan(out[0, 0, [0, 2]]))


# -- multiscale and sparse attention -------------------------------------------


def test_multiscale_saturated_sigmoid_gate_picks_one_scale():
    rs = np.random.RandomState(3)
    q, k, v = rand(rs, 1, 2, 8, 4), rand(rs, 1, 2, 8, 4), rand(rs, 1, 2, 8, 4)
    scales = [{"kind": "local", "window": 1}, {"kind": "global"}]
    w = np.zeros((2, 4, 1), np.float32)
    local = ref.attention(q, k, v, mask=ref.scale_mask(scales[0], 8)[0])
    glob = ref.attention(q, k, v)
    hi = ref.multiscale_attention(q, k, v, w, np.full((2, 1), 100.0), scales)
    lo = ref.multiscale_attention(q, k, v, w, np.full((2, 1), -100.0), scales)
    np.testing.assert_allclose(hi, local, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(lo, glob, rtol=1e-6, atol=1e-7)


def test_multiscale_softmax_gate_with_segments():
    rs = np.random.RandomState(4)
    q, k, v = rand(rs, 2, 1, 6, 2), rand(rs, 2, 1, 6, 2), rand(rs, 2, 1, 6, 2)
    ids = np.array([[0, 0, 1, 1, 0, 2], [5, 5, 5, 5, 5, 5]], np.int32)
    scales = [{"kind": "segment"}, {"kind": "segment", "length": 2},
              {"kind": "global", "tokens": [0, 3]}]
    # A huge bias on gate 0 selects the segment-id scale.
    gb = np.array([[100.0, 0.0, 0.0]])
    got = ref.multiscale_attention(q, k, v, np.zeros((1, 2, 3)), gb, scales, segment_ids=ids)
    want = ref.attention(q, k, v, mask=(ids[:, :, None] == ids[:, None, :])[:, None])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # Equal logits weigh the three scales equally.
    got = ref.multiscale_attention(q, k, v, np.zeros((1, 2, 3)), np.zeros((1, 3)), scales,
                                   segment_ids=ids)
    parts = [ref.attention(q, k, v, mask=ref.scale_mask(s, 6, ids)[:, None]) for s in scales]
    np.testing.assert_allclose(got, sum(parts) / 3, rtol=1e-6, atol=1e-7)


def test_scale_masks():
    assert ref.scale_mask({"kind": "local", "window": 1}, 4)[0].astype(int).tolist() == [
        [1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]]
    assert ref.scale_mask({"kind": "segment", "length": 2}, 4)[0].astype(int).tolist() == [
        [1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    assert ref.scale_mask({"kind": "global", "tokens": [2]}, 3)[0].astype(int).tolist() == [
        [0, 0, 1], [0, 0, 1], [0, 0, 1]]


def test_sparse_attention_pattern_and_lowrank():
    m = ref.sparse_attention_mask(9, log_strides=True, causal=True)
    for i in range(9):
        for j in range(9):
            d = i - j
            assert m[i, j] == (j <= i and (d == 0 or d in (1, 2, 4, 8)))
    m = ref.sparse_attention_mask(6, window=1, global_tokens=[4])
    assert m[4].all() and m[:, 4].all() and m[0, 1] and not m[0, 2]

    rs = np.random.RandomState(5)
    q, k, v = rand(rs, 1, 2, 6, 3), rand(rs, 1, 2, 6, 3), rand(rs, 1, 2, 6, 3)
    # A window covering everything is dense attention.
    np.testing.assert_allclose(ref.sparse_attention(q, k, v, window=6), ref.attention(q, k, v),
                               rtol=1e-6, atol=1e-7)
    # The low-rank summaries are extra keys every query sees.
    lk, lv = rand(rs, 2, 2, 6), rand(rs, 2, 2, 6)
    got = ref.sparse_attention(q, k, v, window=1, causal=True, lowrank_key=lk, lowrank_value=lv)
    kk = np.concatenate([k, np.einsum("hrj,bhjd->bhrd", lk, k)], axis=2)
    vv = np.concatenate([v, np.einsum("hrj,bhjd->bhrd", lv, v)], axis=2)
    allowed = np.zeros((6, 8), bool)
    allowed[:, :6] = ref.sparse_attention_mask(6, window=1, causal=True)
    allowed[:, 6:] = True
    np.testing.assert_allclose(got, ref.attention(q, kk, vv, mask=allowed), rtol=1e-6, atol=1e-7)


# -- matmul family -------------------------------------------------------------


def test_matmul_broadcast_transpose_bias():
    rs = np.random.RandomState(6)
    a, b, c = rand(rs, 2, 1, 8, 4), rand(rs, 3, 5, 8), rand(rs, 5)
    got = ref.matmul(a, b, bias=c, transpose_lhs=True, transpose_rhs=True)
    assert got.shape == (2, 3, 4, 5) and got.dtype == np.float32
    want = np.einsum("xkm,ynk->xymn", a[:, 0].astype(np.float64), b.astype(np.float64)) + c
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_matmul_integer_sign_and_zero_extension():
    a = np.array([[-128, 127]], np.int8)
    b = np.array([[2], [3]], np.int8)
    assert ref.matmul(a, b).tolist() == [[-256 + 381]]
    assert ref.matmul(a, b).dtype == np.int32
    au = np.array([[255, 128]], np.uint8)
    assert ref.matmul(au, b, bias=np.array([1], np.int32)).tolist() == [[510 + 384 + 1]]
    # The i32 accumulator wraps around.
    big = np.full((1, 2), 2 ** 30, np.int64)
    assert ref.matmul(big, np.ones((2, 1), np.int64) * 2).tolist() == [[0]]


def test_matmul_bf16_result_rounding():
    a = np.array([[1.0, 1.0]], np.float32)
    b = np.array([[1.0], [2.0 ** -8]], np.float32)
    # 1 + 2^-8 is a bf16 tie: rounds to even (1.0).
    assert ref.matmul(a, b, out_dtype="bf16")[0, 0] == 1.0
    assert ref.matmul(a, b)[0, 0] == np.float32(1 + 2.0 ** -8)


def test_lowrank_matmul():
    rs = np.random.RandomState(7)
    x, u, v, b = rand(rs, 2, 3, 6), rand(rs, 6, 2), rand(rs, 2, 5), rand(rs, 5)
    np.testing.assert_allclose(ref.lowrank_matmul(x, u, v, b),
                               x.astype(np.float64) @ (u.astype(np.float64) @ v) + b,
                               rtol=1e-6, atol=1e-6)


def test_bsr_block_1x1_equals_dense_csr():
    rs = np.random.RandomState(8)
    w = rand(rs, 5, 4) * (rs.uniform(size=(5, 4)) < 0.5)
    w[2] = 0.0  # an empty row
    rows, cols, vals = [0], [], []
    for r in range(5):
        for c in range(4):
            if w[r, c] != 0:
                cols.append(c)
                vals.append(w[r, c])
        rows.append(len(cols))
    vals = np.array(vals, np.float32).reshape(-1, 1, 1)
    np.testing.assert_array_equal(ref.bsr_to_dense(vals, cols, rows, (5, 4), (1, 1)), w)
    x = rand(rs, 3, 5)
    np.testing.assert_allclose(ref.sparse_matmul(x, vals, np.array(cols, np.int32),
                                                 np.array(rows, np.int32), (5, 4), (1, 1)),
                               x.astype(np.float64) @ w, rtol=1e-6, atol=1e-6)


def test_bsr_blocks_and_unsigned_indices():
    vals = np.arange(1, 13, dtype=np.float32).reshape(2, 2, 3)
    w = ref.bsr_to_dense(vals, np.array([1, 0], np.int8), np.array([0, 1, 2], np.int8), (4, 6), (2, 3))
    want = np.zeros((4, 6))
    want[0:2, 3:6] = vals[0]
    want[2:4, 0:3] = vals[1]
    np.testing.assert_array_equal(w, want)
    # An i8 index of -1 reads as 255: out of range here.
    with pytest.raises(ValueError):
        ref.bsr_to_dense(vals, np.array([-1, 0], np.int8), np.array([0, 1, 2]), (4, 6), (2, 3))


# -- quantization ------------------------------------------------------------------


def test_uniform_round_half_even_and_saturation():
    q = ref.quantize_uniform([1.25, 0.75, -1.25, 0.25, 100.0, -100.0], 0.5, 0)
    assert q.tolist() == [2, 2, -2, 0, 127, -128] and q.dtype == np.int8
    q = ref.quantize_uniform([0.0, 1.0, -30.0, 30.0], 0.1, 128, bits=8, signed=False)
    assert q.tolist() == [128, 138, 0, 255] and q.dtype == np.uint8
    q = ref.quantize_uniform([0.3, -5.0, 5.0], 0.25, 1, bits=4)
    assert q.tolist() == [2, -8, 7]
    np.testing.assert_array_equal(ref.dequantize_uniform(q, 0.25, 1), [0.25, -2.25, 1.5])


def test_uniform_per_axis():
    x = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)
    q = ref.quantize_uniform(x, [0.5, 0.25], [0, 10], axis=1)
    assert q.tolist() == [[2, 14], [2, 14]]
    np.testing.assert_array_equal(ref.dequantize_uniform(q, [0.5, 0.25], [0, 10], axis=1), x)
    q = ref.quantize_uniform(x, [0.5, 0.25], [0, 10], axis=0)
    assert q.tolist() == [[2, 2], [14, 14]]


def test_uniform_divides_in_float32():
    # 0.3 / 0.1 in float32 is 3.0 exactly (2.9999999999999996 in float64).
    assert np.float32(0.3) / np.float32(0.1) == np.float32(3.0)
    assert ref.quantize_uniform([0.3], 0.1, 0).tolist() == [3]


def test_log2_codes():
    # scale 1: 0.3 -> r = log2(1/0.3) = 1.74 -> e = 2 -> 0.25.
    q = ref.quantize_log2([0.3, -0.3, 0.0, 5.0, -5.0, 0.001, 0.75], 1.0)
    assert q.tolist() == [2, -6, 7, 0, -8, 7, 0]
    np.testing.assert_array_equal(ref.dequantize_log2(q, 1.0), [0.25, -0.25, 0.0, 1.0, -1.0, 0.0, 1.0])
    # r = 6.4 -> e = 6 (smallest non-zero code); r = 6.6 -> zero code.
    q = ref.quantize_log2([2.0 ** -6.4, 2.0 ** -6.6], 1.0)
    assert q.tolist() == [6, 7]
    # 3 bits: E = 3; per channel.
    q = ref.quantize_log2([[0.5, 0.5], [0.5, 0.5]], [1.0, 0.25], axis=0, bits=3)
    assert q.tolist() == [[1, 1], [0, 0]]
    np.testing.assert_array_equal(ref.dequantize_log2(q, [1.0, 0.25], axis=0, bits=3),
                                  [[0.5, 0.5], [0.25, 0.25]])


def test_codebook_nearest_lowest_index_on_ties():
    table = [-1.0, -0.25, 0.25, 1.0]
    q = ref.quantize_codebook([0.0, 0.625, -0.625, 2.0, -0.2], table)
    assert q.tolist() == [1, 2, 0, 3, 1]
    np.testing.assert_array_equal(ref.dequantize_codebook(q, table), [-0.25, 0.25, -1.0, 1.0, -0.25])
    # Duplicated entries: the lowest index wins.
    assert ref.quantize_codebook([0.5], [0.0, 0.5, 0.5]).tolist() == [1]
    # Signless storage: -1 in i2 is code 3.
    assert ref.dequantize_codebook([-1, -2], table, bits=2).tolist() == [1.0, 0.25]


def test_codebook_per_axis():
    tables = [[0.0, 1.0], [10.0, 20.0]]
    x = np.array([[0.9, 16.0], [0.1, 14.0]], np.float32)
    q = ref.quantize_codebook(x, tables, axis=1)
    assert q.tolist() == [[1, 1], [0, 0]]
    np.testing.assert_array_equal(ref.dequantize_codebook(q, tables, axis=1), [[1.0, 20.0], [0.0, 10.0]])


# -- precision -------------------------------------------------------------------------


def test_round_to_bf16():
    x = np.array([1.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -8 + 2.0 ** -20, -2.5,
                  np.inf, -np.inf, 3.4e38, 1e-40], np.float32)
    got = ref.round_to_bf16(x)
    assert got.dtype == np.float32
    assert got.tolist()[:7] == [1.0, 1.0, 1 + 2.0 ** -6, 1 + 2.0 ** -7, -2.5, np.inf, -np.inf]
    assert got[7] == np.inf  # past the largest bf16
    assert np.isnan(ref.round_to_bf16(np.float32(np.nan)))
    assert ref.round_to_bf16(np.float32(-0.0)).view(np.uint32) == 0x80000000
    # Every result is a bf16 value: low 16 bits clear.
    rs = np.random.RandomState(9)
    y = rs.standard_normal(1000).astype(np.float32)
    r = ref.round_to_bf16(y)
    assert np.all(r.view(np.uint32) & 0xFFFF == 0)
    assert np.all(np.abs(r - y) <= np.abs(y) * 2.0 ** -8)


def test_round_to_f16():
    assert ref.round_to_f16(np.float32(1 + 2.0 ** -11)) == 1.0  # tie to even
    assert ref.round_to_f16(np.float32(70000.0)) == np.inf


def test_select_alternative():
    x = np.array([1.0, -3.0])
    assert ref.select_alternative(x, "max_abs", [4.0]) == 0
    assert ref.select_alternative(x, "max_abs", [3.0]) == 1  # s >= t
    assert ref.select_alternative(x, "mean_abs", [1.0, 2.0, 3.0]) == 2
    assert ref.select_alternative(x, "rms", [math.sqrt(5.0) + 1e-9]) == 0
