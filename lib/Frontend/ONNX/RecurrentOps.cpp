//===- RecurrentOps.cpp - ONNX recurrent operators ------------------------===//
//
// RNN, GRU and LSTM (all opsets): an scf.for over the time steps per
// direction, the hidden (and cell) state carried through the loop, gate
// products as dsk.matmul and the gate arithmetic as linalg.generic; each
// step's hidden state is inserted into the stacked Y output.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using utils::IteratorType;

enum class RnnKind { Rnn, Gru, Lstm };

/// One activation function with its parameters.
struct Activation {
  enum Kind {
    Relu,
    Tanh,
    Sigmoid,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus
  } kind;
  float alpha = 0, beta = 0;
};

Value fconst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, v));
}

Value applyActivation(OpBuilder &b, Location loc, const Activation &act,
                      Value x) {
  Type t = x.getType();
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, loc, l, r).getResult();
  };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r).getResult();
  };
  auto c = [&](double v) { return fconst(b, loc, t, v); };
  auto select = [&](arith::CmpFPredicate pred, Value l, Value r, Value yes,
                    Value no) {
    Value cond = arith::CmpFOp::create(b, loc, pred, l, r);
    return arith::SelectOp::create(b, loc, cond, yes, no).getResult();
  };
  switch (act.kind) {
  case Activation::Relu:
    return arith::MaximumFOp::create(b, loc, x, c(0));
  case Activation::Tanh:
    return math::TanhOp::create(b, loc, x);
  case Activation::Sigmoid: {
    Value neg = arith::NegFOp::create(b, loc, x);
    Value e = math::ExpOp::create(b, loc, neg);
    return arith::DivFOp::create(b, loc, c(1), add(c(1), e));
  }
  case Activation::Affine:
    return add(mul(c(act.alpha), x), c(act.beta));
  case Activation::LeakyRelu:
    return select(arith::CmpFPredicate::OLT, x, c(0), mul(c(act.alpha), x), x);
  case Activation::ThresholdedRelu:
    return select(arith::CmpFPredicate::OGT, x, c(act.alpha), x, c(0));
  case Activation::ScaledTanh: {
    Value th = math::TanhOp::create(b, loc, mul(c(act.beta), x));
    return mul(c(act.alpha), th);
  }
  case Activation::HardSigmoid: {
    Value y = add(mul(c(act.alpha), x), c(act.beta));
    y = arith::MinimumFOp::create(b, loc, y, c(1));
    return arith::MaximumFOp::create(b, loc, y, c(0));
  }
  case Activation::Elu: {
    Value e = math::ExpOp::create(b, loc, x);
    Value neg = mul(c(act.alpha), arith::SubFOp::create(b, loc, e, c(1)));
    return select(arith::CmpFPredicate::OLT, x, c(0), neg, x);
  }
  case Activation::Softsign: {
    Value a = math::AbsFOp::create(b, loc, x);
    return arith::DivFOp::create(b, loc, x, add(c(1), a));
  }
  case Activation::Softplus: {
    Value e = math::ExpOp::create(b, loc, x);
    return math::LogOp::create(b, loc, add(e, c(1)));
  }
  }
  return x;
}

/// Parses `activations` / `activation_alpha` / `activation_beta`: `perDir`
/// functions per direction; alphas and betas are consumed in order by the
/// functions that take them (defaults otherwise).
FailureOr<SmallVector<Activation>>
parseActivations(NodeContext &ctx, ArrayRef<Activation::Kind> defaults,
                 int64_t dirs) {
  size_t perDir = defaults.size();
  SmallVector<std::string> names;
  if (const onnx::AttributeProto *a = ctx.attr("activations"))
    for (const std::string &s : a->strings())
      names.push_back(s);
  SmallVector<float> alphas = ctx.floatsAttr("activation_alpha");
  SmallVector<float> betas = ctx.floatsAttr("activation_beta");
  SmallVector<Activation> acts;
  if (names.empty()) {
    for (int64_t d = 0; d < dirs; ++d)
      for (Activation::Kind k : defaults)
        acts.push_back({k});
    return acts;
  }
  if (names.size() == perDir && dirs == 2)
    names.append(SmallVector<std::string>(names));
  if (names.size() != perDir * dirs)
    return ctx.emitError() << "expected " << perDir * dirs
                           << " activations, got " << names.size();
  size_t ai = 0, bi = 0;
  for (const std::string &name : names) {
    std::string n = llvm::StringRef(name).lower();
    Activation act{Activation::Tanh};
    bool usesAlpha = false, usesBeta = false;
    float da = 0, db = 0;
    if (n == "relu")
      act.kind = Activation::Relu;
    else if (n == "tanh")
      act.kind = Activation::Tanh;
    else if (n == "sigmoid")
      act.kind = Activation::Sigmoid;
    else if (n == "affine") {
      act.kind = Activation::Affine;
      usesAlpha = usesBeta = true;
      da = 1.0f;
    } else if (n == "leakyrelu") {
      act.kind = Activation::LeakyRelu;
      usesAlpha = true;
      da = 0.01f;
    } else if (n == "thresholdedrelu") {
      act.kind = Activation::ThresholdedRelu;
      usesAlpha = true;
      da = 1.0f;
    } else if (n == "scaledtanh") {
      act.kind = Activation::ScaledTanh;
      usesAlpha = usesBeta = true;
      da = db = 1.0f;
    } else if (n == "hardsigmoid") {
      act.kind = Activation::HardSigmoid;
      usesAlpha = usesBeta = true;
      da = 0.2f;
      db = 0.5f;
    } else if (n == "elu") {
      act.kind = Activation::Elu;
      usesAlpha = true;
      da = 1.0f;
    } else if (n == "softsign")
      act.kind = Activation::Softsign;
    else if (n == "softplus")
      act.kind = Activation::Softplus;
    else
      return ctx.emitError()
             << "unsupported activation function '" << name << "'";
    act.alpha = usesAlpha && ai < alphas.size() ? alphas[ai++] : da;
    act.beta = usesBeta && bi < betas.size() ? betas[bi++] : db;
    acts.push_back(act);
  }
  return acts;
}

/// x[i] of a tensor, with the leading dim dropped.
Value sliceLeading(OpBuilder &b, Location loc, Value x, OpFoldResult i) {
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[0] = i;
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d = 1; d < rank; ++d)
    sizes.push_back(dimOf(b, loc, x, d));
  auto resultType =
      RankedTensorType::get(t.getShape().drop_front(), t.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, x, offsets, sizes,
                                        strides);
}

/// x[..., lo:lo+n] along the last dim.
Value sliceLast(OpBuilder &b, Location loc, Value x, int64_t lo, int64_t n) {
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(lo);
  for (int64_t d = 0; d + 1 < rank; ++d)
    sizes.push_back(dimOf(b, loc, x, d));
  sizes.push_back(b.getIndexAttr(n));
  SmallVector<int64_t> shape(t.getShape());
  shape.back() = n;
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), x, offsets,
      sizes, strides);
}

/// x[lo:lo+n] along the first dim.
Value sliceFirst(OpBuilder &b, Location loc, Value x, int64_t lo, int64_t n) {
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[0] = b.getIndexAttr(lo);
  sizes.push_back(b.getIndexAttr(n));
  for (int64_t d = 1; d < rank; ++d)
    sizes.push_back(dimOf(b, loc, x, d));
  SmallVector<int64_t> shape(t.getShape());
  shape[0] = n;
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), x, offsets,
      sizes, strides);
}

using PointwiseFn =
    std::function<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

/// Pointwise linalg.generic over [N, H] (the shape of ins[0]); 1-D inputs
/// broadcast along the rows; `col` (optional, 1-D over N) is appended to
/// the body's arguments, broadcast along the columns. `numResults` results of
/// ins[0]'s type.
SmallVector<Value> pointwise(OpBuilder &b, Location loc, ArrayRef<Value> ins0,
                             unsigned numResults, const PointwiseFn &body,
                             Value col = {}) {
  SmallVector<Value> ins(ins0);
  RankedTensorType t = typeOf(ins[0]);
  MLIRContext *mctx = b.getContext();
  AffineMap id = b.getMultiDimIdentityMap(2);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(1, mctx)}, mctx);
  AffineMap column = AffineMap::get(2, 0, {getAffineDimExpr(0, mctx)}, mctx);
  SmallVector<AffineMap> maps;
  for (Value v : ins)
    maps.push_back(typeOf(v).getRank() == 1 ? row : id);
  if (col) {
    ins.push_back(col);
    maps.push_back(column);
  }
  SmallVector<Value> inits;
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, ins[0], 0),
                                     dimOf(b, loc, ins[0], 1)};
  for (unsigned i = 0; i < numResults; ++i) {
    inits.push_back(tensor::EmptyOp::create(b, loc, sizes, t.getElementType()));
    maps.push_back(id);
  }
  SmallVector<Type> types(numResults, t);
  auto generic = linalg::GenericOp::create(
      b, loc, types, ins, inits, maps,
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> r = body(nb, nl, args.take_front(ins.size()));
        linalg::YieldOp::create(nb, nl, r);
      });
  return SmallVector<Value>(generic.getResults());
}

Value matmulT(OpBuilder &b, Location loc, Value lhs, Value rhs, Value bias,
              Type acc) {
  RankedTensorType l = typeOf(lhs), r = typeOf(rhs);
  auto type = RankedTensorType::get({l.getDimSize(0), r.getDimSize(0)},
                                    l.getElementType());
  return dsk::MatmulOp::create(b, loc, type, lhs, rhs, bias, false, true,
                               acc ? TypeAttr::get(acc) : TypeAttr())
      .getResult();
}

LogicalResult convertRecurrent(NodeContext &ctx, RnnKind kind) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  int64_t gates = kind == RnnKind::Rnn ? 1 : kind == RnnKind::Gru ? 3 : 4;
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2))
    return ctx.emitError() << "inputs X, W and R are required";
  Value x = ctx.input(0), w = ctx.input(1), r = ctx.input(2);
  RankedTensorType xt = ctx.inputType(0), wt = ctx.inputType(1),
                   rt = ctx.inputType(2);
  Type et = xt.getElementType();
  if (!isa<FloatType>(et))
    return ctx.emitError() << "expected a float input, got " << xt;
  if (xt.getRank() != 3 || wt.getRank() != 3 || rt.getRank() != 3)
    return ctx.emitError() << "X, W and R must have rank 3";
  if (wt.getElementType() != et || rt.getElementType() != et)
    return ctx.emitError() << "W and R must have X's element type";

  std::string direction = ctx.stringAttr("direction", "forward");
  int64_t dirs;
  if (direction == "forward" || direction == "reverse")
    dirs = 1;
  else if (direction == "bidirectional")
    dirs = 2;
  else
    return ctx.emitError() << "unknown direction '" << direction << "'";
  int64_t layout = ctx.opset >= 14 ? ctx.intAttr("layout", 0) : 0;
  if (layout != 0 && layout != 1)
    return ctx.emitError() << "layout must be 0 or 1, got " << layout;

  int64_t hidden = rt.getDimSize(2);
  if (ShapedType::isDynamic(hidden))
    hidden = ctx.intAttr("hidden_size", ShapedType::kDynamic);
  if (ShapedType::isDynamic(hidden) || hidden <= 0)
    return ctx.emitError() << "the hidden size must be known at import time";
  if (ctx.hasAttr("hidden_size") && ctx.intAttr("hidden_size", 0) != hidden)
    return ctx.emitError() << "hidden_size " << ctx.intAttr("hidden_size", 0)
                           << " does not match R " << rt;
  // W and R hold 2 directions x `gates` x hidden rows: a hidden size from
  // the attribute alone (R's dims dynamic) must keep that count in range.
  if (hidden > kMaxTensorBytes)
    return ctx.emitError() << "hidden_size " << hidden
                           << " is larger than any tensor";
  int64_t inputSize = wt.getDimSize(2);
  auto checkDims = [&](RankedTensorType t, ArrayRef<int64_t> want,
                       StringRef name) -> LogicalResult {
    if (t.getRank() != static_cast<int64_t>(want.size()))
      return ctx.emitError()
             << name << " must have rank " << want.size() << ", got " << t;
    for (auto [got, exp] : llvm::zip(t.getShape(), want))
      if (!ShapedType::isDynamic(got) && !ShapedType::isDynamic(exp) &&
          got != exp)
        return ctx.emitError() << name << " has type " << t
                               << ", which does not match the expected dims";
    return success();
  };
  if (failed(
          checkDims(wt, {dirs, gates * hidden, ShapedType::kDynamic}, "W")) ||
      failed(checkDims(rt, {dirs, gates * hidden, hidden}, "R")))
    return failure();
  // The static shape W and R must have for the slices below.
  if (wt.getDimSize(0) != dirs || wt.getDimSize(1) != gates * hidden ||
      rt.getDimSize(0) != dirs || rt.getDimSize(1) != gates * hidden)
    return ctx.emitError() << "W and R must have static leading dims";
  if (!ShapedType::isDynamic(inputSize) &&
      !ShapedType::isDynamic(xt.getDimSize(2)) && inputSize != xt.getDimSize(2))
    return ctx.emitError() << "X " << xt << " does not match W " << wt;

  // X as [S, N, I].
  Value xs = layout ? transpose(b, loc, x, {1, 0, 2}) : x;
  RankedTensorType xst = typeOf(xs);
  int64_t seq = xst.getDimSize(0), batch = xst.getDimSize(1);

  Value bias;
  if (ctx.hasInput(3)) {
    bias = ctx.input(3);
    if (failed(checkDims(ctx.inputType(3), {dirs, 2 * gates * hidden}, "B")))
      return failure();
    if (ctx.inputType(3).getElementType() != et)
      return ctx.emitError() << "B must have X's element type";
    if (typeOf(bias).isDynamicDim(0) || typeOf(bias).isDynamicDim(1))
      bias = tensor::CastOp::create(
          b, loc, RankedTensorType::get({dirs, 2 * gates * hidden}, et), bias);
  }
  // Per-batch sequence lengths, unless known to all equal the sequence
  // length: steps past a batch entry's length keep its state and give zeros
  // in Y; the reverse direction starts at the entry's last step.
  Value lensV;
  if (ctx.hasInput(4)) {
    RankedTensorType lt = ctx.inputType(4);
    if (lt.getRank() != 1 || !isa<IntegerType>(lt.getElementType()))
      return ctx.emitError() << "sequence_lens must be a 1-D integer tensor, "
                             << "got " << lt;
    if (failed(checkDims(lt, {batch}, "sequence_lens")))
      return failure();
    bool allFull = false;
    if (DenseElementsAttr lens = ctx.constantInput(4);
        lens && !ShapedType::isDynamic(seq)) {
      allFull = true;
      for (APInt v : lens.getValues<APInt>())
        allFull &= v.getSExtValue() == seq;
    }
    if (!allFull)
      lensV = ctx.input(4);
  }
  auto stateInput = [&](size_t i, StringRef name) -> FailureOr<Value> {
    if (!ctx.hasInput(i))
      return Value();
    Value v = ctx.input(i);
    if (ctx.inputType(i).getElementType() != et)
      return ctx.emitError() << name << " must have X's element type";
    SmallVector<int64_t> want = {dirs, batch, hidden};
    if (layout)
      std::swap(want[0], want[1]);
    if (failed(checkDims(ctx.inputType(i), want, name)))
      return failure();
    if (layout)
      v = transpose(b, loc, v, {1, 0, 2});
    return v;
  };
  FailureOr<Value> h0 = stateInput(5, "initial_h");
  if (failed(h0))
    return failure();
  FailureOr<Value> c0 = Value();
  Value peep;
  if (kind == RnnKind::Lstm) {
    c0 = stateInput(6, "initial_c");
    if (failed(c0))
      return failure();
    if (ctx.hasInput(7)) {
      peep = ctx.input(7);
      if (failed(checkDims(ctx.inputType(7), {dirs, 3 * hidden}, "P")))
        return failure();
      if (ctx.inputType(7).getElementType() != et)
        return ctx.emitError() << "P must have X's element type";
      if (typeOf(peep).isDynamicDim(0) || typeOf(peep).isDynamicDim(1))
        peep = tensor::CastOp::create(
            b, loc, RankedTensorType::get({dirs, 3 * hidden}, et), peep);
    }
  }

  SmallVector<Activation::Kind> defaults;
  if (kind == RnnKind::Rnn)
    defaults = {Activation::Tanh};
  else if (kind == RnnKind::Gru)
    defaults = {Activation::Sigmoid, Activation::Tanh};
  else
    defaults = {Activation::Sigmoid, Activation::Tanh, Activation::Tanh};
  FailureOr<SmallVector<Activation>> acts =
      parseActivations(ctx, defaults, dirs);
  if (failed(acts))
    return failure();
  std::optional<float> clip;
  if (ctx.hasAttr("clip")) {
    clip = ctx.floatAttr("clip", 0);
    if (!(*clip > 0))
      return ctx.emitError() << "clip must be positive";
  }
  bool linearBeforeReset =
      kind == RnnKind::Gru && ctx.intAttr("linear_before_reset", 0) != 0;
  bool inputForget =
      kind == RnnKind::Lstm && ctx.intAttr("input_forget", 0) != 0;
  Type acc = et.isF64() ? et : Type();

  OpFoldResult seqOfr = dimOf(b, loc, xs, 0), batchOfr = dimOf(b, loc, xs, 1);
  Value y = tensor::EmptyOp::create(
      b, loc,
      SmallVector<OpFoldResult>{seqOfr, b.getIndexAttr(dirs), batchOfr,
                                b.getIndexAttr(hidden)},
      et);
  auto zeroState = [&]() {
    Value init = tensor::EmptyOp::create(
        b, loc, SmallVector<OpFoldResult>{batchOfr, b.getIndexAttr(hidden)},
        et);
    Value zero = fconst(b, loc, et, 0);
    return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{init})
        .getResult(0);
  };
  Value idx0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value idx1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value steps = getValueOrCreateConstantIndexOp(b, loc, seqOfr);
  Value last = arith::SubIOp::create(b, loc, steps, idx1);
  auto stateType = RankedTensorType::get({batch, hidden}, et);

  SmallVector<Value> finalH, finalC;
  size_t perDir = defaults.size();
  for (int64_t d = 0; d < dirs; ++d) {
    bool reverse = direction == "reverse" || d == 1;
    ArrayRef<Activation> act =
        ArrayRef<Activation>(*acts).slice(d * perDir, perDir);
    Value wd = sliceLeading(b, loc, w, b.getIndexAttr(d));
    Value rd = sliceLeading(b, loc, r, b.getIndexAttr(d));
    Value wb, rb;
    if (bias) {
      Value bd = sliceLeading(b, loc, bias, b.getIndexAttr(d));
      wb = sliceFirst(b, loc, bd, 0, gates * hidden);
      rb = sliceFirst(b, loc, bd, gates * hidden, gates * hidden);
    }
    Value pd;
    if (peep)
      pd = sliceLeading(b, loc, peep, b.getIndexAttr(d));
    Value h = *h0 ? sliceLeading(b, loc, *h0, b.getIndexAttr(d)) : zeroState();
    if (typeOf(h) != stateType)
      h = tensor::CastOp::create(b, loc, stateType, h);
    SmallVector<Value> iters = {h};
    if (kind == RnnKind::Lstm) {
      Value c =
          *c0 ? sliceLeading(b, loc, *c0, b.getIndexAttr(d)) : zeroState();
      if (typeOf(c) != stateType)
        c = tensor::CastOp::create(b, loc, stateType, c);
      iters.push_back(c);
    }
    iters.push_back(y);
    // GRU splits R into the z/r rows and the h rows.
    Value rzr, rh, rbzr, rbh;
    if (kind == RnnKind::Gru) {
      rzr = sliceFirst(b, loc, rd, 0, 2 * hidden);
      rh = sliceFirst(b, loc, rd, 2 * hidden, hidden);
      if (rb) {
        rbzr = sliceFirst(b, loc, rb, 0, 2 * hidden);
        rbh = sliceFirst(b, loc, rb, 2 * hidden, hidden);
      }
    }
    auto loop = scf::ForOp::create(
        b, loc, idx0, steps, idx1, iters,
        [&](OpBuilder &lb, Location ll, Value i, ValueRange it) {
          Value t =
              reverse ? arith::SubIOp::create(lb, ll, last, i).getResult() : i;
          Value hPrev = it[0];
          Value xt;
          Value step64;
          if (lensV)
            step64 = arith::IndexCastOp::create(lb, ll, lb.getI64Type(), i);
          if (lensV && reverse) {
            // x[len[n] - 1 - i, n, :], clamped to row 0 when past the end.
            SmallVector<OpFoldResult> xsz = {dimOf(lb, ll, xs, 1),
                                             dimOf(lb, ll, xs, 2)};
            Value init = tensor::EmptyOp::create(lb, ll, xsz, et);
            MLIRContext *mctx = lb.getContext();
            AffineMap column =
                AffineMap::get(2, 0, {getAffineDimExpr(0, mctx)}, mctx);
            xt = linalg::GenericOp::create(
                     lb, ll, TypeRange{init.getType()}, ValueRange{lensV},
                     ValueRange{init},
                     ArrayRef<AffineMap>{column, lb.getMultiDimIdentityMap(2)},
                     SmallVector<IteratorType>(2, IteratorType::parallel),
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value len = castScalar(nb, nl, a[0], nb.getI64Type(),
                                              false, false);
                       Value one = arith::ConstantIntOp::create(nb, nl, 1, 64);
                       Value zero = arith::ConstantIntOp::create(nb, nl, 0, 64);
                       Value tt = arith::SubIOp::create(
                           nb, nl, arith::SubIOp::create(nb, nl, len, one),
                           step64);
                       tt = arith::MaxSIOp::create(nb, nl, tt, zero);
                       Value ti = arith::IndexCastOp::create(
                           nb, nl, nb.getIndexType(), tt);
                       Value n = linalg::IndexOp::create(nb, nl, 0);
                       Value k = linalg::IndexOp::create(nb, nl, 1);
                       Value v = tensor::ExtractOp::create(
                           nb, nl, xs, ValueRange{ti, n, k});
                       linalg::YieldOp::create(nb, nl, v);
                     })
                     .getResult(0);
            t = i;
          } else {
            xt = sliceLeading(lb, ll, xs, t);
          }
          Value xw = matmulT(lb, ll, xt, wd, wb, acc);
          auto clipped = [&](OpBuilder &nb, Location nl, Value v) {
            if (!clip)
              return v;
            Value c = fconst(nb, nl, et, *clip);
            Value nc = fconst(nb, nl, et, -*clip);
            v = arith::MinimumFOp::create(nb, nl, v, c);
            return arith::MaximumFOp::create(nb, nl, v, nc).getResult();
          };
          auto f = [&](OpBuilder &nb, Location nl, unsigned k, Value v) {
            return applyActivation(nb, nl, act[k], clipped(nb, nl, v));
          };
          SmallVector<Value> yields;
          Value hNew;
          if (kind == RnnKind::Rnn) {
            Value hr = matmulT(lb, ll, hPrev, rd, rb, acc);
            hNew = pointwise(lb, ll, {xw, hr}, 1,
                             [&](OpBuilder &nb, Location nl, ValueRange a) {
                               Value s =
                                   arith::AddFOp::create(nb, nl, a[0], a[1]);
                               return SmallVector<Value>{f(nb, nl, 0, s)};
                             })[0];
            yields.push_back(hNew);
          } else if (kind == RnnKind::Gru) {
            Value hr = matmulT(lb, ll, hPrev, rzr, rbzr, acc);
            Value xz = sliceLast(lb, ll, xw, 0, hidden);
            Value xr = sliceLast(lb, ll, xw, hidden, hidden);
            Value xh = sliceLast(lb, ll, xw, 2 * hidden, hidden);
            Value hz = sliceLast(lb, ll, hr, 0, hidden);
            Value hrr = sliceLast(lb, ll, hr, hidden, hidden);
            SmallVector<Value> zr = pointwise(
                lb, ll, {xz, hz, xr, hrr, hPrev}, 2,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value z =
                      f(nb, nl, 0, arith::AddFOp::create(nb, nl, a[0], a[1]));
                  Value rr =
                      f(nb, nl, 0, arith::AddFOp::create(nb, nl, a[2], a[3]));
                  // The second result: r (linear) or r * H (default).
                  Value second =
                      linearBeforeReset
                          ? rr
                          : arith::MulFOp::create(nb, nl, rr, a[4]).getResult();
                  return SmallVector<Value>{z, second};
                });
            Value z = zr[0];
            Value hh = matmulT(lb, ll, linearBeforeReset ? hPrev : zr[1], rh,
                               rbh, acc);
            SmallVector<Value> ins = {xh, hh, z, hPrev};
            if (linearBeforeReset)
              ins.push_back(zr[1]);
            hNew = pointwise(
                lb, ll, ins, 1, [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value rec = a[1];
                  if (linearBeforeReset)
                    rec = arith::MulFOp::create(nb, nl, a[4], rec);
                  Value cand =
                      f(nb, nl, 1, arith::AddFOp::create(nb, nl, a[0], rec));
                  // (1 - z) * h~ + z * H
                  Value one = fconst(nb, nl, et, 1);
                  Value omz = arith::SubFOp::create(nb, nl, one, a[2]);
                  Value l = arith::MulFOp::create(nb, nl, omz, cand);
                  Value rgt = arith::MulFOp::create(nb, nl, a[2], a[3]);
                  return SmallVector<Value>{
                      arith::AddFOp::create(nb, nl, l, rgt).getResult()};
                })[0];
            yields.push_back(hNew);
          } else {
            Value cPrev = it[1];
            Value hr = matmulT(lb, ll, hPrev, rd, rb, acc);
            SmallVector<Value> ins;
            for (int64_t g = 0; g < 4; ++g)
              ins.push_back(sliceLast(lb, ll, xw, g * hidden, hidden));
            for (int64_t g = 0; g < 4; ++g)
              ins.push_back(sliceLast(lb, ll, hr, g * hidden, hidden));
            ins.push_back(cPrev);
            if (pd)
              for (int64_t g = 0; g < 3; ++g)
                ins.push_back(sliceFirst(lb, ll, pd, g * hidden, hidden));
            SmallVector<Value> hc = pointwise(
                lb, ll, ins, 2, [&](OpBuilder &nb, Location nl, ValueRange a) {
                  auto add = [&](Value l, Value r) {
                    return arith::AddFOp::create(nb, nl, l, r).getResult();
                  };
                  auto mul = [&](Value l, Value r) {
                    return arith::MulFOp::create(nb, nl, l, r).getResult();
                  };
                  // Gate order i, o, f, c; peepholes i, o, f.
                  Value gi = add(a[0], a[4]), go = add(a[1], a[5]),
                        gf = add(a[2], a[6]), gc = add(a[3], a[7]);
                  Value c = a[8];
                  if (pd) {
                    gi = add(gi, mul(a[9], c));
                    gf = add(gf, mul(a[11], c));
                  }
                  Value iv = f(nb, nl, 0, gi);
                  Value fv = inputForget
                                 ? arith::SubFOp::create(
                                       nb, nl, fconst(nb, nl, et, 1), iv)
                                       .getResult()
                                 : f(nb, nl, 0, gf);
                  Value cv = f(nb, nl, 1, gc);
                  Value cNew = add(mul(fv, c), mul(iv, cv));
                  if (pd)
                    go = add(go, mul(a[10], cNew));
                  Value ov = f(nb, nl, 0, go);
                  Value hv = mul(ov, applyActivation(nb, nl, act[2], cNew));
                  return SmallVector<Value>{hv, cNew};
                });
            hNew = hc[0];
            yields.push_back(hc[0]);
            yields.push_back(hc[1]);
          }
          if (lensV) {
            // Past a batch entry's length: keep the state, Y gets zeros.
            SmallVector<Value> ins = {yields[0], hPrev};
            if (kind == RnnKind::Lstm) {
              ins.push_back(yields[1]);
              ins.push_back(it[1]);
            }
            SmallVector<Value> masked = pointwise(
                lb, ll, ins, ins.size() / 2 + 1,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value len = castScalar(nb, nl, a.back(), nb.getI64Type(),
                                         false, false);
                  Value valid = arith::CmpIOp::create(
                      nb, nl, arith::CmpIPredicate::slt, step64, len);
                  SmallVector<Value> r;
                  for (size_t j = 0; j + 1 < a.size(); j += 2)
                    r.push_back(
                        arith::SelectOp::create(nb, nl, valid, a[j], a[j + 1]));
                  r.push_back(arith::SelectOp::create(nb, nl, valid, a[0],
                                                      fconst(nb, nl, et, 0)));
                  return r;
                },
                lensV);
            hNew = masked.back();
            masked.pop_back();
            yields = masked;
          }
          // Y[t, d] = H.
          Value yPrev = it.back();
          SmallVector<OpFoldResult> offsets = {
              t, lb.getIndexAttr(d), lb.getIndexAttr(0), lb.getIndexAttr(0)};
          SmallVector<OpFoldResult> sizes = {
              lb.getIndexAttr(1), lb.getIndexAttr(1), dimOf(lb, ll, hNew, 0),
              lb.getIndexAttr(hidden)};
          SmallVector<OpFoldResult> strides(4, lb.getIndexAttr(1));
          yields.push_back(tensor::InsertSliceOp::create(
              lb, ll, hNew, yPrev, offsets, sizes, strides));
          scf::YieldOp::create(lb, ll, yields);
        });
    finalH.push_back(loop.getResult(0));
    if (kind == RnnKind::Lstm)
      finalC.push_back(loop.getResult(1));
    y = loop.getResults().back();
  }

  // Reversed directions with sequence lengths stored Y in step order:
  // Y[t, d, n] = Ystep[len[n] - 1 - t, d, n], zero past the length.
  if (lensV && direction != "forward") {
    Value init = tensor::EmptyOp::create(
        b, loc,
        SmallVector<OpFoldResult>{seqOfr, b.getIndexAttr(dirs), batchOfr,
                                  b.getIndexAttr(hidden)},
        et);
    MLIRContext *mctx = b.getContext();
    AffineMap batchMap =
        AffineMap::get(4, 0, {getAffineDimExpr(2, mctx)}, mctx);
    Value ystep = y;
    bool reverseOnly = direction == "reverse";
    y = linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{lensV},
            ValueRange{init},
            ArrayRef<AffineMap>{batchMap, b.getMultiDimIdentityMap(4)},
            SmallVector<IteratorType>(4, IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value len =
                  castScalar(nb, nl, a[0], nb.getI64Type(), false, false);
              Value t = linalg::IndexOp::create(nb, nl, 0);
              Value d = linalg::IndexOp::create(nb, nl, 1);
              Value n = linalg::IndexOp::create(nb, nl, 2);
              Value h = linalg::IndexOp::create(nb, nl, 3);
              Value t64 =
                  arith::IndexCastOp::create(nb, nl, nb.getI64Type(), t);
              Value one = arith::ConstantIntOp::create(nb, nl, 1, 64);
              Value zero = arith::ConstantIntOp::create(nb, nl, 0, 64);
              Value rt = arith::SubIOp::create(
                  nb, nl, arith::SubIOp::create(nb, nl, len, one), t64);
              rt = arith::MaxSIOp::create(nb, nl, rt, zero);
              Value rti =
                  arith::IndexCastOp::create(nb, nl, nb.getIndexType(), rt);
              Value src = rti;
              if (!reverseOnly) {
                Value isRev = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::eq, d,
                    arith::ConstantIndexOp::create(nb, nl, 1));
                src = arith::SelectOp::create(nb, nl, isRev, rti, t);
              }
              Value v = tensor::ExtractOp::create(nb, nl, ystep,
                                                  ValueRange{src, d, n, h});
              Value valid = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::slt, t64, len);
              Value r = arith::SelectOp::create(nb, nl, valid, v,
                                                fconst(nb, nl, et, 0));
              linalg::YieldOp::create(nb, nl, r);
            })
            .getResult(0);
  }

  // Stacks the final states into [D, N, H].
  auto stack = [&](ArrayRef<Value> states) {
    Value out = tensor::EmptyOp::create(
        b, loc,
        SmallVector<OpFoldResult>{b.getIndexAttr(dirs), batchOfr,
                                  b.getIndexAttr(hidden)},
        et);
    for (int64_t d = 0; d < dirs; ++d) {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(d), b.getIndexAttr(0),
                                           b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), batchOfr,
                                         b.getIndexAttr(hidden)};
      SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
      out = tensor::InsertSliceOp::create(b, loc, states[d], out, offsets,
                                          sizes, strides);
    }
    return layout ? transpose(b, loc, out, {1, 0, 2}) : out;
  };
  if (ctx.hasOutput(0))
    ctx.setOutput(0, layout ? transpose(b, loc, y, {2, 0, 1, 3}) : y);
  if (ctx.numOutputs() > 1 && ctx.hasOutput(1))
    ctx.setOutput(1, stack(finalH));
  if (kind == RnnKind::Lstm && ctx.numOutputs() > 2 && ctx.hasOutput(2))
    ctx.setOutput(2, stack(finalC));
  return success();
}

LogicalResult convertRNN(NodeContext &ctx) {
  return convertRecurrent(ctx, RnnKind::Rnn);
}
LogicalResult convertGRU(NodeContext &ctx) {
  return convertRecurrent(ctx, RnnKind::Gru);
}
LogicalResult convertLSTM(NodeContext &ctx) {
  return convertRecurrent(ctx, RnnKind::Lstm);
}

} // namespace

void registerRecurrentOps(OpRegistry &registry) {
  registry.add("", "RNN", convertRNN);
  registry.add("", "GRU", convertGRU);
  registry.add("", "LSTM", convertLSTM);
}

} // namespace dsk::onnx_import
