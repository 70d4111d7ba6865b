//===- DskOps.td - dsk operations ---------------------------*- tablegen -*-===//

#ifndef DSK_DIALECT_DSK_IR_DSKOPS_TD
#define DSK_DIALECT_DSK_IR_DSKOPS_TD

include "dsk/Dialect/Dsk/IR/DskBase.td"
include "dsk/Dialect/Dsk/IR/DskAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"

def Dsk_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Dsk_IntegerTensor : RankedTensorOf<[AnyInteger]>;
def Dsk_AttentionTensor : 4DTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Dsk_MatmulOp : Dsk_Op<"matmul", [Pure]> {
  let summary = "batched matrix product with broadcasting, transposes and bias";
  let description = [{
    `result[..., m, n] = sum_k A[..., m, k] * B[..., k, n] (+ bias)`, where
    `A` is `lhs` (transposed in its last two dimensions when `transpose_lhs`
    is set) and `B` is `rhs` (likewise with `transpose_rhs`). Both operands
    have rank ≥ 2. Their leading (batch) dimensions broadcast like NumPy: they
    are aligned from the right, a missing or size-1 dimension stretches, and
    the result has the broadcast batch shape followed by `[M, N]`.

    Products accumulate in `acc_type` (default `f32` for float operands, `i32`
    for integer operands). Float results are rounded from the accumulator to
    the result element type; integer products require an integer accumulator
    and an integer result of that type. Integer operands are sign-extended
    (`ui` storage zero-extended).

    `rhs` may be a quantized tensor (`#dsk.uniform`, `#dsk.log2` or
    `#dsk.codebook` encoding); it is then dequantized to the accumulator type
    and `lhs` must be a float tensor. A per-axis encoding's axis indexes
    `rhs` as stored, before `transpose_rhs` applies.

    The optional `bias` broadcasts (NumPy rules) to the result shape and is
    added in the accumulator type before rounding; it is a float tensor for
    float products and an integer tensor (extended to the accumulator) for
    integer products.

    ```mlir
    %r = dsk.matmul %a, %b bias %c {transpose_rhs}
        : (tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat, AnyInteger]>:$lhs,
    RankedTensorOf<[AnyFloat, AnyInteger]>:$rhs,
    Optional<RankedTensorOf<[AnyFloat, AnyInteger]>>:$bias,
    UnitAttr:$transpose_lhs,
    UnitAttr:$transpose_rhs,
    OptionalAttr<TypeAttrOf<AnyTypeOf<[AnySignlessInteger, AnyFloat]>>>:$acc_type
  );
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The accumulator element type, with its default applied.
    ::mlir::Type getAccumulatorType();
  }];
}

def Dsk_LowRankMatmulOp : Dsk_Op<"lowrank_matmul", [Pure]> {
  let summary = "product with a low-rank factored weight";
  let description = [{
    `result[..., n] = sum_r (sum_k x[..., k] * U[k, r]) * V[r, n] (+ bias[n])`:
    the product of `x` with a weight `W ≈ U·V` of shape `[K, N]` factored
    into `U : [K, R]` and `V : [R, N]`. The decomposition pass produces it;
    the cost is `R·(K + N)` per row instead of `K·N`. `x` has rank ≥ 1 and the
    result has `x`'s leading dimensions followed by `N`. All tensors have the
    same float element type.

    ```mlir
    %y = dsk.lowrank_matmul %x, %u, %v bias %b
        : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
    ```
  }];
  let arguments = (ins
    Dsk_FloatTensor:$input,
    2DTensorOf<[AnyFloat]>:$u,
    2DTensorOf<[AnyFloat]>:$v,
    Optional<1DTensorOf<[AnyFloat]>>:$bias
  );
  let results = (outs Dsk_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $u `,` $v (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dsk_SparseMatmulOp : Dsk_Op<"sparse_matmul", [Pure]> {
  let summary = "product with a block-sparse (BSR) or CSR weight";
  let description = [{
    `result[..., n] = sum_k x[..., k] * W[k, n] (+ bias[n])` where the weight
    `W : [K, N]` (`weight_shape`) is stored in block compressed sparse row form
    with blocks of `block = [BK, BN]` elements (`BK` divides `K`, `BN` divides
    `N`):

    - `values : [NB, BK, BN]` holds the `NB` stored blocks, row-block major;
    - `col_indices : [NB]` holds each block's column-block index, in
      `[0, N / BN)`, distinct within a block row;
    - `row_offsets : [K / BK + 1]` holds, for block row `r`, the range
      `[row_offsets[r], row_offsets[r + 1])` of its blocks in `values`
      (non-decreasing, starting at 0 and ending at NB).

    CSR is the case `block = [1, 1]`. Elements not covered by a stored block
    are zero. Index tensors are of any integer type and read as unsigned.
    When they are constants the verifier checks these rules; otherwise an
    index out of range is undefined behaviour. `values` has the element type
    of `input` and the result.

    ```mlir
    %y = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>}
        : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins
    Dsk_FloatTensor:$input,
    3DTensorOf<[AnyFloat]>:$values,
    1DTensorOf<[AnyInteger, Index]>:$col_indices,
    1DTensorOf<[AnyInteger, Index]>:$row_offsets,
    Optional<1DTensorOf<[AnyFloat]>>:$bias,
    DenseI64ArrayAttr:$weight_shape,
    DenseI64ArrayAttr:$block
  );
  let results = (outs Dsk_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $values `,` $col_indices `,` $row_offsets (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Checks constant index tensors against the BSR rules.
    ::llvm::LogicalResult verifyConstantSparsity(int64_t numBlocks,
                                                 int64_t numColBlocks);
  }];
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Dsk_AttentionOp : Dsk_Op<"attention", [Pure]> {
  let summary = "multi-head scaled dot-product attention";
  let description = [{
    With `q : [B, H, Sq, D]`, `k : [B, H, Sk, D]`, `v : [B, H, Sk, Dv]` and
    result `[B, H, Sq, Dv]`:

    ```
    s[b, h, i, j] = scale * sum_d q[b, h, i, d] * k[b, h, j, d] + mask'[b, h, i, j]
    p = softmax over j of s
    result[b, h, i, e] = sum_j p[b, h, i, j] * v[b, h, j, e]
    ```

    `scale` defaults to `1 / sqrt(D)`. The optional `mask` has rank ≤ 4 and
    broadcasts (NumPy rules) to `[B, H, Sq, Sk]`; a float mask (same element
    type as `q`, `-inf` allowed) is added to the scores, an `i1` mask keeps position `(i, j)`
    where it is true and sets the score to `-inf` elsewhere. With `causal`,
    scores with `j > i` are `-inf` (upper-left aligned, as PyTorch's
    `is_causal` and ONNX `Attention`). A row whose every score is `-inf` has
    an undefined (NaN) result.

    ```mlir
    %o = dsk.attention %q, %k, %v mask %m {causal}
        : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>)
        -> tensor<1x2x8x16xf32>
    ```
  }];
  let arguments = (ins
    Dsk_AttentionTensor:$query,
    Dsk_AttentionTensor:$key,
    Dsk_AttentionTensor:$value,
    Optional<RankedTensorOf<[AnyFloat, I1]>>:$mask,
    OptionalAttr<F64Attr>:$scale,
    UnitAttr:$causal
  );
  let results = (outs Dsk_AttentionTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dsk_F32TensorOrMemRef
    : AnyTypeOf<[RankedTensorOf<[F32]>, MemRefOf<[F32]>]>;

def Dsk_AttentionKernelOp : Dsk_Op<"attention_kernel", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "f32 attention in destination-passing style, for a kernel";
  let description = [{
    `dsk.attention` (same operands, same result, same numerics) as the
    lowering of an f32 attention that `dsk-select-kernels` gave a kernel
    produces it: in destination-passing style, so that it bufferizes, and
    with the scale resolved. It computes into `init` (whose contents it
    never reads) on tensors, yielding the result, or on memrefs after
    bufferization, where `dsk-cpu-lower-kernels` replaces it with the
    kernel's code (key blocks, online softmax: the scores are never
    materialised).

    ```mlir
    %o = dsk.attention_kernel %q, %k, %v mask %m into %init {scale = 0.25 : f64}
        : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>,
          tensor<8x8xf32> into tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    ```
  }];
  let arguments = (ins
    Dsk_F32TensorOrMemRef:$query,
    Dsk_F32TensorOrMemRef:$key,
    Dsk_F32TensorOrMemRef:$value,
    Optional<Dsk_F32TensorOrMemRef>:$mask,
    Dsk_F32TensorOrMemRef:$init,
    F64Attr:$scale,
    UnitAttr:$causal
  );
  let results = (outs Variadic<RankedTensorOf<[F32]>>:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? `into` $init attr-dict `:`
    type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `into` type($init) (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
}

def Dsk_MultiScaleAttentionOp : Dsk_Op<"multiscale_attention", [Pure]> {
  let summary = "gated mixture of attentions at several scales";
  let description = [{
    Self-attention over `N ≥ 2` mask families ("scales") with a learned,
    per-token and per-head gate. Shapes:

    - `q`, `k`, `v`, result: `[B, H, S, D]` (all the same shape and float type);
    - `gate_weight : [H, D, G]` and `gate_bias : [H, G]`, with `G = 1` when
      `N = 2` and `G = N` otherwise;
    - optional `segment_ids : [B, S]` (any integer type), required exactly
      when a `#dsk.scale<segment>` without `length` is listed.

    For each scale `s` with mask `allowed_s(b, i, j)` (see `#dsk.scale`):

    ```
    scores_s[b, h, i, j] = scale * sum_d q[b, h, i, d] * k[b, h, j, d]   if allowed_s
                         = -inf                                           otherwise
    A_s[b, h, i, :] = sum_j softmax_j(scores_s[b, h, i, :])[j] * v[b, h, j, :]
    logits[b, h, i, g] = sum_d q[b, h, i, d] * gate_weight[h, d, g] + gate_bias[h, g]
    ```

    The gate logits are not multiplied by `scale`. Scales are numbered in the
    order listed, so `A_1` is the first. For two scales,
    `gt = sigmoid(logits[b, h, i, 0])` and
    `result = gt * A_1 + (1 - gt) * A_2`. For `N > 2`,
    `w = softmax_g(logits[b, h, i, :])` and `result = sum_s w[s] * A_s`.
    `scale` defaults to `1 / sqrt(D)`. Every listed mask keeps at least one
    key per query (the local and segment masks keep `j = i`), so no row is
    empty.

    ```mlir
    %o = dsk.multiscale_attention %q, %k, %v gate %w, %b
        scales [#dsk.scale<local, window = 2>, #dsk.scale<global>]
        : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
           tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
    ```
  }];
  let arguments = (ins
    Dsk_AttentionTensor:$query,
    Dsk_AttentionTensor:$key,
    Dsk_AttentionTensor:$value,
    3DTensorOf<[AnyFloat]>:$gate_weight,
    2DTensorOf<[AnyFloat]>:$gate_bias,
    Optional<2DTensorOf<[AnyInteger]>>:$segment_ids,
    TypedArrayAttrBase<Dsk_ScaleAttr, "array of #dsk.scale">:$scales,
    OptionalAttr<F64Attr>:$scale
  );
  let results = (outs Dsk_AttentionTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `gate` $gate_weight `,` $gate_bias
    (`segment_ids` $segment_ids^)? `scales` $scales attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dsk_SparseAttentionOp : Dsk_Op<"sparse_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "attention over a structured sparse pattern, with an optional low-rank term";
  let description = [{
    Attention (shapes as `dsk.attention`, with `Sq = Sk = S`) where query `i`
    only sees the keys `j` of a structured pattern:

    ```
    allowed(i, j) = i == j
                 or (window is set and |i - j| <= window)
                 or i in global_tokens or j in global_tokens
                 or (log_strides and |i - j| is a power of two)
    and, with causal, j <= i
    ```

    `causal` restricts the whole pattern, global rows included. At least one
    of `window`, `global_tokens`, `log_strides` is set. With
    window `w`, `g` global tokens and log strides the cost per query is
    `O(w + g + log S)` instead of `O(S)`.

    The optional low-rank term lets every query also see a compressed summary
    of all keys (Linformer-style): with `lowrank_key : [H, R, S]` and
    `lowrank_value : [H, R, S]`, the summaries
    `k'[b, h, r, :] = sum_j lowrank_key[h, r, j] * k[b, h, j, :]` and
    `v'[b, h, r, :] = sum_j lowrank_value[h, r, j] * v[b, h, j, :]` are
    appended to the keys and values as `R` extra positions that every query
    may attend to; one softmax normalises over the allowed keys and the `R`
    summaries together. The summaries mix all keys, future ones included,
    and `causal` does not hide them. `scale` defaults to `1 / sqrt(D)`.

    ```mlir
    %o = dsk.sparse_attention %q, %k, %v lowrank %e, %f
        {window = 2 : i64, global_tokens = array<i64: 0>, log_strides}
        : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
           tensor<2x4x16xf32>, tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32>
    ```
  }];
  let arguments = (ins
    Dsk_AttentionTensor:$query,
    Dsk_AttentionTensor:$key,
    Dsk_AttentionTensor:$value,
    Optional<3DTensorOf<[AnyFloat]>>:$lowrank_key,
    Optional<3DTensorOf<[AnyFloat]>>:$lowrank_value,
    OptionalAttr<I64Attr>:$window,
    OptionalAttr<DenseI64ArrayAttr>:$global_tokens,
    UnitAttr:$log_strides,
    UnitAttr:$causal,
    OptionalAttr<F64Attr>:$scale
  );
  let results = (outs Dsk_AttentionTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`lowrank` $lowrank_key^ `,` $lowrank_value)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Dsk_QuantizeOp : Dsk_Op<"quantize", [Pure]> {
  let summary = "quantize a float tensor into a dsk-encoded integer tensor";
  let description = [{
    Converts each element of a float tensor to the storage code of the
    result's encoding (`#dsk.uniform`, `#dsk.log2` or `#dsk.codebook`; see
    each for the rounding rule), computing in f32 (`x / scale` is a true
    division). NaN quantizes to the zero point (uniform), the zero code
    (log2) or code 0 (codebook). Input and result have the same shape.

    ```mlir
    %q = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = 0>>
    ```

    A quantize of a constant folds to a constant of the encoded type, so
    that weights are quantized at compile time (`dsk.dequantize` is
    deliberately not folded: it would undo the compression).
  }];
  let arguments = (ins Dsk_FloatTensor:$input);
  let results = (outs Dsk_IntegerTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dsk_DequantizeOp : Dsk_Op<"dequantize", [Pure]> {
  let summary = "dequantize a dsk-encoded integer tensor to floats";
  let description = [{
    Converts each storage code of a quantized tensor to the real value its
    encoding assigns, computed in f32 and converted to the result's float
    type. A log2 code whose exponent field is all ones is 0 whatever its
    sign bit; a codebook code past the end of its table reads entry 0.
    Input and result have the same shape.

    ```mlir
    %x = dsk.dequantize %q : tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = 0>> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Dsk_IntegerTensor:$input);
  let results = (outs Dsk_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Precision
//===----------------------------------------------------------------------===//

def Dsk_PrecisionRegionOp : Dsk_Op<"precision_region", [
    RecursiveMemoryEffects, SingleBlock]> {
  let summary = "a region computed at a given precision, with explicit boundary casts";
  let description = [{
    Computes its body at `precision` (`f32`, `bf16`, `f16` or `i8`). The body
    has one block argument per input, of the input's shape, and its
    `dsk.yield` yields one value per result, of the result's shape. The
    boundary conversions are explicit in the types:

    - a float input enters as a tensor of `precision` (rounded to nearest
      even for a narrower float); a non-float input enters unchanged. In an
      `i8` region, float inputs are not allowed: quantize them first
      (`dsk.quantize`), so that the scale is explicit.
    - a float yielded value leaves converted (rounded or extended) to the
      result's float element type; a non-float value leaves unchanged.

    ```mlir
    %r = dsk.precision_region bf16 ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) {
    ^bb0(%x: tensor<4x8xbf16>, %y: tensor<8x4xbf16>):
      %m = dsk.matmul %x, %y : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xbf16>
      dsk.yield %m : tensor<4x4xbf16>
    } -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins
    TypeAttrOf<AnyTypeOf<[F32, BF16, F16, I8]>>:$precision,
    Variadic<AnyRankedTensor>:$inputs
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $precision (`ins` `(` $inputs^ `:` type($inputs) `)`)? $body attr-dict (`->` type($results)^)?
  }];
  let hasRegionVerifier = 1;
}

def Dsk_DynamicPrecisionOp : Dsk_Op<"dynamic_precision", [
    RecursiveMemoryEffects]> {
  let summary = "alternative regions of different precision, selected at run time";
  let description = [{
    Holds two or more alternative computations of the same results (for
    example at `i8` and at `f16`) and the `#dsk.policy` that picks one at run
    time from a cheap statistic of one input. Exactly one alternative runs.
    Every alternative region takes one block argument per input (of the
    input's type) and yields values of the result types. The policy's
    `choices` name each alternative's precision, in order, so the runtime can
    report which one ran; there is one more alternative than thresholds.
    The statistic is computed in f32 over all elements of the selected
    input; a NaN statistic reaches no threshold and selects alternative 0.

    ```mlir
    %r = dsk.dynamic_precision ins(%x : tensor<8xf32>)
        policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
    ^bb0(%a: tensor<8xf32>):
      dsk.yield %a : tensor<8xf32>
    }, {
    ^bb0(%a: tensor<8xf32>):
      %r = dsk.precision_region bf16 ins(%a : tensor<8xf32>) {
      ^bb0(%b: tensor<8xbf16>):
        dsk.yield %b : tensor<8xbf16>
      } -> tensor<8xf32>
      dsk.yield %r : tensor<8xf32>
    } -> tensor<8xf32>
    ```
  }];
  let arguments = (ins
    Variadic<AnyRankedTensor>:$inputs,
    Dsk_PrecisionPolicyAttr:$policy
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region VariadicRegion<SizedRegion<1>>:$alternatives);
  let assemblyFormat = [{
    `ins` `(` $inputs `:` type($inputs) `)` `policy` $policy $alternatives attr-dict
    (`->` type($results)^)?
  }];
  let hasRegionVerifier = 1;
}

def Dsk_YieldOp : Dsk_Op<"yield", [
    Pure, Terminator, ReturnLike,
    ParentOneOf<["PrecisionRegionOp", "DynamicPrecisionOp"]>]> {
  let summary = "yields the results of a precision region or alternative";
  let description = [{
    Terminates the body of `dsk.precision_region` and each alternative of
    `dsk.dynamic_precision`, yielding the values that become the parent's
    results (after the parent's boundary conversion).
    ```mlir
    dsk.yield %m : tensor<4x4xbf16>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // DSK_DIALECT_DSK_IR_DSKOPS_TD
