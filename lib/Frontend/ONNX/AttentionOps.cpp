//===- AttentionOps.cpp - ONNX attention operators ------------------------===//
//
// Attention (opsets 23-25) becomes dsk.attention where that op expresses the
// node exactly (no softcap, no qk_matmul_output, a softmax precision that
// does not change the result, a positive scale), with the attention bias it
// cannot express (offset causal masks, sliding windows, nonpad_kv_seqlen)
// folded into its mask operand. Otherwise the node becomes the explicit
// computation: dsk.matmul for Q·Kᵀ and P·V, linalg.generic for the scale,
// softcap, bias and softmax. Grouped-query attention repeats the key/value
// heads first (linalg.broadcast + tensor.collapse_shape). A fully-masked
// query row yields a zero row, as ONNX specifies.
//
// RotaryEmbedding (opset 23) is one linalg.generic that reads each element's
// rotation partner and its cos/sin entries with tensor.extract.
//
// LinearAttention (opset 27) is an scf.for over the tokens carrying the f32
// (or f64) recurrent state and the output, the state updated in place by
// linalg.generic ops (decay, delta correction, outer-product write) and each
// token's output a contraction with the state (heads repeated for GQA).
// CausalConvWithState (opset 27) pads the input with the carried state (or
// zeros), convolves depthwise in one reduction generic, then adds the bias
// and the SiLU. SwiGLU (opset 28) is one elementwise generic. TensorScatter
// (opset 24) is one generic over the cache that reads the update where the
// (linear or circular) write window covers the position.
// FlexAttention (ai.onnx.preview 1) is dsk.matmul for Q·Kᵀ and P·V with the
// softmax as linalg.generic ops in softmax_precision; its score_mod and
// prob_mod subgraphs are imported inline on the score / probability tensor.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;
using utils::IteratorType;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

Value indexValue(OpBuilder &b, Location loc, OpFoldResult x) {
  return getValueOrCreateConstantIndexOp(b, loc, x);
}

int64_t staticSize(OpFoldResult x) {
  std::optional<int64_t> c = getConstantIntValue(x);
  return c ? *c : ShapedType::kDynamic;
}

SmallVector<int64_t> staticSizes(ArrayRef<OpFoldResult> sizes) {
  return llvm::to_vector(llvm::map_range(sizes, staticSize));
}

/// `x / y` on sizes, folded when both are static.
OpFoldResult divSize(OpBuilder &b, Location loc, OpFoldResult x, int64_t y) {
  if (std::optional<int64_t> c = getConstantIntValue(x))
    return b.getIndexAttr(*c / y);
  return arith::DivUIOp::create(b, loc, indexValue(b, loc, x),
                                arith::ConstantIndexOp::create(b, loc, y))
      .getResult();
}

/// A map from `numLoops` loops to a tensor of `shape` whose dim k is indexed
/// by loop `loops[k]`; a static size-1 dim against a loop whose extent is not
/// 1 is broadcast (indexed by 0).
AffineMap broadcastMap(MLIRContext *ctx, unsigned numLoops,
                       ArrayRef<int64_t> shape, ArrayRef<unsigned> loops,
                       ArrayRef<int64_t> extents) {
  SmallVector<AffineExpr> exprs;
  for (auto [k, dim] : llvm::enumerate(shape)) {
    if (dim == 1 && extents[loops[k]] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(loops[k], ctx));
  }
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

/// The loops a rank-`rank` tensor aligned right against 4 loops uses.
SmallVector<unsigned> alignedLoops(int64_t rank) {
  SmallVector<unsigned> loops;
  for (int64_t k = 0; k < rank; ++k)
    loops.push_back(static_cast<unsigned>(4 - rank + k));
  return loops;
}

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with one result; `maps` lists the inputs' maps then the
/// output's; `body` gets the input scalars followed by the output scalar.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                   ArrayRef<AffineMap> maps, Value init,
                   ArrayRef<IteratorType> iterators, BodyFn body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return op.getResult(0);
}

/// An elementwise map of `x` to `elementType`.
Value mapElements(OpBuilder &b, Location loc, Value x, Type elementType,
                  function_ref<Value(OpBuilder &, Location, Value)> fn) {
  int64_t rank = rankOf(x);
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, x), elementType);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  return buildGeneric(b, loc, {x}, {id, id}, init, iterators,
                      [&](OpBuilder &nb, Location nl, ValueRange args) {
                        return fn(nb, nl, args[0]);
                      });
}

Value convertElements(OpBuilder &b, Location loc, Value x, Type elementType,
                      bool isUnsigned) {
  if (getElementTypeOrSelf(x) == elementType)
    return x;
  return mapElements(
      b, loc, x, elementType, [&](OpBuilder &nb, Location nl, Value v) {
        return castScalar(nb, nl, v, elementType, isUnsigned, false);
      });
}

/// Static compatibility of two dims (dynamic matches anything).
bool compatible(int64_t a, int64_t b) { return isDyn(a) || isDyn(b) || a == b; }

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += isDyn(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

Value i64Of(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}

Value boolConst(OpBuilder &b, Location loc, bool v) {
  return arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// [B, S, heads * D] -> [B, heads, S, D].
FailureOr<Value> splitHeads(NodeContext &ctx, Value x, int64_t heads,
                            StringRef what) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t hidden = shape[2];
  if (!isDyn(hidden) && hidden % heads != 0)
    return ctx.emitError() << what << " hidden size " << hidden
                           << " is not a multiple of its head count " << heads;
  OpFoldResult headSize = divSize(b, loc, dimOf(b, loc, x, 2), heads);
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1),
                                     b.getIndexAttr(heads), headSize};
  auto type =
      RankedTensorType::get(staticSizes(sizes), getElementTypeOrSelf(x));
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, type, x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}}, sizes);
  return transpose(b, loc, expanded, {0, 2, 1, 3});
}

/// [B, Hkv, S, D] -> [B, Hkv * reps, S, D], each head repeated `reps` times
/// in place (h0, h0, h1, h1, ...), as NumPy's repeat along axis 1.
Value repeatHeads(OpBuilder &b, Location loc, Value x, OpFoldResult reps) {
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1),
                                     reps, dimOf(b, loc, x, 2),
                                     dimOf(b, loc, x, 3)};
  Value init = tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(x));
  Value broadcast =
      linalg::BroadcastOp::create(b, loc, x, init, ArrayRef<int64_t>{2})
          ->getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, broadcast, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

/// `x` multiplied by the scalar `factor` (of x's element type).
Value scaleTensor(OpBuilder &b, Location loc, Value x, Value factor) {
  Type type = getElementTypeOrSelf(x);
  return mapElements(b, loc, x, type, [&](OpBuilder &nb, Location nl, Value v) {
    return arith::MulFOp::create(nb, nl, v, factor).getResult();
  });
}

/// What masks the attention scores, besides the attn_mask input.
struct Structure {
  bool causal = false;
  int64_t left = -1, right = -1;
  Value nonpad; // [B] integer, or null
  bool nonpadUnsigned = false;
  OpFoldResult pastLen; // null without past_key
  OpFoldResult sq;      // query sequence length

  bool window() const { return left >= 0 || right >= 0; }
};

/// The i1 "key j is visible to query i of batch b" of the causal frontier,
/// the sliding window and the padding of nonpad_kv_seqlen; `nonpadValue` is
/// the batch's nonpad_kv_seqlen as i64 (null without it).
Value structurallyAllowed(OpBuilder &b, Location loc, const Structure &s,
                          Value i, Value j, Value nonpadValue) {
  Value allowed = boolConst(b, loc, true);
  auto both = [&](Value x) {
    allowed = arith::AndIOp::create(b, loc, allowed, x);
  };
  Value ii = i64Of(b, loc, i), jj = i64Of(b, loc, j);
  // offset: the keys preceding the query block.
  Value offset;
  if (nonpadValue)
    offset = arith::SubIOp::create(b, loc, nonpadValue,
                                   i64Of(b, loc, indexValue(b, loc, s.sq)));
  else if (s.pastLen)
    offset = i64Of(b, loc, indexValue(b, loc, s.pastLen));
  else
    offset = i64Const(b, loc, 0);
  Value position = arith::AddIOp::create(b, loc, ii, offset);
  if (nonpadValue)
    both(arith::CmpIOp::create(b, loc, CmpIPredicate::slt, jj, nonpadValue));
  if (s.causal)
    both(arith::CmpIOp::create(b, loc, CmpIPredicate::sle, jj, position));
  if (s.left >= 0) {
    Value diff = arith::SubIOp::create(b, loc, position, jj);
    both(arith::CmpIOp::create(b, loc, CmpIPredicate::sle, diff,
                               i64Const(b, loc, s.left)));
  }
  if (s.right >= 0) {
    Value diff = arith::SubIOp::create(b, loc, jj, position);
    both(arith::CmpIOp::create(b, loc, CmpIPredicate::sle, diff,
                               i64Const(b, loc, s.right)));
  }
  return allowed;
}

/// The attention bias as a tensor broadcastable to [B, H, Sq, Sk]: i1
/// (visible or not) or float (added to the scores, -inf hides), or null.
/// With `causalAttr` the upper-left causal mask is not included in `mask`
/// (dsk.attention's `causal`, applied separately).
struct MaskPlan {
  Value mask;
  bool causalAttr = false;
  bool mayFullyMask = false;
};

/// Builds the combined mask of `attnMask` (prepared: i1 or the score type,
/// padded to Sk; may be null) and the structural constraints.
Value combineMask(OpBuilder &b, Location loc, Value attnMask,
                  const Structure &s, ArrayRef<OpFoldResult> scoreSizes,
                  Type scoreType) {
  MLIRContext *ctx = b.getContext();
  int64_t maskRank = attnMask ? rankOf(attnMask) : 0;
  auto maskSpans = [&](int64_t axis) {
    int64_t k = axis - (4 - maskRank);
    return attnMask && k >= 0 && shapeOf(attnMask)[k] != 1;
  };
  SmallVector<OpFoldResult> sizes(4, b.getIndexAttr(1));
  if (maskSpans(0) || s.nonpad)
    sizes[0] = scoreSizes[0];
  if (maskSpans(1))
    sizes[1] = scoreSizes[1];
  if (maskSpans(2) || s.causal || s.window())
    sizes[2] = scoreSizes[2];
  sizes[3] = scoreSizes[3];
  SmallVector<int64_t> extents = staticSizes(sizes);
  bool boolMask = !attnMask || getElementTypeOrSelf(attnMask).isInteger(1);
  Type elementType = boolMask ? Type(b.getI1Type()) : scoreType;

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (attnMask) {
    inputs.push_back(attnMask);
    maps.push_back(broadcastMap(ctx, 4, shapeOf(attnMask),
                                alignedLoops(maskRank), extents));
  }
  if (s.nonpad) {
    inputs.push_back(s.nonpad);
    maps.push_back(broadcastMap(ctx, 4, shapeOf(s.nonpad), {0}, extents));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  return buildGeneric(
      b, loc, inputs, maps, init, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value nonpadValue;
        if (s.nonpad)
          nonpadValue = castScalar(nb, nl, args[attnMask ? 1 : 0],
                                   nb.getI64Type(), s.nonpadUnsigned, false);
        Value i = linalg::IndexOp::create(nb, nl, 2);
        Value j = linalg::IndexOp::create(nb, nl, 3);
        Value allowed = structurallyAllowed(nb, nl, s, i, j, nonpadValue);
        if (!attnMask)
          return allowed;
        if (boolMask)
          return arith::AndIOp::create(nb, nl, args[0], allowed);
        Value bias = arith::SelectOp::create(
            nb, nl, allowed, scalarConstant(nb, nl, scoreType, 0.0),
            scalarConstant(nb, nl, scoreType, kNegInf));
        return arith::AddFOp::create(nb, nl, args[0], bias);
      });
}

/// Whether each query row has a visible key: i1 of shape [gB, gH, gSq]
/// (the mask's broadcast dims, Sq in full with `causalAttr`).
Value anyVisible(OpBuilder &b, Location loc, const MaskPlan &plan,
                 ArrayRef<OpFoldResult> scoreSizes) {
  MLIRContext *ctx = b.getContext();
  Value mask = plan.mask;
  int64_t rank = rankOf(mask);
  SmallVector<OpFoldResult> loopSizes(4, b.getIndexAttr(1));
  for (int64_t k = 0; k < rank; ++k) {
    int64_t axis = 4 - rank + k;
    loopSizes[axis] = shapeOf(mask)[k] == 1 ? OpFoldResult(b.getIndexAttr(1))
                                            : scoreSizes[axis];
  }
  loopSizes[3] = scoreSizes[3];
  if (plan.causalAttr)
    loopSizes[2] = scoreSizes[2];
  SmallVector<int64_t> extents = staticSizes(loopSizes);
  Value init =
      filledTensor(b, loc, ArrayRef<OpFoldResult>(loopSizes).take_front(3),
                   boolConst(b, loc, false));
  bool boolMask = getElementTypeOrSelf(mask).isInteger(1);
  SmallVector<AffineMap> maps = {
      broadcastMap(ctx, 4, shapeOf(mask), alignedLoops(rank), extents),
      AffineMap::get(4, 0,
                     {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                      getAffineDimExpr(2, ctx)},
                     ctx)};
  return buildGeneric(
      b, loc, {mask}, maps, init,
      {IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
       IteratorType::reduction},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value visible =
            boolMask ? args[0]
                     : arith::CmpFOp::create(
                           nb, nl, CmpFPredicate::UNE, args[0],
                           scalarConstant(nb, nl, args[0].getType(), kNegInf))
                           .getResult();
        if (plan.causalAttr) {
          Value i = linalg::IndexOp::create(nb, nl, 2);
          Value j = linalg::IndexOp::create(nb, nl, 3);
          visible = arith::AndIOp::create(
              nb, nl, visible,
              arith::CmpIOp::create(nb, nl, CmpIPredicate::ule, j, i));
        }
        return arith::OrIOp::create(nb, nl, args[1], visible);
      });
}

/// `x` ([B, H, Sq, X]) with the rows whose `visible` entry is false zeroed;
/// each element is first mapped by `fn` (to `elementType`), and `extra`
/// (same shape as x, or null) is passed to `fn` too.
Value zeroHiddenRows(
    OpBuilder &b, Location loc, Value x, Value extra, Value visible,
    Type elementType,
    function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  SmallVector<int64_t> extents = staticSizes(sizes);
  AffineMap id = b.getMultiDimIdentityMap(4);
  SmallVector<Value> inputs = {x};
  SmallVector<AffineMap> maps = {id};
  if (extra) {
    inputs.push_back(extra);
    maps.push_back(broadcastMap(ctx, 4, shapeOf(extra), {0, 1, 2, 3}, extents));
  }
  if (visible) {
    inputs.push_back(visible);
    maps.push_back(broadcastMap(ctx, 4, shapeOf(visible), {0, 1, 2}, extents));
  }
  maps.push_back(id);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  return buildGeneric(
      b, loc, inputs, maps, init, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value value = fn(nb, nl, args[0], extra ? args[1] : Value());
        if (!visible)
          return value;
        return arith::SelectOp::create(
            nb, nl, args[extra ? 2 : 1], value,
            scalarConstant(nb, nl, elementType, 0.0));
      });
}

/// A reduction over the last dim of a [B, H, Sq, Sk] tensor into [B, H, Sq].
Value reduceRows(OpBuilder &b, Location loc, Value x, Value initScalar,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes.pop_back();
  Value init = filledTensor(b, loc, sizes, initScalar);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(4),
      AffineMap::get(4, 0,
                     {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                      getAffineDimExpr(2, ctx)},
                     ctx)};
  return buildGeneric(b, loc, {x}, maps, init,
                      {IteratorType::parallel, IteratorType::parallel,
                       IteratorType::parallel, IteratorType::reduction},
                      [&](OpBuilder &nb, Location nl, ValueRange args) {
                        return fn(nb, nl, args[0], args[1]);
                      });
}

/// The float type of an ONNX TensorProto::DataType for softmax_precision.
FailureOr<Type> softmaxPrecisionType(NodeContext &ctx, int64_t dataType) {
  Builder b(ctx.getContext());
  switch (dataType) {
  case 1: // FLOAT
    return Type(b.getF32Type());
  case 10: // FLOAT16
    return Type(b.getF16Type());
  case 11: // DOUBLE
    return Type(b.getF64Type());
  case 16: // BFLOAT16
    return Type(b.getBF16Type());
  default:
    return ctx.emitError() << "softmax_precision " << dataType
                           << " is not one of FLOAT (1), FLOAT16 (10), "
                              "DOUBLE (11), BFLOAT16 (16)";
  }
}

/// The type dsk.attention computes its softmax in.
Type attentionComputeType(Type elementType) {
  if (elementType.getIntOrFloatBitWidth() >= 64)
    return elementType;
  return Float32Type::get(elementType.getContext());
}

/// The accumulator attribute of the attention's dsk.matmul products for a
/// float element type: f64 for f64, else null (the op's f32 default).
TypeAttr attentionProductAccumulator(Type elementType) {
  Type acc = matmulAccumulatorType(elementType);
  return acc ? TypeAttr::get(acc) : TypeAttr();
}

LogicalResult convertAttention(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (ctx.opset < 23)
    return ctx.emitError() << "Attention exists from opset 23 on";
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  Value q = ctx.input(0), k = ctx.input(1), v = ctx.input(2);
  Type t1 = getElementTypeOrSelf(q), t2 = getElementTypeOrSelf(v);
  if (!isa<FloatType>(t1) || !isa<FloatType>(t2))
    return ctx.emitError() << "Q, K and V must be float tensors, got "
                           << q.getType() << ", " << k.getType() << ", "
                           << v.getType();
  if (getElementTypeOrSelf(k) != t1)
    return ctx.emitError() << "K must have Q's element type, got "
                           << k.getType() << " and " << q.getType();
  int64_t rank = rankOf(q);
  if ((rank != 3 && rank != 4) || rankOf(k) != rank || rankOf(v) != rank)
    return ctx.emitError() << "Q, K and V must be all 3-D or all 4-D, got "
                           << q.getType() << ", " << k.getType() << ", "
                           << v.getType();
  bool hasHeadAttrs = ctx.hasAttr("q_num_heads") || ctx.hasAttr("kv_num_heads");
  if (rank == 4 && hasHeadAttrs && ctx.opset >= 25)
    return ctx.emitError()
           << "q_num_heads and kv_num_heads must not be given for 4-D inputs";
  if (ctx.hasInput(6) && ctx.opset < 24)
    return ctx.emitError() << "nonpad_kv_seqlen needs opset 24";
  if (ctx.numInputs() > 7)
    return ctx.emitError() << "takes at most 7 inputs, got " << ctx.numInputs();

  // Q, K, V as [B, H, S, D].
  Value q4 = q, k4 = k, v4 = v;
  if (rank == 3) {
    int64_t qHeads = ctx.intAttr("q_num_heads", 0);
    int64_t kvHeads = ctx.intAttr("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return ctx.emitError() << "3-D inputs need positive q_num_heads and "
                                "kv_num_heads attributes";
    FailureOr<Value> sq = splitHeads(ctx, q, qHeads, "Q");
    FailureOr<Value> sk = splitHeads(ctx, k, kvHeads, "K");
    FailureOr<Value> sv = splitHeads(ctx, v, kvHeads, "V");
    if (failed(sq) || failed(sk) || failed(sv))
      return failure();
    q4 = *sq;
    k4 = *sk;
    v4 = *sv;
  }
  ArrayRef<int64_t> qs = shapeOf(q4), ks = shapeOf(k4), vs = shapeOf(v4);
  if (!compatible(qs[0], ks[0]) || !compatible(qs[0], vs[0]) ||
      !compatible(ks[1], vs[1]) || !compatible(ks[2], vs[2]) ||
      !compatible(qs[3], ks[3]))
    return ctx.emitError()
           << "Q, K and V (as [B, H, S, D]: " << shapeStr(qs) << ", "
           << shapeStr(ks) << ", " << shapeStr(vs)
           << ") disagree on the batch size, kv heads, kv sequence length "
              "or head size";

  // The key/value cache.
  bool hasPastKey = ctx.hasInput(4), hasPastValue = ctx.hasInput(5);
  if (hasPastKey != hasPastValue)
    return ctx.emitError() << "past_key and past_value must be given together";
  Value nonpad = ctx.hasInput(6) ? ctx.input(6) : Value();
  if (nonpad && hasPastKey)
    return ctx.emitError()
           << "nonpad_kv_seqlen cannot be combined with past_key/past_value";
  Value presentKey = k4, presentValue = v4;
  OpFoldResult pastLen;
  if (hasPastKey) {
    Value pastKey = ctx.input(4), pastValue = ctx.input(5);
    if (rankOf(pastKey) != 4 || rankOf(pastValue) != 4 ||
        getElementTypeOrSelf(pastKey) != t1 ||
        getElementTypeOrSelf(pastValue) != t2)
      return ctx.emitError()
             << "past_key and past_value must be 4-D tensors of K's and V's "
                "element types, got "
             << pastKey.getType() << " and " << pastValue.getType();
    ArrayRef<int64_t> pk = shapeOf(pastKey), pv = shapeOf(pastValue);
    for (int64_t d : {0, 1, 3})
      if (!compatible(pk[d], ks[d]) || !compatible(pv[d], vs[d]))
        return ctx.emitError()
               << "past_key " << shapeStr(pk) << " / past_value "
               << shapeStr(pv) << " do not match K " << shapeStr(ks) << " / V "
               << shapeStr(vs) << " outside the sequence axis";
    if (!compatible(pk[2], pv[2]))
      return ctx.emitError() << "past_key and past_value have different "
                                "sequence lengths";
    pastLen = dimOf(b, loc, pastKey, 2);
    presentKey = tensor::ConcatOp::create(b, loc, 2, ValueRange{pastKey, k4});
    presentValue =
        tensor::ConcatOp::create(b, loc, 2, ValueRange{pastValue, v4});
  }

  // Grouped-query attention: repeat the kv heads to the query's count.
  int64_t hq = qs[1], hkv = ks[1];
  Value keyHeads = presentKey,
        valueHeads = convertElements(b, loc, presentValue, t1, false);
  OpFoldResult reps;
  if (!isDyn(hq) && !isDyn(hkv)) {
    if (hkv == 0 || hq % hkv != 0)
      return ctx.emitError() << "the query head count " << hq
                             << " is not a multiple of the key/value head "
                                "count "
                             << hkv;
    if (hq != hkv)
      reps = b.getIndexAttr(hq / hkv);
  } else if (isDyn(hq) != isDyn(hkv)) {
    reps =
        arith::DivUIOp::create(b, loc, indexValue(b, loc, dimOf(b, loc, q4, 1)),
                               indexValue(b, loc, dimOf(b, loc, k4, 1)))
            .getResult();
  }

  // Scale.
  std::optional<double> scale;
  if (ctx.hasAttr("scale")) {
    double s = ctx.floatAttr("scale", 1.0f);
    if (!std::isfinite(s) || s < 0)
      return ctx.emitError()
             << "scale must be finite and non-negative, got " << s;
    scale = s;
  } else if (!isDyn(qs[3])) {
    if (qs[3] == 0)
      return ctx.emitError() << "the head size must be positive";
    scale = 1.0 / std::sqrt(static_cast<double>(qs[3]));
  }

  // Options.
  int64_t mode = ctx.intAttr("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return ctx.emitError() << "qk_matmul_output_mode must be 0..3, got "
                           << mode;
  double softcap = ctx.floatAttr("softcap", 0.0f);
  Type softmaxType = t1;
  if (ctx.hasAttr("softmax_precision")) {
    FailureOr<Type> type =
        softmaxPrecisionType(ctx, ctx.intAttr("softmax_precision", 1));
    if (failed(type))
      return failure();
    softmaxType = *type;
  }
  Structure structure;
  structure.causal = ctx.intAttr("is_causal", 0) != 0;
  if (ctx.opset >= 25) {
    structure.left = ctx.intAttr("left_window_size", -1);
    structure.right = ctx.intAttr("right_window_size", -1);
    if (structure.left < -1 || structure.right < -1)
      return ctx.emitError() << "left_window_size and right_window_size must "
                                "be -1 or non-negative";
  }
  structure.pastLen = pastLen;
  structure.sq = dimOf(b, loc, q4, 2);
  if (nonpad) {
    if (rankOf(nonpad) != 1 || !isa<IntegerType>(getElementTypeOrSelf(nonpad)))
      return ctx.emitError() << "nonpad_kv_seqlen must be a 1-D integer "
                                "tensor, got "
                             << nonpad.getType();
    if (!compatible(shapeOf(nonpad)[0], qs[0]) && shapeOf(nonpad)[0] != 1)
      return ctx.emitError() << "nonpad_kv_seqlen " << nonpad.getType()
                             << " does not match the batch size " << qs[0];
    structure.nonpad = nonpad;
    structure.nonpadUnsigned = ctx.isUnsigned(6);
  }

  SmallVector<OpFoldResult> scoreSizes = {
      dimOf(b, loc, q4, 0), dimOf(b, loc, q4, 1), dimOf(b, loc, q4, 2),
      dimOf(b, loc, presentKey, 2)};
  SmallVector<int64_t> scoreShape = staticSizes(scoreSizes);

  // attn_mask: i1 or the score type, padded to the total sequence length.
  Value attnMask;
  if (ctx.hasInput(3)) {
    attnMask = ctx.input(3);
    Type maskType = getElementTypeOrSelf(attnMask);
    int64_t maskRank = rankOf(attnMask);
    if (maskRank < 1 || maskRank > 4)
      return ctx.emitError()
             << "attn_mask must have rank 1 to 4, got " << attnMask.getType();
    bool boolMask = maskType.isInteger(1);
    if (!boolMask) {
      if (!isa<FloatType, IntegerType>(maskType))
        return ctx.emitError()
               << "attn_mask element type " << maskType << " is not supported";
      attnMask = convertElements(b, loc, attnMask, t1, ctx.isUnsigned(3));
    }
    int64_t last = shapeOf(attnMask).back(), total = scoreShape[3];
    if (!isDyn(last) && !isDyn(total) && last > total)
      return ctx.emitError() << "attn_mask's last dim " << last
                             << " exceeds the total sequence length " << total;
    if (isDyn(last) || isDyn(total) || last < total) {
      // ONNX pads a shorter mask (even of length 1) with -inf / false.
      SmallVector<OpFoldResult> low(maskRank, b.getIndexAttr(0));
      SmallVector<OpFoldResult> high = low;
      OpFoldResult lastSize = dimOf(b, loc, attnMask, maskRank - 1);
      if (!isDyn(last) && !isDyn(total))
        high.back() = b.getIndexAttr(total - last);
      else
        high.back() =
            arith::SubIOp::create(b, loc, indexValue(b, loc, scoreSizes[3]),
                                  indexValue(b, loc, lastSize))
                .getResult();
      SmallVector<int64_t> padded(shapeOf(attnMask));
      padded.back() = total;
      Value padValue = boolMask ? boolConst(b, loc, false)
                                : scalarConstant(b, loc, t1, kNegInf);
      attnMask = tensor::PadOp::create(
          b, loc, RankedTensorType::get(padded, getElementTypeOrSelf(attnMask)),
          attnMask, low, high, padValue);
    }
    ArrayRef<int64_t> ms = shapeOf(attnMask);
    for (int64_t i = 0; i < maskRank; ++i) {
      int64_t dim = ms[i], target = scoreShape[4 - maskRank + i];
      if (dim != 1 && !compatible(dim, target))
        return ctx.emitError()
               << "attn_mask " << ctx.inputType(3)
               << " does not broadcast to the scores " << shapeStr(scoreShape)
               << " ([batch, q_num_heads, q_seq, total_seq])";
    }
  }

  // The mask plan.
  bool pastNonEmpty = pastLen && staticSize(pastLen) != 0;
  bool structural =
      nonpad || structure.window() || (structure.causal && pastNonEmpty);
  MaskPlan plan;
  plan.mayFullyMask = attnMask || nonpad || structure.window();
  if (structural) {
    plan.mask = combineMask(b, loc, attnMask, structure, scoreSizes, t1);
  } else {
    plan.mask = attnMask;
    plan.causalAttr = structure.causal;
  }
  Value visible;
  if (plan.mask && plan.mayFullyMask)
    visible = anyVisible(b, loc, plan, scoreSizes);

  Value query = q4;
  bool wantQk = ctx.hasOutput(3);
  bool precisionKept =
      softmaxType == t1 || softmaxType == attentionComputeType(t1);
  bool useDsk =
      !(softcap > 0) && !wantQk && precisionKept && (!scale || *scale > 0);
  Value y4;
  if (useDsk) {
    if (reps) {
      keyHeads = repeatHeads(b, loc, keyHeads, reps);
      valueHeads = repeatHeads(b, loc, valueHeads, reps);
    }
    SmallVector<int64_t> shape = {qs[0], qs[1], qs[2], shapeOf(valueHeads)[3]};
    FloatAttr scaleAttr =
        ctx.hasAttr("scale") ? b.getF64FloatAttr(*scale) : FloatAttr();
    auto op = dsk::AttentionOp::create(b, loc, RankedTensorType::get(shape, t1),
                                       query, keyHeads, valueHeads, plan.mask,
                                       scaleAttr, plan.causalAttr);
    if (failed(verify(op)))
      return ctx.emitError() << "the inputs do not form a valid "
                                "dsk.attention (see above)";
    y4 = op.getResult();
    if (visible)
      y4 = zeroHiddenRows(
          b, loc, y4, Value(), visible, t1,
          [](OpBuilder &, Location, Value x, Value) { return x; });
  } else {
    // Q and K scaled by sqrt(scale) in their own precision, as ONNX does.
    Value sqrtScale;
    if (scale) {
      if (*scale != 1.0)
        sqrtScale = scalarConstant(b, loc, t1, std::sqrt(*scale));
    } else {
      // 1 / sqrt(sqrt(D)) at run time.
      Value d = arith::IndexCastUIOp::create(
          b, loc, b.getI64Type(), indexValue(b, loc, dimOf(b, loc, q4, 3)));
      Value df = arith::UIToFPOp::create(b, loc, b.getF64Type(), d);
      Value root =
          math::SqrtOp::create(b, loc, math::SqrtOp::create(b, loc, df));
      Value inv = arith::DivFOp::create(
          b, loc, scalarConstant(b, loc, b.getF64Type(), 1.0), root);
      sqrtScale = castScalar(b, loc, inv, t1, false, false);
    }
    if (sqrtScale) {
      query = scaleTensor(b, loc, query, sqrtScale);
      keyHeads = scaleTensor(b, loc, keyHeads, sqrtScale);
    }
    if (reps) {
      keyHeads = repeatHeads(b, loc, keyHeads, reps);
      valueHeads = repeatHeads(b, loc, valueHeads, reps);
    }
    TypeAttr acc = attentionProductAccumulator(t1);
    auto scoresType = RankedTensorType::get(scoreShape, t1);
    auto qk = dsk::MatmulOp::create(b, loc, scoresType, query, keyHeads,
                                    Value(), false, true, acc);
    if (failed(verify(qk)))
      return ctx.emitError() << "the inputs do not form a valid Q·Kᵀ product "
                                "(see above)";
    Value scores = qk.getResult();

    // The logits: stage 0 the raw product, 1 after softcap, 2 with the bias.
    MLIRContext *mctx = ctx.getContext();
    auto logits = [&](int stage) -> Value {
      SmallVector<Value> inputs = {scores};
      AffineMap id = b.getMultiDimIdentityMap(4);
      SmallVector<AffineMap> maps = {id};
      Value mask = stage == 2 ? plan.mask : Value();
      if (mask) {
        inputs.push_back(mask);
        maps.push_back(broadcastMap(mctx, 4, shapeOf(mask),
                                    alignedLoops(rankOf(mask)), scoreShape));
      }
      maps.push_back(id);
      Value init = tensor::EmptyOp::create(b, loc, scoreSizes, t1);
      SmallVector<IteratorType> iterators(4, IteratorType::parallel);
      bool causalHere = stage == 2 && plan.causalAttr;
      return buildGeneric(
          b, loc, inputs, maps, init, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            Value x = args[0];
            auto c = [&](double value) {
              return scalarConstant(nb, nl, t1, value);
            };
            if (stage >= 1 && softcap > 0) {
              Value t = math::TanhOp::create(
                  nb, nl, arith::DivFOp::create(nb, nl, x, c(softcap)));
              x = arith::MulFOp::create(nb, nl, t, c(softcap));
            }
            if (mask) {
              Value bias = args[1];
              if (bias.getType().isInteger(1))
                bias =
                    arith::SelectOp::create(nb, nl, bias, c(0.0), c(kNegInf));
              x = arith::AddFOp::create(nb, nl, x, bias);
            }
            if (causalHere) {
              Value i = linalg::IndexOp::create(nb, nl, 2);
              Value j = linalg::IndexOp::create(nb, nl, 3);
              Value ok =
                  arith::CmpIOp::create(nb, nl, CmpIPredicate::ule, j, i);
              x = arith::AddFOp::create(
                  nb, nl, x,
                  arith::SelectOp::create(nb, nl, ok, c(0.0), c(kNegInf)));
            }
            return x;
          });
    };
    bool hasBias = plan.mask || plan.causalAttr;
    Value withBias = (softcap > 0 || hasBias) ? logits(2) : scores;

    // Softmax in softmaxType over the keys, back to T1, hidden rows zeroed.
    auto toSoftmax = [&](OpBuilder &nb, Location nl, Value x) {
      return castScalar(nb, nl, x, softmaxType, false, false);
    };
    Value rowMax = reduceRows(
        b, loc, withBias, scalarConstant(b, loc, softmaxType, kNegInf),
        [&](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
          return arith::MaximumFOp::create(nb, nl, toSoftmax(nb, nl, x), acc);
        });
    // exp(x - max) in softmaxType.
    Value exps;
    {
      AffineMap id = b.getMultiDimIdentityMap(4);
      AffineMap row =
          broadcastMap(mctx, 4, shapeOf(rowMax), {0, 1, 2}, scoreShape);
      Value init = tensor::EmptyOp::create(b, loc, scoreSizes, softmaxType);
      SmallVector<IteratorType> iterators(4, IteratorType::parallel);
      exps = buildGeneric(
          b, loc, {withBias, rowMax}, {id, row, id}, init, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            Value shifted = arith::SubFOp::create(
                nb, nl, toSoftmax(nb, nl, args[0]), args[1]);
            return math::ExpOp::create(nb, nl, shifted);
          });
    }
    Value rowSum =
        reduceRows(b, loc, exps, scalarConstant(b, loc, softmaxType, 0.0),
                   [](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
                     return arith::AddFOp::create(nb, nl, x, acc);
                   });
    // rowSum broadcasts as the "extra" operand: expand it to [B, H, Sq, 1].
    SmallVector<OpFoldResult> sumSizes = sizesOf(b, loc, rowSum);
    sumSizes.push_back(b.getIndexAttr(1));
    Value rowSum4 = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(staticSizes(sumSizes), softmaxType),
        rowSum, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}}, sumSizes);
    Value probs = zeroHiddenRows(
        b, loc, exps, rowSum4, visible, t1,
        [&](OpBuilder &nb, Location nl, Value e, Value sum) {
          return castScalar(nb, nl, arith::DivFOp::create(nb, nl, e, sum), t1,
                            false, false);
        });

    auto pv = dsk::MatmulOp::create(
        b, loc,
        RankedTensorType::get({qs[0], qs[1], qs[2], shapeOf(valueHeads)[3]},
                              t1),
        probs, valueHeads, Value(), false, false, acc);
    if (failed(verify(pv)))
      return ctx.emitError() << "the inputs do not form a valid P·V product "
                                "(see above)";
    y4 = pv.getResult();

    if (wantQk) {
      Value qkOut;
      switch (mode) {
      case 0:
        qkOut = scores;
        break;
      case 1:
        qkOut = softcap > 0 ? logits(1) : scores;
        break;
      case 2:
        qkOut = withBias;
        break;
      default:
        qkOut = probs;
        break;
      }
      ctx.setOutput(3, qkOut);
    }
  }

  Value y = y4;
  if (rank == 3) {
    Value t = transpose(b, loc, y4, {0, 2, 1, 3});
    y = tensor::CollapseShapeOp::create(
        b, loc, t, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }
  ctx.setOutput(0, y);
  if (ctx.hasOutput(1))
    ctx.setOutput(1, presentKey);
  if (ctx.hasOutput(2))
    ctx.setOutput(2, presentValue);
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryEmbedding
//===----------------------------------------------------------------------===//

LogicalResult convertRotaryEmbedding(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = ctx.getContext();
  if (ctx.opset < 23)
    return ctx.emitError() << "RotaryEmbedding exists from opset 23 on";
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  Value x = ctx.input(0), cosCache = ctx.input(1), sinCache = ctx.input(2);
  Value positionIds = ctx.hasInput(3) ? ctx.input(3) : Value();
  Type type = getElementTypeOrSelf(x);
  if (!isa<FloatType>(type) || getElementTypeOrSelf(cosCache) != type ||
      getElementTypeOrSelf(sinCache) != type)
    return ctx.emitError() << "X, cos_cache and sin_cache must be float "
                              "tensors of one element type, got "
                           << x.getType() << ", " << cosCache.getType() << ", "
                           << sinCache.getType();
  int64_t rank = rankOf(x);
  if (rank != 3 && rank != 4)
    return ctx.emitError() << "X must be 3-D or 4-D, got " << x.getType();
  ArrayRef<int64_t> xs = shapeOf(x);

  // The head size D, static or at run time.
  int64_t numHeads = ctx.intAttr("num_heads", 0);
  OpFoldResult headSize;
  if (rank == 4) {
    if (numHeads != 0 && !isDyn(xs[1]) && numHeads != xs[1])
      return ctx.emitError() << "num_heads " << numHeads
                             << " differs from X's head dim " << xs[1];
    headSize = dimOf(b, loc, x, 3);
  } else {
    if (numHeads <= 0)
      return ctx.emitError() << "a 3-D X needs a positive num_heads";
    if (!isDyn(xs[2]) && xs[2] % numHeads != 0)
      return ctx.emitError() << "hidden size " << xs[2]
                             << " is not a multiple of num_heads " << numHeads;
    headSize = divSize(b, loc, dimOf(b, loc, x, 2), numHeads);
  }
  int64_t rotaryDim = ctx.intAttr("rotary_embedding_dim", 0);
  if (rotaryDim < 0)
    return ctx.emitError() << "rotary_embedding_dim must be non-negative";
  OpFoldResult rotary =
      rotaryDim == 0 ? headSize : OpFoldResult(b.getIndexAttr(rotaryDim));
  int64_t staticD = staticSize(headSize), staticR = staticSize(rotary);
  if (!isDyn(staticD) && !isDyn(staticR) && staticR > staticD)
    return ctx.emitError() << "rotary_embedding_dim " << staticR
                           << " exceeds the head size " << staticD;
  if (!isDyn(staticR) && (staticR % 2 != 0 || staticR == 0))
    return ctx.emitError() << "the rotated dimension " << staticR
                           << " must be even and positive";
  bool interleaved = ctx.intAttr("interleaved", 0) != 0;

  // Cache shapes: [max_pos, R/2] with position_ids, [B, S, R/2] without.
  int64_t cacheRank = positionIds ? 2 : 3;
  if (rankOf(cosCache) != cacheRank || rankOf(sinCache) != cacheRank)
    return ctx.emitError() << "cos_cache and sin_cache must be " << cacheRank
                           << "-D " << (positionIds ? "with" : "without")
                           << " position_ids, got " << cosCache.getType()
                           << " and " << sinCache.getType();
  for (int64_t d = 0; d < cacheRank; ++d)
    if (!compatible(shapeOf(cosCache)[d], shapeOf(sinCache)[d]))
      return ctx.emitError()
             << "cos_cache " << cosCache.getType() << " and sin_cache "
             << sinCache.getType() << " differ in shape";
  int64_t cacheHalf = shapeOf(cosCache).back();
  if (!isDyn(staticR) && !isDyn(cacheHalf) && cacheHalf != staticR / 2)
    return ctx.emitError() << "the caches' last dim " << cacheHalf
                           << " is not rotary_embedding_dim / 2 = "
                           << staticR / 2;
  int64_t batch = xs[0], seq = rank == 4 ? xs[2] : xs[1];
  auto checkBS = [&](Value t, StringRef what) -> LogicalResult {
    ArrayRef<int64_t> s = shapeOf(t);
    if ((s[0] != 1 && !compatible(s[0], batch)) ||
        (s[1] != 1 && !compatible(s[1], seq)))
      return ctx.emitError() << what << " " << t.getType()
                             << " does not match X's batch size and "
                                "sequence length";
    return success();
  };
  if (positionIds) {
    if (rankOf(positionIds) != 2 ||
        !isa<IntegerType>(getElementTypeOrSelf(positionIds)))
      return ctx.emitError() << "position_ids must be a 2-D integer tensor, "
                                "got "
                             << positionIds.getType();
    if (failed(checkBS(positionIds, "position_ids")))
      return failure();
  } else if (failed(checkBS(cosCache, "cos_cache"))) {
    return failure();
  }

  // One generic over X; indices: (b, h, s, d) or (b, s, c).
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  SmallVector<int64_t> extents = staticSizes(sizes);
  unsigned bLoop = 0, sLoop = rank == 4 ? 2 : 1;
  SmallVector<Value> inputs = {x};
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps = {id};
  if (positionIds) {
    inputs.push_back(positionIds);
    maps.push_back(broadcastMap(mctx, rank, shapeOf(positionIds),
                                {bLoop, sLoop}, extents));
  }
  maps.push_back(id);
  Value dIndex = indexValue(b, loc, headSize);
  Value rIndex = indexValue(b, loc, rotary);
  Value maxPos =
      positionIds ? indexValue(b, loc, dimOf(b, loc, cosCache, 0)) : Value();
  bool cacheBatchBroadcast = !positionIds && shapeOf(cosCache)[0] == 1;
  bool cacheSeqBroadcast = !positionIds && shapeOf(cosCache)[1] == 1;
  bool positionsUnsigned = positionIds && ctx.isUnsigned(3);
  Value init = tensor::EmptyOp::create(b, loc, sizes, type);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  Value result = buildGeneric(
      b, loc, inputs, maps, init, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        auto idx = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nl, v).getResult();
        };
        auto cmp = [&](CmpIPredicate p, Value l, Value r) {
          return arith::CmpIOp::create(nb, nl, p, l, r).getResult();
        };
        auto sel = [&](Value c, Value t, Value f) {
          return arith::SelectOp::create(nb, nl, c, t, f).getResult();
        };
        auto add = [&](Value l, Value r) {
          return arith::AddIOp::create(nb, nl, l, r).getResult();
        };
        auto sub = [&](Value l, Value r) {
          return arith::SubIOp::create(nb, nl, l, r).getResult();
        };
        Value bi = linalg::IndexOp::create(nb, nl, bLoop);
        Value si = linalg::IndexOp::create(nb, nl, sLoop);
        Value last = linalg::IndexOp::create(nb, nl, rank - 1);
        // d: the position within the head; base: the head's first element.
        Value d =
            rank == 4 ? last : arith::RemUIOp::create(nb, nl, last, dIndex);
        Value base = rank == 4 ? idx(0) : sub(last, d);
        Value half = arith::DivUIOp::create(nb, nl, rIndex, idx(2));
        Value rotated = cmp(CmpIPredicate::ult, d, rIndex);
        Value first, k, partner;
        if (interleaved) {
          Value odd = arith::RemUIOp::create(nb, nl, d, idx(2));
          first = cmp(CmpIPredicate::eq, odd, idx(0));
          k = arith::DivUIOp::create(nb, nl, d, idx(2));
          partner = sel(first, add(d, idx(1)), sub(d, idx(1)));
        } else {
          first = cmp(CmpIPredicate::ult, d, half);
          k = sel(first, d, sub(d, half));
          partner = sel(first, add(d, half), sub(d, half));
        }
        // Outside the rotated part: stay in bounds, the value is unused.
        k = sel(rotated, k, idx(0));
        partner = sel(rotated, partner, d);
        SmallVector<Value> at;
        for (int64_t i = 0; i < rank - 1; ++i)
          at.push_back(linalg::IndexOp::create(nb, nl, i));
        at.push_back(add(base, partner));
        Value other = tensor::ExtractOp::create(nb, nl, x, at);
        SmallVector<Value> cacheAt;
        if (positionIds) {
          Value pos = castScalar(nb, nl, args[1], nb.getI64Type(),
                                 positionsUnsigned, false);
          Value posIndex =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), pos);
          // Clamp into the cache (ONNX leaves out-of-range ids undefined).
          Value top =
              arith::MaxSIOp::create(nb, nl, sub(maxPos, idx(1)), idx(0));
          posIndex = arith::MinSIOp::create(
              nb, nl, arith::MaxSIOp::create(nb, nl, posIndex, idx(0)), top);
          cacheAt = {posIndex, k};
        } else {
          cacheAt = {cacheBatchBroadcast ? idx(0) : bi,
                     cacheSeqBroadcast ? idx(0) : si, k};
        }
        Value cosv = tensor::ExtractOp::create(nb, nl, cosCache, cacheAt);
        Value sinv = tensor::ExtractOp::create(nb, nl, sinCache, cacheAt);
        Value self = args[0];
        auto mul = [&](Value l, Value r) {
          return arith::MulFOp::create(nb, nl, l, r).getResult();
        };
        // first half / even: cos*x1 - sin*x2; else sin*x1 + cos*x2, where x1
        // is the first element of the pair and x2 the second.
        Value real =
            arith::SubFOp::create(nb, nl, mul(cosv, self), mul(sinv, other));
        Value imag =
            arith::AddFOp::create(nb, nl, mul(sinv, other), mul(cosv, self));
        return sel(rotated, sel(first, real, imag), self);
      });
  ctx.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttention
//===----------------------------------------------------------------------===//

/// `x` ([B, H, T, D]) at step `t`: [B, H, D].
Value stepSlice(OpBuilder &b, Location loc, Value x, Value t) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0), t,
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1),
                                     b.getIndexAttr(1), dimOf(b, loc, x, 3)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  ArrayRef<int64_t> s = shapeOf(x);
  auto type =
      RankedTensorType::get({s[0], s[1], s[3]}, getElementTypeOrSelf(x));
  return tensor::ExtractSliceOp::create(b, loc, type, x, offsets, sizes,
                                        strides);
}

/// The float type the recurrences compute in: at least f32.
Type computeType(OpBuilder &b, Type type) {
  return type.getIntOrFloatBitWidth() < 32 ? Type(b.getF32Type()) : type;
}

/// A map from loops to the given loop dims or constant 0 (for -1).
AffineMap loopMap(MLIRContext *ctx, unsigned numLoops, ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(d < 0 ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(d, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

/// A sum of products over the last loop: `result[loops but last] =
/// sum(lhs * rhs)`, in `lhs`'s element type.
Value contractLast(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
                   Value rhs, AffineMap rhsMap,
                   ArrayRef<OpFoldResult> resultSizes) {
  MLIRContext *ctx = b.getContext();
  Type type = getElementTypeOrSelf(lhs);
  unsigned numLoops = lhsMap.getNumDims();
  Value init =
      filledTensor(b, loc, resultSizes, scalarConstant(b, loc, type, 0.0));
  SmallVector<IteratorType> iterators(numLoops - 1, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0; d + 1 < numLoops; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
  return buildGeneric(
      b, loc, {lhs, rhs}, {lhsMap, rhsMap, outMap}, init, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
        return arith::AddFOp::create(nb, nl, p, args[2]);
      });
}

LogicalResult convertLinearAttention(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = ctx.getContext();
  if (ctx.opset < 27)
    return ctx.emitError() << "LinearAttention exists from opset 27 on";
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  std::string rule = ctx.stringAttr("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" &&
      rule != "gated_delta")
    return ctx.emitError() << "unsupported update_rule '" << rule
                           << "' (expected linear, gated, delta or "
                              "gated_delta)";
  bool gating = rule == "gated" || rule == "gated_delta";
  bool delta = rule == "delta" || rule == "gated_delta";
  int64_t qHeads = ctx.intAttr("q_num_heads", 0);
  int64_t kvHeads = ctx.intAttr("kv_num_heads", 0);
  if (qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads != 0)
    return ctx.emitError() << "q_num_heads (" << qHeads
                           << ") must be a positive multiple of kv_num_heads ("
                           << kvHeads << ")";
  bool hasDecay = ctx.hasInput(4), hasBeta = ctx.hasInput(5);
  if (gating != hasDecay)
    return ctx.emitError() << "update_rule '" << rule
                           << (gating ? "' requires" : "' forbids")
                           << " the decay input";
  if (delta != hasBeta)
    return ctx.emitError() << "update_rule '" << rule
                           << (delta ? "' requires" : "' forbids")
                           << " the beta input";

  Value q = ctx.input(0), k = ctx.input(1), v = ctx.input(2);
  Type type = getElementTypeOrSelf(q);
  if (!isa<FloatType>(type))
    return ctx.emitError() << "query must be a float tensor, got "
                           << q.getType();
  for (Value x : {q, k, v}) {
    if (getElementTypeOrSelf(x) != type || rankOf(x) != 3)
      return ctx.emitError()
             << "query, key and value must be 3-D tensors of one element "
                "type, got "
             << q.getType() << ", " << k.getType() << ", " << v.getType();
    if (!compatible(shapeOf(x)[0], shapeOf(q)[0]) ||
        !compatible(shapeOf(x)[1], shapeOf(q)[1]))
      return ctx.emitError() << "query " << q.getType() << ", key "
                             << k.getType() << " and value " << v.getType()
                             << " differ in batch size or sequence length";
  }
  FailureOr<Value> q4 = splitHeads(ctx, q, qHeads, "query");
  FailureOr<Value> k4 = splitHeads(ctx, k, kvHeads, "key");
  FailureOr<Value> v4 = splitHeads(ctx, v, kvHeads, "value");
  if (failed(q4) || failed(k4) || failed(v4))
    return failure();
  int64_t dk = shapeOf(*q4)[3];
  if (!compatible(dk, shapeOf(*k4)[3]))
    return ctx.emitError() << "key head size " << shapeOf(*k4)[3]
                           << " differs from the query head size " << dk;
  Type ct = computeType(b, type);
  auto toCompute = [&](Value x) {
    return convertElements(b, loc, x, ct, false);
  };

  // decay: [B, T, Hkv] (per head) or [B, T, Hkv * dk] -> [B, Hkv, T, 1|dk].
  Value decay4;
  if (hasDecay) {
    Value decay = ctx.input(4);
    if (getElementTypeOrSelf(decay) != type || rankOf(decay) != 3)
      return ctx.emitError() << "decay must be a 3-D tensor of query's type, "
                                "got "
                             << decay.getType();
    int64_t last = shapeOf(decay)[2];
    bool perHead = last == kvHeads;
    bool perKey = !isDyn(dk) && last == kvHeads * dk;
    if (isDyn(last) || (!perHead && !perKey))
      return ctx.emitError()
             << "decay's last dim must be kv_num_heads (" << kvHeads
             << ") or kv_num_heads * d_k, got " << decay.getType();
    if (!compatible(shapeOf(decay)[0], shapeOf(q)[0]) ||
        !compatible(shapeOf(decay)[1], shapeOf(q)[1]))
      return ctx.emitError() << "decay " << decay.getType()
                             << " does not match query's batch size and "
                                "sequence length";
    FailureOr<Value> d4 = splitHeads(ctx, decay, kvHeads, "decay");
    if (failed(d4))
      return failure();
    decay4 = toCompute(*d4);
  }
  // beta: [B, T, Hkv | 1] -> [B, Hkv | 1, T, 1].
  Value beta4;
  if (hasBeta) {
    Value beta = ctx.input(5);
    if (getElementTypeOrSelf(beta) != type || rankOf(beta) != 3)
      return ctx.emitError() << "beta must be a 3-D tensor of query's type, "
                                "got "
                             << beta.getType();
    int64_t last = shapeOf(beta)[2];
    if (last != kvHeads && last != 1)
      return ctx.emitError() << "beta's last dim must be kv_num_heads ("
                             << kvHeads << ") or 1, got " << beta.getType();
    if (!compatible(shapeOf(beta)[0], shapeOf(q)[0]) ||
        !compatible(shapeOf(beta)[1], shapeOf(q)[1]))
      return ctx.emitError() << "beta " << beta.getType()
                             << " does not match query's batch size and "
                                "sequence length";
    FailureOr<Value> b4 = splitHeads(ctx, beta, last, "beta");
    if (failed(b4))
      return failure();
    beta4 = toCompute(*b4);
  }

  SmallVector<OpFoldResult> stateSizes = {
      dimOf(b, loc, *q4, 0), b.getIndexAttr(kvHeads), dimOf(b, loc, *q4, 3),
      dimOf(b, loc, *v4, 3)};
  Type stateType = type;
  Value state0;
  if (ctx.hasInput(3)) {
    Value past = ctx.input(3);
    stateType = getElementTypeOrSelf(past);
    SmallVector<int64_t> expected = staticSizes(stateSizes);
    bool ok = isa<FloatType>(stateType) && rankOf(past) == 4;
    for (int64_t d = 0; ok && d < 4; ++d)
      ok = compatible(shapeOf(past)[d], expected[d]);
    if (!ok)
      return ctx.emitError()
             << "past_state must be a float tensor of shape "
             << shapeStr(expected) << ", got " << past.getType();
    state0 = toCompute(past);
  } else {
    state0 = filledTensor(b, loc, stateSizes, scalarConstant(b, loc, ct, 0.0));
  }

  // The scale, folded into the query.
  float scaleAttr = ctx.floatAttr("scale", 0.0f);
  Value scale;
  if (scaleAttr != 0.0f) {
    scale = scalarConstant(b, loc, ct, scaleAttr);
  } else if (!isDyn(dk)) {
    scale = scalarConstant(b, loc, ct, 1.0 / std::sqrt(double(dk)));
  } else {
    Value d = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                         indexValue(b, loc, stateSizes[2]));
    Value df = arith::SIToFPOp::create(b, loc, ct, d);
    scale = arith::DivFOp::create(b, loc, scalarConstant(b, loc, ct, 1.0),
                                  math::SqrtOp::create(b, loc, df));
  }
  Value qs = scaleTensor(b, loc, toCompute(*q4), scale);
  Value ks = toCompute(*k4), vs = toCompute(*v4);

  SmallVector<OpFoldResult> outSizes = {
      dimOf(b, loc, *q4, 0), b.getIndexAttr(qHeads), dimOf(b, loc, *q4, 2),
      dimOf(b, loc, *v4, 3)};
  Value out0 = filledTensor(b, loc, outSizes, scalarConstant(b, loc, ct, 0.0));
  int64_t group = qHeads / kvHeads;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value steps = indexValue(b, loc, outSizes[2]);
  auto loop = scf::ForOp::create(
      b, loc, zero, steps, one, ValueRange{state0, out0},
      [&](OpBuilder &lb, Location ll, Value t, ValueRange iter) {
        Value s = iter[0];
        Value qt = stepSlice(lb, ll, qs, t);
        Value kt = stepSlice(lb, ll, ks, t);
        Value vt = stepSlice(lb, ll, vs, t);
        SmallVector<OpFoldResult> sSizes = sizesOf(lb, ll, s);
        AffineMap id4 = lb.getMultiDimIdentityMap(4);
        SmallVector<IteratorType> par4(4, IteratorType::parallel);
        if (gating) {
          // s *= exp(g_t), g_t per (b, h[, d]).
          Value gt = stepSlice(lb, ll, decay4, t);
          bool perHead = shapeOf(gt)[2] == 1 && !(dk == 1);
          AffineMap gMap = loopMap(mctx, 4, {0, 1, perHead ? -1 : 2});
          // In place on the iteration's state, so that it bufferizes to it.
          s = buildGeneric(
              lb, ll, {gt}, {gMap, id4}, s, par4,
              [](OpBuilder &nb, Location nl, ValueRange a) {
                Value e = math::ExpOp::create(nb, nl, a[0]);
                return arith::MulFOp::create(nb, nl, a[1], e).getResult();
              });
        }
        if (delta) {
          // v_t = beta_t * (v_t - Sᵀ k_t); loops (b, h, m, d).
          SmallVector<OpFoldResult> vSizes = sizesOf(lb, ll, vt);
          Value retrieved =
              contractLast(lb, ll, s, loopMap(mctx, 4, {0, 1, 3, 2}), kt,
                           loopMap(mctx, 4, {0, 1, 3}), vSizes);
          Value bt = stepSlice(lb, ll, beta4, t);
          bool sharedBeta = shapeOf(bt)[1] == 1 && kvHeads != 1;
          AffineMap id3 = lb.getMultiDimIdentityMap(3);
          Value init = tensor::EmptyOp::create(lb, ll, vSizes, ct);
          SmallVector<IteratorType> par3(3, IteratorType::parallel);
          vt = buildGeneric(
              lb, ll, {vt, retrieved, bt},
              {id3, id3, loopMap(mctx, 3, {0, sharedBeta ? -1 : 1, -1}), id3},
              init, par3, [](OpBuilder &nb, Location nl, ValueRange a) {
                Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                return arith::MulFOp::create(nb, nl, a[2], d).getResult();
              });
        }
        // s += k_t ⊗ v_t; loops (b, h, d, m).
        s = buildGeneric(
            lb, ll, {kt, vt},
            {loopMap(mctx, 4, {0, 1, 2}), loopMap(mctx, 4, {0, 1, 3}), id4}, s,
            par4, [](OpBuilder &nb, Location nl, ValueRange a) {
              Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
              return arith::AddFOp::create(nb, nl, a[2], p).getResult();
            });
        // o_t = q_t S (the key/value heads repeated for the query heads);
        // loops (b, h, m, d).
        Value read =
            group > 1 ? repeatHeads(lb, ll, s, lb.getIndexAttr(group)) : s;
        SmallVector<OpFoldResult> oSizes = {dimOf(lb, ll, qt, 0),
                                            lb.getIndexAttr(qHeads),
                                            dimOf(lb, ll, vt, 2)};
        Value ot = contractLast(lb, ll, qt, loopMap(mctx, 4, {0, 1, 3}), read,
                                loopMap(mctx, 4, {0, 1, 3, 2}), oSizes);
        SmallVector<OpFoldResult> offsets = {
            lb.getIndexAttr(0), lb.getIndexAttr(0), t, lb.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {oSizes[0], oSizes[1],
                                           lb.getIndexAttr(1), oSizes[2]};
        SmallVector<OpFoldResult> strides(4, lb.getIndexAttr(1));
        Value out = tensor::InsertSliceOp::create(lb, ll, ot, iter[1], offsets,
                                                  sizes, strides);
        scf::YieldOp::create(lb, ll, ValueRange{s, out});
      });

  Value out = convertElements(b, loc, loop.getResult(1), type, false);
  Value merged = tensor::CollapseShapeOp::create(
      b, loc, transpose(b, loc, out, {0, 2, 1, 3}),
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  ctx.setOutput(0, merged);
  if (ctx.hasOutput(1))
    ctx.setOutput(1,
                  convertElements(b, loc, loop.getResult(0), stateType, false));
  return success();
}

//===----------------------------------------------------------------------===//
// CausalConvWithState
//===----------------------------------------------------------------------===//

LogicalResult convertCausalConvWithState(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = ctx.getContext();
  if (ctx.opset < 27)
    return ctx.emitError() << "CausalConvWithState exists from opset 27 on";
  for (size_t i = 0; i < 2; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  std::string activation = ctx.stringAttr("activation", "none");
  if (activation != "none" && activation != "silu" && activation != "swish")
    return ctx.emitError() << "unsupported activation '" << activation
                           << "' (expected none, silu or swish)";
  bool silu = activation != "none";
  Value x = ctx.input(0), weight = ctx.input(1);
  Type type = getElementTypeOrSelf(x);
  if (!isa<FloatType>(type) || getElementTypeOrSelf(weight) != type)
    return ctx.emitError() << "input and weight must be float tensors of one "
                              "element type, got "
                           << x.getType() << " and " << weight.getType();
  if (rankOf(x) != 3 || rankOf(weight) != 3)
    return ctx.emitError() << "input (batch, channels, length) and weight "
                              "(channels, 1, k) must be 3-D, got "
                           << x.getType() << " and " << weight.getType();
  ArrayRef<int64_t> xs = shapeOf(x), ws = shapeOf(weight);
  if (!compatible(ws[0], xs[1]) || !compatible(ws[1], 1))
    return ctx.emitError() << "weight " << weight.getType()
                           << " must have shape (channels, 1, k) for input "
                           << x.getType();
  int64_t kernel = ws[2];
  if (isDyn(kernel) || kernel < 1)
    return ctx.emitError() << "the kernel size (weight's last dim) must be "
                              "static and positive, got "
                           << weight.getType();
  Value bias;
  if (ctx.hasInput(2)) {
    bias = ctx.input(2);
    if (getElementTypeOrSelf(bias) != type || rankOf(bias) != 1 ||
        !compatible(shapeOf(bias)[0], xs[1]))
      return ctx.emitError()
             << "bias must be a 1-D tensor of " << xs[1]
             << " channels of input's type, got " << bias.getType();
  }

  // The input, left-padded with the carried state (or zeros) to L + k - 1.
  Value padded;
  if (ctx.hasInput(3)) {
    Value past = ctx.input(3);
    ArrayRef<int64_t> ps = shapeOf(past);
    if (getElementTypeOrSelf(past) != type || rankOf(past) != 3 ||
        !compatible(ps[0], xs[0]) || !compatible(ps[1], xs[1]) ||
        !compatible(ps[2], kernel - 1))
      return ctx.emitError() << "past_state must have shape "
                             << shapeStr({xs[0], xs[1], kernel - 1})
                             << " and input's type, got " << past.getType();
    if (isDyn(ps[2])) {
      auto type3 = RankedTensorType::get({ps[0], ps[1], kernel - 1}, type);
      past = tensor::CastOp::create(b, loc, type3, past);
    }
    padded = tensor::ConcatOp::create(b, loc, 2, ValueRange{past, x});
  } else {
    SmallVector<int64_t> shape(xs);
    if (!isDyn(shape[2]))
      shape[2] += kernel - 1;
    SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(0),
                                     b.getIndexAttr(kernel - 1)};
    SmallVector<OpFoldResult> high(3, b.getIndexAttr(0));
    padded =
        tensor::PadOp::create(b, loc, RankedTensorType::get(shape, type), x,
                              low, high, scalarConstant(b, loc, type, 0.0));
  }

  // Depthwise valid convolution: loops (b, c, l, j).
  Type ct = computeType(b, type);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  Value acc = filledTensor(b, loc, sizes, scalarConstant(b, loc, ct, 0.0));
  AffineExpr d0 = getAffineDimExpr(0, mctx), d1 = getAffineDimExpr(1, mctx),
             d2 = getAffineDimExpr(2, mctx), d3 = getAffineDimExpr(3, mctx);
  SmallVector<AffineMap> maps = {
      AffineMap::get(4, 0, {d0, d1, d2 + d3}, mctx),
      AffineMap::get(4, 0, {d1, getAffineConstantExpr(0, mctx), d3}, mctx),
      AffineMap::get(4, 0, {d0, d1, d2}, mctx)};
  acc = buildGeneric(b, loc, {padded, weight}, maps, acc,
                     {IteratorType::parallel, IteratorType::parallel,
                      IteratorType::parallel, IteratorType::reduction},
                     [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       Value l = castScalar(nb, nl, a[0], ct, false, false);
                       Value r = castScalar(nb, nl, a[1], ct, false, false);
                       Value p = arith::MulFOp::create(nb, nl, l, r);
                       return arith::AddFOp::create(nb, nl, p, a[2]);
                     });

  // Bias, activation, and back to the input's type.
  SmallVector<Value> inputs = {acc};
  AffineMap id3 = b.getMultiDimIdentityMap(3);
  SmallVector<AffineMap> epilogueMaps = {id3};
  if (bias) {
    inputs.push_back(bias);
    epilogueMaps.push_back(loopMap(mctx, 3, {1}));
  }
  epilogueMaps.push_back(id3);
  Value init = tensor::EmptyOp::create(b, loc, sizes, type);
  Value y = buildGeneric(
      b, loc, inputs, epilogueMaps, init,
      SmallVector<IteratorType>(3, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value v = a[0];
        if (bias)
          v = arith::AddFOp::create(nb, nl, v,
                                    castScalar(nb, nl, a[1], ct, false, false));
        if (silu) {
          // The sum is rounded to the input's type before the activation.
          v = castScalar(nb, nl, castScalar(nb, nl, v, type, false, false), ct,
                         false, false);
          Value one = scalarConstant(nb, nl, ct, 1.0);
          Value e =
              math::ExpOp::create(nb, nl, arith::NegFOp::create(nb, nl, v));
          Value sig = arith::DivFOp::create(
              nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
          v = arith::MulFOp::create(nb, nl, v, sig);
        }
        return castScalar(nb, nl, v, type, false, false);
      });
  ctx.setOutput(0, y);

  // present_state: the last k - 1 positions of the padded input.
  if (ctx.hasOutput(1)) {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         dimOf(b, loc, x, 2)};
    SmallVector<OpFoldResult> stateSizes = {sizes[0], sizes[1],
                                            b.getIndexAttr(kernel - 1)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    auto stateType = RankedTensorType::get({xs[0], xs[1], kernel - 1}, type);
    // With k = 1 the state is empty (and the offset would be out of range).
    Value state =
        kernel == 1
            ? tensor::EmptyOp::create(b, loc, stateSizes, type).getResult()
            : tensor::ExtractSliceOp::create(b, loc, stateType, padded, offsets,
                                             stateSizes, strides)
                  .getResult();
    ctx.setOutput(1, state);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SwiGLU
//===----------------------------------------------------------------------===//

LogicalResult convertSwiGLU(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (ctx.opset < 28)
    return ctx.emitError() << "SwiGLU exists from opset 28 on";
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs A and B are required";
  Value a = ctx.input(0), v = ctx.input(1);
  Type type = getElementTypeOrSelf(a);
  if (!isa<FloatType>(type) || getElementTypeOrSelf(v) != type)
    return ctx.emitError() << "A and B must be float tensors of one element "
                              "type, got "
                           << a.getType() << " and " << v.getType();
  bool same = rankOf(a) == rankOf(v);
  for (int64_t d = 0; same && d < rankOf(a); ++d)
    same = compatible(shapeOf(a)[d], shapeOf(v)[d]);
  if (!same)
    return ctx.emitError() << "A " << a.getType() << " and B " << v.getType()
                           << " must have the same shape (SwiGLU does not "
                              "broadcast)";
  // Both shapes, static dims from either.
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rankOf(a); ++d)
    shape.push_back(isDyn(shapeOf(a)[d]) ? shapeOf(v)[d] : shapeOf(a)[d]);
  auto refine = [&](Value x) -> Value {
    auto t = RankedTensorType::get(shape, type);
    return x.getType() == t ? x : tensor::CastOp::create(b, loc, t, x);
  };
  a = refine(a);
  v = refine(v);
  double alpha = ctx.floatAttr("alpha", 1.0f);
  Type ct = computeType(b, type);
  AffineMap id = b.getMultiDimIdentityMap(shape.size());
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, a), type);
  Value y = buildGeneric(
      b, loc, {a, v}, {id, id, id}, init,
      SmallVector<IteratorType>(shape.size(), IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value x = castScalar(nb, nl, args[0], ct, false, false);
        Value w = castScalar(nb, nl, args[1], ct, false, false);
        Value one = scalarConstant(nb, nl, ct, 1.0);
        Value ax =
            arith::MulFOp::create(nb, nl, scalarConstant(nb, nl, ct, alpha), x);
        Value e =
            math::ExpOp::create(nb, nl, arith::NegFOp::create(nb, nl, ax));
        Value sig = arith::DivFOp::create(
            nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
        Value swish = arith::MulFOp::create(nb, nl, x, sig);
        return castScalar(nb, nl, arith::MulFOp::create(nb, nl, swish, w), type,
                          false, false);
      });
  ctx.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// TensorScatter
//===----------------------------------------------------------------------===//

LogicalResult convertTensorScatter(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = ctx.getContext();
  if (ctx.opset < 24)
    return ctx.emitError() << "TensorScatter exists from opset 24 on";
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs past_cache and update are required";
  std::string mode = ctx.stringAttr("mode", "linear");
  if (mode != "linear" && mode != "circular")
    return ctx.emitError() << "unsupported mode '" << mode
                           << "' (expected linear or circular)";
  bool circular = mode == "circular";
  Value past = ctx.input(0), update = ctx.input(1);
  Type type = getElementTypeOrSelf(past);
  int64_t rank = rankOf(past);
  if (getElementTypeOrSelf(update) != type || rankOf(update) != rank)
    return ctx.emitError() << "past_cache " << past.getType() << " and update "
                           << update.getType()
                           << " must have one element type and rank";
  if (rank < 2)
    return ctx.emitError() << "past_cache must have a batch and a sequence "
                              "dim, got "
                           << past.getType();
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", -2), rank);
  if (failed(axis))
    return failure();
  if (*axis == 0)
    return ctx.emitError() << "axis cannot be the batch dim 0";
  ArrayRef<int64_t> ps = shapeOf(past), us = shapeOf(update);
  for (int64_t d = 0; d < rank; ++d) {
    bool ok = d == *axis ? (isDyn(ps[d]) || isDyn(us[d]) || us[d] <= ps[d])
                         : compatible(ps[d], us[d]);
    if (!ok)
      return ctx.emitError()
             << "update " << update.getType() << " must match past_cache "
             << past.getType() << " except along axis " << *axis
             << ", where it is not longer";
  }
  Value writeIndices;
  if (ctx.hasInput(2)) {
    writeIndices = ctx.input(2);
    if (!getElementTypeOrSelf(writeIndices).isInteger(64) ||
        rankOf(writeIndices) != 1 ||
        !compatible(shapeOf(writeIndices)[0], ps[0]))
      return ctx.emitError() << "write_indices must be a 1-D int64 tensor of "
                                "the batch size, got "
                             << writeIndices.getType();
  }
  // An empty update changes nothing.
  if (us[*axis] == 0) {
    ctx.setOutput(0, past, ctx.isUnsigned(0));
    return success();
  }

  // present[i] = update[i with the sequence index j] where j, the position
  // relative to the batch's write index, lies within the update; else past.
  // Dims past_cache leaves dynamic may be static in update.
  SmallVector<int64_t> shape(ps);
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis && isDyn(ps[d]))
      shape[d] = us[d];
  if (ArrayRef<int64_t>(shape) != ps)
    past = tensor::CastOp::create(b, loc, RankedTensorType::get(shape, type),
                                  past);
  SmallVector<Value> inputs = {past};
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps = {id};
  if (writeIndices) {
    inputs.push_back(writeIndices);
    maps.push_back(loopMap(mctx, rank, {0}));
  }
  maps.push_back(id);
  Value maxLen = indexValue(b, loc, dimOf(b, loc, past, *axis));
  Value updateLen = indexValue(b, loc, dimOf(b, loc, update, *axis));
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, past), type);
  Value y = buildGeneric(
      b, loc, inputs, maps, init,
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value p = i64Of(nb, nl, linalg::IndexOp::create(nb, nl, *axis));
        Value w = writeIndices ? args[1] : i64Const(nb, nl, 0);
        Value j = arith::SubIOp::create(nb, nl, p, w);
        Value zero = i64Const(nb, nl, 0);
        if (circular) {
          Value m = i64Of(nb, nl, maxLen);
          Value r = arith::RemSIOp::create(nb, nl, j, m);
          Value neg =
              arith::CmpIOp::create(nb, nl, CmpIPredicate::slt, r, zero);
          j = arith::SelectOp::create(nb, nl, neg,
                                      arith::AddIOp::create(nb, nl, r, m), r);
        }
        Value valid = arith::AndIOp::create(
            nb, nl, arith::CmpIOp::create(nb, nl, CmpIPredicate::sge, j, zero),
            arith::CmpIOp::create(nb, nl, CmpIPredicate::slt, j,
                                  i64Of(nb, nl, updateLen)));
        j = arith::SelectOp::create(nb, nl, valid, j, zero);
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d)
          at.push_back(
              d == *axis
                  ? arith::IndexCastOp::create(nb, nl, nb.getIndexType(), j)
                        .getResult()
                  : linalg::IndexOp::create(nb, nl, d).getResult());
        Value u = tensor::ExtractOp::create(nb, nl, update, at);
        return arith::SelectOp::create(nb, nl, valid, u, args[0]);
      });
  ctx.setOutput(0, y, ctx.isUnsigned(0));
  return success();
}

//===----------------------------------------------------------------------===//
// FlexAttention (ai.onnx.preview)
//===----------------------------------------------------------------------===//

/// Applies the modifier subgraph attribute `name` (if any) to `x`: its single
/// output must have x's element type and a compatible shape.
FailureOr<Value> applyModifier(NodeContext &ctx, StringRef name, Value x) {
  const onnx::AttributeProto *attr = ctx.attr(name);
  if (!attr)
    return x;
  if (!attr->has_g())
    return ctx.emitError() << "attribute '" << name << "' must be a graph";
  const onnx::GraphProto &graph = attr->g();
  if (graph.input_size() != 1 || graph.output_size() != 1)
    return ctx.emitError() << name << " must have exactly one input and one "
                           << "output, got " << graph.input_size() << " and "
                           << graph.output_size();
  FailureOr<SmallVector<ImportedValue>> results =
      ctx.importSubgraph(graph, {ImportedValue{x, false, {}}});
  if (failed(results))
    return failure();
  Value y = (*results)[0].value;
  auto type = dyn_cast<RankedTensorType>(y.getType());
  bool ok = type && type.getElementType() == getElementTypeOrSelf(x) &&
            type.getRank() == 4;
  for (int64_t d = 0; ok && d < 4; ++d)
    ok = compatible(type.getShape()[d], shapeOf(x)[d]);
  if (!ok)
    return ctx.emitError() << name << " must return its input's type "
                           << x.getType() << ", got " << y.getType();
  if (y.getType() != x.getType())
    y = tensor::CastOp::create(ctx.b, ctx.loc, x.getType(), y);
  return y;
}

LogicalResult convertFlexAttention(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = ctx.getContext();
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  Value q = ctx.input(0), k = ctx.input(1), v = ctx.input(2);
  Type type = getElementTypeOrSelf(q);
  if (!isa<FloatType>(type) || getElementTypeOrSelf(k) != type ||
      getElementTypeOrSelf(v) != type || rankOf(q) != 4 || rankOf(k) != 4 ||
      rankOf(v) != 4)
    return ctx.emitError() << "Q, K and V must be 4-D float tensors of one "
                              "element type, got "
                           << q.getType() << ", " << k.getType() << ", "
                           << v.getType();
  ArrayRef<int64_t> qs = shapeOf(q), ks = shapeOf(k), vs = shapeOf(v);
  if (!compatible(qs[0], ks[0]) || !compatible(qs[0], vs[0]) ||
      !compatible(ks[1], vs[1]) || !compatible(ks[2], vs[2]) ||
      !compatible(qs[3], ks[3]))
    return ctx.emitError() << "Q " << q.getType() << ", K " << k.getType()
                           << " and V " << v.getType()
                           << " do not form an attention";
  int64_t hq = qs[1], hkv = ks[1];
  if (hkv == 0 || (!isDyn(hq) && !isDyn(hkv) && hq % hkv != 0))
    return ctx.emitError() << "the query head count " << hq
                           << " must be a multiple of the key/value head "
                              "count "
                           << hkv;
  // The group size: each key/value head serves `reps` query heads (at run
  // time when a head count is dynamic).
  OpFoldResult reps;
  if (!isDyn(hq) && !isDyn(hkv))
    reps = b.getIndexAttr(hq / hkv);
  else
    reps =
        arith::DivUIOp::create(b, loc, indexValue(b, loc, dimOf(b, loc, q, 1)),
                               indexValue(b, loc, dimOf(b, loc, k, 1)))
            .getResult();
  Type st = computeType(b, type);
  if (const onnx::AttributeProto *p = ctx.attr("softmax_precision")) {
    auto error = [&]() { return ctx.emitError(); };
    FailureOr<ElementType> et = convertDataType(mctx, p->i(), error);
    if (failed(et))
      return failure();
    if (!isa<FloatType>(et->type))
      return ctx.emitError()
             << "softmax_precision must be a float type, got " << et->type;
    st = et->type;
  }

  // Scale: 1/sqrt(E) by default, split as sqrt(scale) over Q and K.
  double scale;
  if (ctx.hasAttr("scale")) {
    scale = ctx.floatAttr("scale", 1.0f);
  } else {
    if (isDyn(qs[3]))
      return ctx.emitError() << "the default scale needs a static head size, "
                                "got "
                             << q.getType();
    scale = 1.0 / std::sqrt(double(qs[3]));
  }
  Value sqrtScale =
      scalarConstant(b, loc, type, std::sqrt(static_cast<float>(scale)));
  Value keys = k, values = v;
  if (staticSize(reps) != 1) {
    keys = repeatHeads(b, loc, k, reps);
    values = repeatHeads(b, loc, v, reps);
  }
  Value qScaled = scaleTensor(b, loc, q, sqrtScale);
  Value kScaled = scaleTensor(b, loc, keys, sqrtScale);
  SmallVector<int64_t> scoreShape = {qs[0], hq, qs[2], shapeOf(keys)[2]};
  auto qk = dsk::MatmulOp::create(
      b, loc, RankedTensorType::get(scoreShape, type), qScaled, kScaled,
      Value(), false, true, attentionProductAccumulator(type));
  if (failed(verify(qk)))
    return ctx.emitError() << "the inputs do not form a valid Q·Kᵀ product "
                              "(see above)";
  Value scores = convertElements(b, loc, qk.getResult(), st, false);
  FailureOr<Value> modified = applyModifier(ctx, "score_mod", scores);
  if (failed(modified))
    return failure();
  scores = *modified;

  // Softmax over the keys.
  SmallVector<OpFoldResult> scoreSizes = sizesOf(b, loc, scores);
  AffineMap id = b.getMultiDimIdentityMap(4);
  AffineMap row = loopMap(mctx, 4, {0, 1, 2});
  SmallVector<IteratorType> par4(4, IteratorType::parallel);
  Value rowMax =
      reduceRows(b, loc, scores, scalarConstant(b, loc, st, kNegInf),
                 [](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
                   return arith::MaximumFOp::create(nb, nl, x, acc);
                 });
  Value exps =
      buildGeneric(b, loc, {scores, rowMax}, {id, row, id},
                   tensor::EmptyOp::create(b, loc, scoreSizes, st), par4,
                   [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                     return math::ExpOp::create(
                         nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
                   });
  Value rowSum =
      reduceRows(b, loc, exps, scalarConstant(b, loc, st, 0.0),
                 [](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
                   return arith::AddFOp::create(nb, nl, x, acc);
                 });
  Value probs =
      buildGeneric(b, loc, {exps, rowSum}, {id, row, id},
                   tensor::EmptyOp::create(b, loc, scoreSizes, st), par4,
                   [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                     return arith::DivFOp::create(nb, nl, a[0], a[1]);
                   });
  modified = applyModifier(ctx, "prob_mod", probs);
  if (failed(modified))
    return failure();
  probs = *modified;

  Value valuesSt = convertElements(b, loc, values, st, false);
  auto pv = dsk::MatmulOp::create(
      b, loc, RankedTensorType::get({qs[0], hq, qs[2], shapeOf(values)[3]}, st),
      probs, valuesSt, Value(), false, false, attentionProductAccumulator(st));
  if (failed(verify(pv)))
    return ctx.emitError() << "the inputs do not form a valid P·V product "
                              "(see above)";
  ctx.setOutput(0, convertElements(b, loc, pv.getResult(), type, false));
  return success();
}

} // namespace

void registerAttentionOps(OpRegistry &registry) {
  registry.add("", "Attention", convertAttention);
  registry.add("", "RotaryEmbedding", convertRotaryEmbedding);
  registry.add("", "LinearAttention", convertLinearAttention);
  registry.add("", "CausalConvWithState", convertCausalConvWithState);
  registry.add("", "SwiGLU", convertSwiGLU);
  registry.add("", "TensorScatter", convertTensorScatter);
  registry.add("ai.onnx.preview", "FlexAttention", convertFlexAttention);
}

} // namespace dsk::onnx_import
