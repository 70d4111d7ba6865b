"""NumPy reference semantics of the dsk compute operations.

Each function follows the ODS description of the operation of the same name
(include/dsk/Dialect/Dsk/IR/DskOps.td and DskAttrs.td), which is the
contract. The functions use NumPy only and work with NumPy 1.x and 2.x.

Conventions:

- Float results are returned as float32 arrays (values of a narrower result
  type, bf16 or f16, are rounded to that type and returned as float32).
- Float arithmetic of matmul, attention and the decompositions is done in
  float64 internally: a reference at least as accurate as any f32
  accumulation, which the tests compare against with a tolerance.
- Quantization is done in float32 exactly as the CPU lowering does it (see
  each function), so that codes match bit for bit away from rounding ties.
- Element types may be named by string (``"f32"``, ``"bf16"``, ``"f16"``,
  ``"f64"``, ``"i8"``, ``"ui8"``, ``"i32"``, ...) or given as NumPy dtypes.
"""

import math

import numpy as np

__all__ = [
    "round_to_bf16",
    "round_to_f16",
    "round_to",
    "matmul",
    "attention",
    "scale_mask",
    "multiscale_attention",
    "sparse_attention_mask",
    "sparse_attention",
    "lowrank_matmul",
    "bsr_to_dense",
    "sparse_matmul",
    "storage_range",
    "quantize_uniform",
    "dequantize_uniform",
    "quantize_log2",
    "dequantize_log2",
    "quantize_codebook",
    "dequantize_codebook",
    "selector_statistic",
    "select_alternative",
]

# ---------------------------------------------------------------------------
# Element types and rounding
# ---------------------------------------------------------------------------

_FLOAT_NAMES = {"f16", "bf16", "f32", "f64"}


def _type_name(spec):
    """Canonical name ("f32", "bf16", "i8", "ui8", ...) of an element type."""
    if isinstance(spec, str):
        name = spec.strip().lower()
        if name in _FLOAT_NAMES:
            return name
        if name.startswith(("i", "ui", "si")) and name.lstrip("isu").isdigit():
            if name.startswith("si"):
                name = name[1:]
            return name
        raise ValueError("unknown element type %r" % (spec,))
    dt = np.dtype(spec)
    if dt == np.float16:
        return "f16"
    if dt == np.float32:
        return "f32"
    if dt == np.float64:
        return "f64"
    if dt == np.bool_:
        return "i1"
    if dt.kind == "i":
        return "i%d" % (8 * dt.itemsize)
    if dt.kind == "u":
        return "ui%d" % (8 * dt.itemsize)
    raise ValueError("unsupported element type %r" % (spec,))


def _is_float_name(name):
    return name in _FLOAT_NAMES


def _int_bits(name):
    """(bits, signed) of an integer type name; signless `iN` is signed."""
    if name.startswith("ui"):
        return int(name[2:]), False
    return int(name[1:]), True


def round_to_bf16(x):
    """Rounds float32 values to the nearest bf16 (ties to even).

    Returns float32 values that are exactly representable in bf16. NaN stays
    a (quiet) NaN, infinities stay infinite, and values past the largest bf16
    round to infinity, as `arith.truncf` does.
    """
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    bits = x.view(np.uint32).astype(np.uint64)
    lsb = (bits >> np.uint64(16)) & np.uint64(1)
    rounded = (bits + np.uint64(0x7FFF) + lsb) & np.uint64(0xFFFF0000)
    quiet_nan = (bits | np.uint64(0x00400000)) & np.uint64(0xFFFF0000)
    out = np.where(np.isnan(x), quiet_nan, rounded).astype(np.uint32)
    return out.view(np.float32).reshape(x.shape)


def round_to_f16(x):
    """Rounds float32 values to the nearest f16 (ties to even), as float32."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        return x.astype(np.float16).astype(np.float32)


def round_to(x, type_name):
    """Rounds values to float type `type_name`; returns float32 (float64 for f64)."""
    name = _type_name(type_name)
    if name == "f64":
        return np.asarray(x, dtype=np.float64)
    x32 = np.asarray(x, dtype=np.float32)
    if name == "f32":
        return x32
    if name == "bf16":
        return round_to_bf16(x32)
    if name == "f16":
        return round_to_f16(x32)
    raise ValueError("not a float type: %r" % (type_name,))


def _wrap_int(values, bits, signed):
    """Reduces integers modulo 2**bits into the storage range (two's complement)."""
    v = np.asarray(values, dtype=np.int64)
    if bits >= 64:
        return v
    mask = (1 << bits) - 1
    u = v & mask
    if signed:
        u = np.where(u >= (1 << (bits - 1)), u - (1 << bits), u)
    return u


def _int_dtype(bits, signed):
    for size, s_dt, u_dt in ((8, np.int8, np.uint8), (16, np.int16, np.uint16),
                             (32, np.int32, np.uint32), (64, np.int64, np.uint64)):
        if bits <= size:
            return np.dtype(s_dt if signed else u_dt)
    raise ValueError("integers of more than 64 bits are not supported")


def _read_int(x, type_name=None):
    """Reads an integer array as int64: signless types sign-extend, `ui` zero-extend."""
    a = np.asarray(x)
    if a.dtype == np.bool_:
        return a.astype(np.int64)
    if type_name is None:
        return a.astype(np.int64)
    bits, signed = _int_bits(_type_name(type_name))
    return _wrap_int(a.astype(np.int64), bits, signed)


# ---------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------


def matmul(lhs, rhs, bias=None, transpose_lhs=False, transpose_rhs=False,
           acc_dtype=None, out_dtype=None):
    """`dsk.matmul`: batched matrix product with broadcasting, transposes and bias.

    `result[..., m, n] = sum_k A[..., m, k] * B[..., k, n] (+ bias)` with A the
    lhs (its last two dims swapped when `transpose_lhs`), B the rhs (likewise).
    Batch dims broadcast like NumPy. Integer operands (both integer arrays)
    accumulate in `acc_dtype` (default i32) with wraparound and the result has
    that type; their values are read as given (NumPy signed arrays are
    sign-extended, unsigned arrays zero-extended). Float operands accumulate in
    float64 here (acc_type f32/f64); a bf16/f16 `acc_dtype` is emulated by
    rounding after every step. The bias broadcasts to the result and is added
    in the accumulator before the result is rounded to `out_dtype` (default
    f32 for float operands).

    A quantized rhs is expressed by dequantizing it first
    (e.g. `matmul(x, dequantize_uniform(q, ...))`).
    """
    a = np.asarray(lhs)
    b = np.asarray(rhs)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError("matmul operands need rank >= 2")
    if transpose_lhs:
        a = np.swapaxes(a, -1, -2)
    if transpose_rhs:
        b = np.swapaxes(b, -1, -2)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError("contraction sizes differ: %s x %s" % (a.shape, b.shape))
    integer = a.dtype.kind in "biu" and b.dtype.kind in "biu"

    if integer:
        acc = _type_name(acc_dtype if acc_dtype is not None else "i32")
        if _is_float_name(acc):
            raise ValueError("integer matmul needs an integer accumulator")
        if out_dtype is not None and _type_name(out_dtype) != acc:
            raise ValueError("integer matmul result must have the accumulator type")
        bits, signed = _int_bits(acc)
        # Exact int64 products and sums; int64 wraparound agrees with the
        # accumulator's modulo 2**bits arithmetic.
        r = np.matmul(a.astype(np.int64), b.astype(np.int64))
        if bias is not None:
            r = r + np.broadcast_to(np.asarray(bias).astype(np.int64), r.shape)
        return _wrap_int(r, bits, signed).astype(_int_dtype(bits, signed))

    acc = _type_name(acc_dtype) if acc_dtype is not None else "f32"
    out = _type_name(out_dtype) if out_dtype is not None else "f32"
    if not _is_float_name(acc) or not _is_float_name(out):
        raise ValueError("float matmul needs a float accumulator and result")
    a64 = a.astype(np.float64)
    b64 = b.astype(np.float64)
    if acc in ("f32", "f64"):
        r = np.matmul(a64, b64)
        if bias is not None:
            r = r + np.broadcast_to(np.asarray(bias, dtype=np.float64), r.shape)
    else:
        # Narrow accumulator: round after each product and each sum.
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        M, K, N = a.shape[-2], a.shape[-1], b.shape[-1]
        a_b = np.broadcast_to(a64, batch + (M, K))
        b_b = np.broadcast_to(b64, batch + (K, N))
        r = np.zeros(batch + (M, N), dtype=np.float64)
        for kk in range(K):
            prod = round_to(a_b[..., :, kk:kk + 1] * b_b[..., kk:kk + 1, :], acc)
            r = round_to(r + prod, acc).astype(np.float64)
        if bias is not None:
            r = round_to(r + np.broadcast_to(np.asarray(bias, dtype=np.float64), r.shape),
                         acc).astype(np.float64)
    return np.asarray(round_to(r, out), dtype=np.float64 if out == "f64" else np.float32)


def lowrank_matmul(x, u, v, bias=None):
    """`dsk.lowrank_matmul`: `result[..., n] = sum_r (sum_k x[..., k] U[k, r]) V[r, n] (+ bias[n])`."""
    x64 = np.asarray(x, dtype=np.float64)
    u64 = np.asarray(u, dtype=np.float64)
    v64 = np.asarray(v, dtype=np.float64)
    if x64.ndim < 1 or u64.ndim != 2 or v64.ndim != 2:
        raise ValueError("lowrank_matmul shapes: x rank >= 1, u and v rank 2")
    if x64.shape[-1] != u64.shape[0] or u64.shape[1] != v64.shape[0]:
        raise ValueError("lowrank_matmul size mismatch")
    r = np.matmul(np.matmul(x64, u64), v64)
    if bias is not None:
        r = r + np.asarray(bias, dtype=np.float64)
    return r.astype(np.float32)


def _read_unsigned(idx):
    """Reads an index array as unsigned integers of its own width."""
    a = np.asarray(idx)
    if a.dtype.kind == "i":
        return _wrap_int(a.astype(np.int64), 8 * a.dtype.itemsize, False)
    return a.astype(np.int64)


def bsr_to_dense(values, col_indices, row_offsets, weight_shape, block):
    """The dense `[K, N]` weight of a BSR (CSR when `block == (1, 1)`) matrix.

    `values : [NB, BK, BN]`, `col_indices : [NB]` (column-block indices),
    `row_offsets : [K / BK + 1]`. Index tensors are read as unsigned. A block
    stored twice at the same position is summed (as a product with the
    stored blocks would).
    """
    vals = np.asarray(values, dtype=np.float64)
    cols = _read_unsigned(col_indices)
    rows = _read_unsigned(row_offsets)
    K, N = (int(s) for s in weight_shape)
    BK, BN = (int(s) for s in block)
    if BK <= 0 or BN <= 0 or K % BK or N % BN:
        raise ValueError("block %s must divide weight shape %s" % ((BK, BN), (K, N)))
    NB = vals.shape[0]
    if vals.ndim != 3 or vals.shape[1:] != (BK, BN):
        raise ValueError("values must be [NB, BK, BN]")
    if cols.shape != (NB,) or rows.shape != (K // BK + 1,):
        raise ValueError("col_indices must be [NB] and row_offsets [K/BK + 1]")
    if rows[0] != 0 or rows[-1] != NB or np.any(np.diff(rows) < 0):
        raise ValueError("row_offsets must be non-decreasing from 0 to NB")
    if np.any(cols >= N // BN):
        raise ValueError("column-block index out of range")
    w = np.zeros((K, N), dtype=np.float64)
    for r in range(K // BK):
        for blk in range(int(rows[r]), int(rows[r + 1])):
            c = int(cols[blk])
            w[r * BK:(r + 1) * BK, c * BN:(c + 1) * BN] += vals[blk]
    return w


def sparse_matmul(x, values, col_indices, row_offsets, weight_shape, block, bias=None):
    """`dsk.sparse_matmul`: `result[..., n] = sum_k x[..., k] W[k, n] (+ bias[n])`, W in BSR form."""
    w = bsr_to_dense(values, col_indices, row_offsets, weight_shape, block)
    x64 = np.asarray(x, dtype=np.float64)
    if x64.shape[-1] != w.shape[0]:
        raise ValueError("sparse_matmul: x has %d columns, W has %d rows" % (x64.shape[-1], w.shape[0]))
    r = np.matmul(x64, w)
    if bias is not None:
        r = r + np.asarray(bias, dtype=np.float64)
    return r.astype(np.float32)


# ---------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------


def _softmax_last(s):
    """Softmax over the last axis; a row whose every score is -inf gives NaN."""
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(s, axis=-1, keepdims=True)
        e = np.exp(s - m)
        return e / np.sum(e, axis=-1, keepdims=True)


def _default_scale(scale, d):
    return 1.0 / math.sqrt(d) if scale is None else float(scale)


def _masked_attention(q, k, v, allowed, scale, extra_k=None, extra_v=None, additive=None):
    """Attention of float64 q [B,H,Sq,D], k [B,H,Sk,D], v [B,H,Sk,Dv].

    `allowed` (bool, broadcastable to [B,H,Sq,Sk]) keeps scores; `additive`
    (broadcastable) is added to them; `extra_k`/`extra_v` ([B,H,R,D] and
    [B,H,R,Dv]) are R extra positions every query sees.
    """
    s = scale * np.einsum("bhid,bhjd->bhij", q, k)
    if additive is not None:
        s = s + additive
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    vv = v
    if extra_k is not None:
        se = scale * np.einsum("bhid,bhrd->bhir", q, extra_k)
        s = np.concatenate([s, se], axis=-1)
        vv = np.concatenate([v, extra_v], axis=2)
    p = _softmax_last(s)
    with np.errstate(invalid="ignore"):
        return np.einsum("bhij,bhje->bhie", p, vv)


def _check_attention_shapes(q, k, v):
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError("attention tensors must be 4-D [B, H, S, D]")
    if q.shape[:2] != k.shape[:2] or k.shape[:3] != v.shape[:3] or q.shape[3] != k.shape[3]:
        raise ValueError("attention shapes mismatch: %s %s %s" % (q.shape, k.shape, v.shape))


def attention(q, k, v, mask=None, scale=None, causal=False):
    """`dsk.attention`: multi-head scaled dot-product attention.

    `q : [B, H, Sq, D]`, `k : [B, H, Sk, D]`, `v : [B, H, Sk, Dv]`. `scale`
    defaults to 1/sqrt(D). A float `mask` (rank <= 4, NumPy broadcasting to
    [B, H, Sq, Sk]) is added to the scores; a bool mask keeps positions where
    it is true (-inf elsewhere). `causal` sets scores with j > i to -inf
    (upper-left aligned). A row with every score -inf gives NaN.
    """
    q64 = np.asarray(q, dtype=np.float64)
    k64 = np.asarray(k, dtype=np.float64)
    v64 = np.asarray(v, dtype=np.float64)
    _check_attention_shapes(q64, k64, v64)
    B, H, Sq, D = q64.shape
    Sk = k64.shape[2]
    shape = (B, H, Sq, Sk)
    allowed = None
    additive = None
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim > 4:
            raise ValueError("mask rank must be <= 4")
        if m.dtype == np.bool_:
            allowed = np.broadcast_to(m, shape)
        else:
            additive = np.broadcast_to(m.astype(np.float64), shape)
    if causal:
        i = np.arange(Sq)[:, None]
        j = np.arange(Sk)[None, :]
        keep = j <= i
        allowed = keep if allowed is None else (allowed & keep)
    out = _masked_attention(q64, k64, v64, allowed, _default_scale(scale, D), additive=additive)
    return out.astype(np.float32)


def _scale_spec(spec):
    """Normalises a scale given as a dict {"kind": ..., ...} or a kind string."""
    if isinstance(spec, str):
        spec = {"kind": spec}
    kind = spec.get("kind")
    if kind not in ("local", "segment", "global"):
        raise ValueError("unknown scale kind %r" % (kind,))
    return spec


def scale_mask(spec, seq_len, segment_ids=None):
    """The `allowed(b, i, j)` mask of one `#dsk.scale`, as a bool [B or 1, S, S] array.

    `{"kind": "local", "window": w}`: |i - j| <= w.
    `{"kind": "segment", "length": L}`: i // L == j // L.
    `{"kind": "segment"}`: segment_ids[b, i] == segment_ids[b, j].
    `{"kind": "global"}`: every key; `{"kind": "global", "tokens": [...]}`:
    j is one of the tokens.
    """
    spec = _scale_spec(spec)
    S = int(seq_len)
    i = np.arange(S)[:, None]
    j = np.arange(S)[None, :]
    kind = spec["kind"]
    if kind == "local":
        w = int(spec["window"])
        if w < 0:
            raise ValueError("window must be >= 0")
        return (np.abs(i - j) <= w)[None]
    if kind == "segment":
        if spec.get("length") is not None:
            L = int(spec["length"])
            if L < 1:
                raise ValueError("segment length must be >= 1")
            return (i // L == j // L)[None]
        if segment_ids is None:
            raise ValueError("a segment scale without length needs segment_ids")
        ids = np.asarray(segment_ids).astype(np.int64)
        if ids.ndim != 2 or ids.shape[1] != S:
            raise ValueError("segment_ids must be [B, S]")
        return ids[:, :, None] == ids[:, None, :]
    tokens = spec.get("tokens")
    if tokens is None:
        return np.ones((1, S, S), dtype=bool)
    toks = [int(t) for t in tokens]
    if len(set(toks)) != len(toks) or any(t < 0 or t >= S for t in toks):
        raise ValueError("global tokens must be distinct and in [0, S)")
    keep = np.zeros((1, S, S), dtype=bool)
    keep[:, :, toks] = True
    return keep


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                        np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def multiscale_attention(q, k, v, gate_weight, gate_bias, scales, segment_ids=None, scale=None):
    """`dsk.multiscale_attention`: gated mixture of attentions at N >= 2 scales.

    q, k, v : [B, H, S, D]; gate_weight : [H, D, G]; gate_bias : [H, G] with
    G = 1 for two scales (out = g A_1 + (1 - g) A_2, g = sigmoid(logit)) and
    G = N otherwise (out = sum_s softmax_g(logits)[s] A_s). The gate logits
    are `q . gate_weight + gate_bias` (not scaled). `scales` lists dicts as
    accepted by `scale_mask`.
    """
    q64 = np.asarray(q, dtype=np.float64)
    k64 = np.asarray(k, dtype=np.float64)
    v64 = np.asarray(v, dtype=np.float64)
    _check_attention_shapes(q64, k64, v64)
    if q64.shape != k64.shape or q64.shape != v64.shape:
        raise ValueError("multiscale_attention: q, k, v must have the same shape")
    B, H, S, D = q64.shape
    n = len(scales)
    if n < 2:
        raise ValueError("multiscale_attention needs at least two scales")
    G = 1 if n == 2 else n
    gw = np.asarray(gate_weight, dtype=np.float64)
    gb = np.asarray(gate_bias, dtype=np.float64)
    if gw.shape != (H, D, G) or gb.shape != (H, G):
        raise ValueError("gate shapes must be [H, D, G] = %s and [H, G] = %s, got %s and %s"
                         % ((H, D, G), (H, G), gw.shape, gb.shape))
    sc = _default_scale(scale, D)
    outs = []
    for spec in scales:
        allowed = scale_mask(spec, S, segment_ids)[:, None]  # [B or 1, 1, S, S]
        outs.append(_masked_attention(q64, k64, v64, allowed, sc))
    logits = np.einsum("bhid,hdg->bhig", q64, gw) + gb[None, :, None, :]
    if n == 2:
        g = _sigmoid(logits[..., 0:1])
        out = g * outs[0] + (1.0 - g) * outs[1]
    else:
        w = _softmax_last(logits)
        out = sum(w[..., s:s + 1] * outs[s] for s in range(n))
    return out.astype(np.float32)


def _is_power_of_two(n):
    return (n > 0) & ((n & (n - 1)) == 0)


def sparse_attention_mask(seq_len, window=None, global_tokens=None, log_strides=False, causal=False):
    """The bool [S, S] `allowed(i, j)` pattern of `dsk.sparse_attention`."""
    S = int(seq_len)
    i = np.arange(S)[:, None]
    j = np.arange(S)[None, :]
    allowed = i == j
    if window is not None:
        allowed = allowed | (np.abs(i - j) <= int(window))
    if global_tokens is not None:
        toks = np.zeros(S, dtype=bool)
        for t in global_tokens:
            t = int(t)
            if t < 0 or t >= S:
                raise ValueError("global token %d out of range" % t)
            toks[t] = True
        allowed = allowed | toks[:, None] | toks[None, :]
    if log_strides:
        allowed = allowed | _is_power_of_two(np.abs(i - j))
    if causal:
        allowed = allowed & (j <= i)
    return allowed


def sparse_attention(q, k, v, window=None, global_tokens=None, log_strides=False,
                     causal=False, lowrank_key=None, lowrank_value=None, scale=None):
    """`dsk.sparse_attention`: attention over a structured sparse pattern.

    allowed(i, j) = i == j or |i - j| <= window or i or j in global_tokens or
    (log_strides and |i - j| a power of two), and j <= i with causal. The
    optional low-rank term appends R summaries
    `k'[b,h,r] = sum_j lowrank_key[h,r,j] k[b,h,j]` (and likewise v') that
    every query sees (the causal rule does not apply to them); one softmax
    covers the allowed keys and the summaries.
    """
    q64 = np.asarray(q, dtype=np.float64)
    k64 = np.asarray(k, dtype=np.float64)
    v64 = np.asarray(v, dtype=np.float64)
    _check_attention_shapes(q64, k64, v64)
    B, H, S, D = q64.shape
    if k64.shape[2] != S:
        raise ValueError("sparse_attention needs Sq == Sk")
    if window is None and global_tokens is None and not log_strides:
        raise ValueError("sparse_attention needs window, global_tokens or log_strides")
    allowed = sparse_attention_mask(S, window, global_tokens, log_strides, causal)
    extra_k = extra_v = None
    if (lowrank_key is None) != (lowrank_value is None):
        raise ValueError("lowrank_key and lowrank_value go together")
    if lowrank_key is not None:
        lk = np.asarray(lowrank_key, dtype=np.float64)
        lv = np.asarray(lowrank_value, dtype=np.float64)
        if lk.ndim != 3 or lk.shape[0] != H or lk.shape[2] != S or lv.shape != lk.shape:
            raise ValueError("lowrank_key/value must be [H, R, S]")
        extra_k = np.einsum("hrj,bhjd->bhrd", lk, k64)
        extra_v = np.einsum("hrj,bhje->bhre", lv, v64)
    out = _masked_attention(q64, k64, v64, allowed, _default_scale(scale, D),
                            extra_k=extra_k, extra_v=extra_v)
    return out.astype(np.float32)


# ---------------------------------------------------------------------------
# Quantization
# ---------------------------------------------------------------------------


def storage_range(bits, signed):
    """[qmin, qmax] of a `bits`-wide storage integer."""
    bits = int(bits)
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _axis_param(values, ndim, shape, axis, dtype):
    """Broadcastable per-tensor or per-axis parameter array."""
    p = np.asarray(values, dtype=dtype)
    if axis is None:
        if p.size != 1:
            raise ValueError("a per-tensor encoding takes one parameter, got %d" % p.size)
        return p.reshape(())
    axis = int(axis)
    if axis < 0 or axis >= ndim:
        raise ValueError("axis %d out of range for rank %d" % (axis, ndim))
    if p.ndim != 1 or p.shape[0] != shape[axis]:
        raise ValueError("per-axis parameters: need %d along axis %d, got %s"
                         % (shape[axis], axis, p.shape))
    new_shape = [1] * ndim
    new_shape[axis] = shape[axis]
    return p.reshape(new_shape)


def _check_finite_input(x):
    if np.any(np.isnan(x)):
        raise ValueError("quantizing NaN is undefined")


def quantize_uniform(x, scales, zero_points, axis=None, bits=8, signed=True):
    """`dsk.quantize` to `#dsk.uniform`: `q = clamp(roundeven(x / scale) + zp, qmin, qmax)`.

    `x / scale` is computed in float32 (scale rounded to float32), rounded
    half to even (np.rint), the zero point added and the sum saturated to the
    storage range of a `bits`-wide signed (signless, two's complement) or
    unsigned integer. Returns the integer values (int8/int16 or
    uint8/uint16 arrays).
    """
    x32 = np.asarray(x, dtype=np.float32)
    _check_finite_input(x32)
    sc = _axis_param(scales, x32.ndim, x32.shape, axis, np.float32)
    zp = _axis_param(zero_points, x32.ndim, x32.shape, axis, np.int64)
    qmin, qmax = storage_range(bits, signed)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        t = np.rint(x32 / sc).astype(np.float64)
    q = np.clip(t + zp, qmin, qmax)
    return q.astype(np.int64).astype(_int_dtype(int(bits), signed))


def dequantize_uniform(q, scales, zero_points, axis=None):
    """`dsk.dequantize` of `#dsk.uniform`: `(float32(q) - float32(zp)) * float32(scale)`."""
    qa = np.asarray(q)
    q32 = qa.astype(np.int64).astype(np.float32)
    sc = _axis_param(scales, qa.ndim, qa.shape, axis, np.float32)
    zp = _axis_param(zero_points, qa.ndim, qa.shape, axis, np.int64).astype(np.float32)
    return ((q32 - zp) * sc).astype(np.float32)


def _log2_layout(bits):
    bits = int(bits)
    if bits < 3 or bits > 8:
        raise ValueError("log2 storage has 3 to 8 bits")
    return bits, (1 << (bits - 1)) - 1


def quantize_log2(x, scales, axis=None, bits=4):
    """`dsk.quantize` to `#dsk.log2`.

    Code layout: the sign bit on top, then a (bits-1)-bit exponent code e;
    E = 2^(bits-1) - 1 is the zero code (stored with sign 0). For x != 0,
    `r = log2(scale / |x|)` in float32; r > E - 1 + 0.5 gives the zero code,
    otherwise e = clamp(roundeven(r), 0, E - 1). Returns the storage values
    as the signless `ibits` tensor holds them (two's complement, so a set sign
    bit reads negative), in an int8 array.
    """
    bits, E = _log2_layout(bits)
    x32 = np.asarray(x, dtype=np.float32)
    _check_finite_input(x32)
    sc = _axis_param(scales, x32.ndim, x32.shape, axis, np.float32)
    ax = np.abs(x32)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        r = np.log2((sc / ax).astype(np.float32)).astype(np.float32)
    zero = (x32 == 0) | (r > np.float32(E - 1 + 0.5))
    e = np.clip(np.rint(np.where(zero, 0, r)), 0, E - 1).astype(np.int64)
    e = np.where(zero, E, e)
    sign = ((x32 < 0) & ~zero).astype(np.int64)
    code = (sign << (bits - 1)) | e
    return _wrap_int(code, bits, True).astype(np.int8)


def dequantize_log2(codes, scales, axis=None, bits=4):
    """`dsk.dequantize` of `#dsk.log2`: `(-1)^sign * scale * 2^-e`, 0 for e == E."""
    bits, E = _log2_layout(bits)
    c = np.asarray(codes).astype(np.int64) & ((1 << bits) - 1)
    sign = (c >> (bits - 1)) & 1
    e = c & E
    sc = _axis_param(scales, c.ndim, c.shape, axis, np.float32)
    mag = np.ldexp(np.broadcast_to(sc, c.shape).astype(np.float32), (-np.minimum(e, E - 1)).astype(np.int32))
    val = np.where(sign == 1, -mag, mag).astype(np.float32)
    return np.where(e == E, np.float32(0.0), val).astype(np.float32)


def _tables(tables, axis):
    t = np.asarray(tables, dtype=np.float32)
    if axis is None:
        if t.ndim == 2 and t.shape[0] == 1:
            t = t[0]
        if t.ndim != 1:
            raise ValueError("a per-tensor codebook is one table")
    elif t.ndim != 2:
        raise ValueError("a per-axis codebook is [channels, entries]")
    if t.shape[-1] < 1 or t.shape[-1] > 16:
        raise ValueError("a codebook table has 1 to 16 entries")
    return t


def quantize_codebook(x, tables, axis=None):
    """`dsk.quantize` to `#dsk.codebook`: index of the nearest table entry.

    Distances |x - entry| are computed in float32 (entries rounded to
    float32); ties pick the lowest index. `tables` is one table (per tensor)
    or [channels, entries] (per `axis`). Returns the codes as unsigned
    indices (uint8).
    """
    x32 = np.asarray(x, dtype=np.float32)
    _check_finite_input(x32)
    t = _tables(tables, axis)
    if axis is None:
        d = np.abs(x32[..., None] - t)
        return np.argmin(d, axis=-1).astype(np.uint8)
    axis = int(axis)
    if t.shape[0] != x32.shape[axis]:
        raise ValueError("need one table per index along axis %d" % axis)
    xm = np.moveaxis(x32, axis, -1)
    d = np.abs(xm[..., None] - t)  # [..., C, n]
    codes = np.argmin(d, axis=-1)
    return np.moveaxis(codes, -1, axis).astype(np.uint8)


def dequantize_codebook(codes, tables, axis=None, bits=None):
    """`dsk.dequantize` of `#dsk.codebook`: `values[channel][code]`.

    Codes are read as unsigned indices; with `bits`, a signless storage value
    (e.g. -1 in an i4 tensor) is first reduced to its `bits`-bit pattern.
    """
    c = np.asarray(codes).astype(np.int64)
    if bits is not None:
        c = c & ((1 << int(bits)) - 1)
    t = _tables(tables, axis)
    if np.any(c < 0) or np.any(c >= t.shape[-1]):
        raise ValueError("codebook code out of range")
    if axis is None:
        return t[c].astype(np.float32)
    axis = int(axis)
    cm = np.moveaxis(c, axis, -1)
    chan = np.arange(t.shape[0])
    out = t[chan, cm]
    return np.moveaxis(out, -1, axis).astype(np.float32)


# ---------------------------------------------------------------------------
# Run-time precision selection
# ---------------------------------------------------------------------------


def selector_statistic(x, statistic):
    """`max_abs`, `mean_abs` or `rms` of all elements of `x` (in float64)."""
    a = np.asarray(x, dtype=np.float64)
    if statistic == "max_abs":
        return float(np.max(np.abs(a)))
    if statistic == "mean_abs":
        return float(np.mean(np.abs(a)))
    if statistic == "rms":
        return float(np.sqrt(np.mean(a * a)))
    raise ValueError("unknown statistic %r" % (statistic,))


def select_alternative(x, statistic, thresholds):
    """Index of the `dsk.dynamic_precision` alternative: #thresholds t with s >= t."""
    s = selector_statistic(x, statistic)
    th = [float(t) for t in thresholds]
    if any(b <= a for a, b in zip(th, th[1:])):
        raise ValueError("thresholds must be strictly increasing")
    return sum(1 for t in th if s >= t)
