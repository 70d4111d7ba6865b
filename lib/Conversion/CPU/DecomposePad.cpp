//===- DecomposePad.cpp - pad by filling only the border ------------------===//
//
// Bufferized as is, a tensor.pad fills its whole result with the padding
// value and then copies the source over the interior: every element of the
// interior is written twice. Convolutions pad every input, so the memset
// shows up in profiles (a fifth of a depthwise convolution). This pass
// writes the border and the interior once each.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPUDECOMPOSEPAD
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// tensor.pad of a statically shaped tensor by a value defined outside the
/// pad -> an empty tensor, the padding value filled into one slab per
/// padded side (slabs span the whole result in the other dimensions, so the
/// few corner elements are written more than once), then the source
/// inserted into the interior.
struct DecomposeStaticPad : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = pad.getResultType();
    Value value = pad.getConstantPaddingValue();
    if (!value || !resultType.hasStaticShape() ||
        !pad.getSourceType().hasStaticShape() || pad.getNofold() ||
        !pad.getLow().empty() || !pad.getHigh().empty())
      return rewriter.notifyMatchFailure(pad, "not a static constant pad");
    Location loc = pad.getLoc();
    ArrayRef<int64_t> shape = resultType.getShape();
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
    Value result = tensor::EmptyOp::create(rewriter, loc, shape,
                                           resultType.getElementType());
    auto fillSlab = [&](int64_t dim, int64_t offset, int64_t size) {
      SmallVector<int64_t> slabShape(shape);
      slabShape[dim] = size;
      Value slab = tensor::EmptyOp::create(rewriter, loc, slabShape,
                                           resultType.getElementType());
      slab = linalg::FillOp::create(rewriter, loc, value, slab).getResult(0);
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[dim] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes =
          getAsIndexOpFoldResult(rewriter.getContext(), slabShape);
      result = tensor::InsertSliceOp::create(rewriter, loc, slab, result,
                                             offsets, sizes, ones);
    };
    for (int64_t d = 0; d < rank; ++d) {
      if (low[d] > 0)
        fillSlab(d, 0, low[d]);
      if (high[d] > 0)
        fillSlab(d, shape[d] - high[d], high[d]);
    }
    SmallVector<OpFoldResult> offsets =
        getAsIndexOpFoldResult(rewriter.getContext(), low);
    SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
        rewriter.getContext(), pad.getSourceType().getShape());
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
        pad, pad.getSource(), result, offsets, sizes, ones);
    return success();
  }
};

struct DecomposePadPass
    : public dsk::impl::DskCpuDecomposePadBase<DecomposePadPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeStaticPad>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
