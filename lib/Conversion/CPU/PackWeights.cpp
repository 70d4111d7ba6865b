//===- PackWeights.cpp - pack GEMM weights into the kernel's panels -------===//
//
// The compile-time half of the f32 GEMM kernels (data tiling): a constant
// right-hand side is rewritten into panels of NR columns, and the product
// becomes a linalg.generic that reads the panels and carries the kernel to
// dsk-cpu-lower-kernels.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"
#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

#include "../DskToLinalg/LinalgBuilders.h"
#include "ConvPatches.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPUPACKWEIGHTS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;

namespace {

/// The values of an f32 constant, in row-major order; empty when the
/// constant's data is not available (an elided resource).
std::vector<float> readF32Constant(Attribute value, int64_t numElements) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::vector<float>(numElements, dense.getSplatValue<float>());
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(value))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      return std::vector<float>(data->begin(), data->end());
  return {};
}

/// The kernels' contract: GEMM tiles, and f32 tensors with static shapes
/// (the table selects them only for such ops and tiles; a hand-written
/// kernel may break that).
LogicalResult checkKernelContract(Operation *op, KernelAttr kernel) {
  if (!kernels::isValidGemmTiles(kernel.getTiles()))
    return op->emitError() << "kernel '" << kernel.getName()
                           << "' needs tiles [MR, NR, KC, width] with NR a "
                              "multiple of width";
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return op->emitError() << "kernel '" << kernel.getName()
                             << "' needs f32 tensors with static shapes, got "
                             << operand.getType();
  }
  return success();
}

/// B (K x N, or N x K when transposed) as panels Bp[N1][K][NR].
std::vector<float> packPanels(ArrayRef<float> b, int64_t k, int64_t n,
                              bool transposed, int64_t nr) {
  int64_t panels = llvm::divideCeilSigned(n, nr);
  std::vector<float> packed(panels * k * nr, 0.0f);
  for (int64_t j = 0; j < panels; ++j)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t c = 0; c < nr && j * nr + c < n; ++c) {
        int64_t col = j * nr + c;
        packed[(j * k + kk) * nr + c] =
            transposed ? b[col * k + kk] : b[kk * n + col];
      }
  return packed;
}

/// The packed product both forms lower to: a linalg.generic over the
/// result's dimensions and one reduction dimension (the last in `maps`),
/// init += lhs * rhs, carrying the kernel for dsk-cpu-lower-kernels.
Value buildPackedProduct(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Value lhs, Value rhs, Value init,
                         ArrayRef<AffineMap> maps, KernelAttr kernel) {
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto product = linalg::GenericOp::create(
      b, loc, RankedTensorType::get(shape, b.getF32Type()),
      ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value mul = arith::MulFOp::create(nb, nl, args[0], args[1]);
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[2], mul).getResult());
      });
  product->setAttr(DskDialect::kKernelAttrName, kernel);
  return product.getResult(0);
}

/// Rewrites one f32 GEMM matmul. Returns false, leaving the op to the
/// reference lowering without its kernel, when the constant's data is not
/// available (an elided resource); fails when the op breaks the kernel's
/// contract, which the error says.
FailureOr<bool> packMatmul(IRRewriter &rewriter, MatmulOp op,
                           KernelAttr kernel) {
  if (failed(checkKernelContract(op, kernel)))
    return failure();
  int64_t nr = kernel.getTiles()[1];
  auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
  auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
  RankedTensorType resultType = op.getType();
  bool transposed = op.getTransposeRhs();
  int64_t k = lhsType.getShape().back();
  int64_t n = resultType.getShape().back();
  int64_t m = resultType.getNumElements() / n;

  Attribute value;
  if (!matchPattern(op.getRhs(), m_Constant(&value)))
    return op.emitError() << "kernel '" << kernel.getName()
                          << "' needs a constant rhs";
  std::vector<float> weights = readF32Constant(value, rhsType.getNumElements());
  if (weights.empty())
    return false;

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  MLIRContext *ctx = rewriter.getContext();
  auto packedType = RankedTensorType::get(
      {llvm::divideCeilSigned(n, nr), k, nr}, rewriter.getF32Type());
  std::vector<float> packed = packPanels(weights, k, n, transposed, nr);
  Value panels = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(packedType, ArrayRef(packed)));

  // The lhs's batch dimensions (the rhs has none) fold into the rows.
  SmallVector<ReassociationIndices> reassociation;
  ReassociationIndices rows;
  for (int64_t d = 0; d + 1 < lhsType.getRank(); ++d)
    rows.push_back(d);
  reassociation.push_back(rows);
  reassociation.push_back({lhsType.getRank() - 1});
  Value lhs = op.getLhs();
  if (lhsType.getRank() > 2)
    lhs = tensor::CollapseShapeOp::create(rewriter, loc, lhs, reassociation);
  Value init =
      lowering::biasOrZeros(rewriter, loc, op.getBias(), /*biasUnsigned=*/false,
                            resultType.getShape(), rewriter.getF32Type());
  if (resultType.getRank() > 2)
    init = tensor::CollapseShapeOp::create(rewriter, loc, init, reassociation);

  AffineExpr dm, dn, dk;
  bindDims(ctx, dm, dn, dk);
  SmallVector<AffineMap> maps = {
      AffineMap::get(3, 0, {dm, dk}, ctx),
      AffineMap::get(3, 0, {dn.floorDiv(nr), dk, dn % nr}, ctx),
      AffineMap::get(3, 0, {dm, dn}, ctx)};
  Value result = buildPackedProduct(rewriter, loc, {m, n}, lhs, panels, init,
                                    maps, kernel);
  if (resultType.getRank() > 2)
    result = tensor::ExpandShapeOp::create(rewriter, loc, resultType, result,
                                           reassociation);
  rewriter.replaceOp(op, result);
  return true;
}

/// The input's patches as a matrix per image, [N][C*KH*KW][OH*OW], and how
/// the packed product's loops (n, f, p, k) read them: the input itself for a
/// 1x1 filter with unit strides; else, when `implicit`, the input read
/// through the patches' map (ConvPatches.h); else a copy (im2col) made by a
/// linalg.generic over [N][C][KH][KW][OH][OW].
std::pair<Value, AffineMap> buildPatches(OpBuilder &b, Location loc,
                                         linalg::Conv2DNchwFchwOp conv,
                                         bool implicit) {
  MLIRContext *ctx = b.getContext();
  AffineExpr dn, df, dp, dk;
  bindDims(ctx, dn, df, dp, dk);
  AffineMap matrixMap = AffineMap::get(4, 0, {dn, dk, dp}, ctx);
  Value input = conv.getInputs()[0];
  auto inputType = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> filterShape =
      cast<RankedTensorType>(conv.getInputs()[1].getType()).getShape();
  ArrayRef<int64_t> outShape =
      cast<RankedTensorType>(conv.getOutputs()[0].getType()).getShape();
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  int64_t kh = filterShape[2], kw = filterShape[3];
  if (kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
      inputType.getDimSize(2) == outShape[2] &&
      inputType.getDimSize(3) == outShape[3])
    return {
        tensor::CollapseShapeOp::create(
            b, loc, input, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}}),
        matrixMap};
  if (implicit) {
    cpu::PatchGeometry geometry{kh,           kw,           outShape[2],
                                outShape[3],  strides[0],   strides[1],
                                dilations[0], dilations[1], std::nullopt};
    return {input, geometry.inputMap(ctx)};
  }

  int64_t n = inputType.getDimSize(0), c = inputType.getDimSize(1);
  SmallVector<AffineExpr> d(6);
  bindDimsList(ctx, MutableArrayRef(d));
  // d: n, c, kh, kw, oh, ow.
  SmallVector<AffineMap> maps = {
      AffineMap::get(6, 0,
                     {d[0], d[1], d[4] * strides[0] + d[2] * dilations[0],
                      d[5] * strides[1] + d[3] * dilations[1]},
                     ctx),
      AffineMap::getMultiDimIdentityMap(6, ctx)};
  SmallVector<int64_t> patchShape = {n, c, kh, kw, outShape[2], outShape[3]};
  Value empty = tensor::EmptyOp::create(b, loc, patchShape, b.getF32Type());
  auto copy = linalg::GenericOp::create(
      b, loc, empty.getType(), ValueRange{input}, ValueRange{empty}, maps,
      SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, args[0]);
      });
  return {tensor::CollapseShapeOp::create(
              b, loc, copy.getResult(0),
              ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}}),
          matrixMap};
}

/// Rewrites one f32 convolution as the packed-filter GEMM
/// out[n][f][p] += Wp[f floordiv MR][k][f mod MR] * patches[n][k][p], or,
/// for the channels-in-lanes kernels, with the filter in panels of NR
/// channels, out[n][f][p] += Wp[f floordiv NR][k][f mod NR] *
/// patches[n][k][p]. Returns false when the filter's data is not available
/// (an elided resource), leaving the op to the reference lowering.
FailureOr<bool> packConv(IRRewriter &rewriter, linalg::Conv2DNchwFchwOp conv,
                         KernelAttr kernel, bool implicitPatches) {
  if (failed(checkKernelContract(conv, kernel)))
    return failure();
  bool channelsInLanes = kernels::isConv2dChannelsF32(kernel.getName());
  if (channelsInLanes && !kernels::isValidChannelsConvTiles(kernel.getTiles()))
    return conv.emitError() << "kernel '" << kernel.getName()
                            << "' needs MR a power of two that divides the "
                               "vector width";
  // Output channels per block of the packed filter.
  int64_t channelTile = kernel.getTiles()[channelsInLanes ? 1 : 0];
  Value filter = conv.getInputs()[1];
  auto filterType = cast<RankedTensorType>(filter.getType());
  Attribute value;
  if (!matchPattern(filter, m_Constant(&value)))
    return conv.emitError()
           << "kernel '" << kernel.getName() << "' needs a constant filter";
  std::vector<float> weights =
      readF32Constant(value, filterType.getNumElements());
  if (weights.empty())
    return false;

  Location loc = conv.getLoc();
  rewriter.setInsertionPoint(conv);
  MLIRContext *ctx = rewriter.getContext();
  auto resultType = cast<RankedTensorType>(conv.getResultTypes()[0]);
  ArrayRef<int64_t> shape = resultType.getShape();
  int64_t n = shape[0], f = shape[1], p = shape[2] * shape[3];
  int64_t k = filterType.getNumElements() / f;
  auto packedType = RankedTensorType::get(
      {llvm::divideCeilSigned(f, channelTile), k, channelTile},
      rewriter.getF32Type());
  // The filter [F][C][KH][KW] read as F x K (K = C*KH*KW), in blocks of
  // channels: Wp[ceil(F/tile)][K][tile], zero past F.
  std::vector<float> packed =
      packPanels(weights, k, f, /*transposed=*/true, channelTile);
  Value slivers = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(packedType, ArrayRef(packed)));
  auto [patches, patchesMap] =
      buildPatches(rewriter, loc, conv, implicitPatches);
  SmallVector<ReassociationIndices> spatial = {{0}, {1}, {2, 3}};
  Value init = tensor::CollapseShapeOp::create(rewriter, loc,
                                               conv.getOutputs()[0], spatial);

  AffineExpr dn, df, dp, dk;
  bindDims(ctx, dn, df, dp, dk);
  SmallVector<AffineMap> maps = {
      AffineMap::get(4, 0, {df.floorDiv(channelTile), dk, df % channelTile},
                     ctx),
      patchesMap, AffineMap::get(4, 0, {dn, df, dp}, ctx)};
  Value product = buildPackedProduct(rewriter, loc, {n, f, p}, slivers, patches,
                                     init, maps, kernel);
  rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(conv, resultType, product,
                                                     spatial);
  return true;
}

struct PackWeightsPass
    : public dsk::impl::DskCpuPackWeightsBase<PackWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<Operation *, KernelAttr>> products;
    getOperation().walk([&](Operation *op) {
      auto kernel = op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName);
      if (kernel &&
          ((isa<MatmulOp>(op) && kernels::isGemmF32(kernel.getName())) ||
           (isa<linalg::Conv2DNchwFchwOp>(op) &&
            (kernels::isConv2dF32(kernel.getName()) ||
             kernels::isConv2dChannelsF32(kernel.getName())))))
        products.push_back({op, kernel});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, kernel] : products) {
      FailureOr<bool> packed =
          isa<MatmulOp>(op)
              ? packMatmul(rewriter, cast<MatmulOp>(op), kernel)
              : packConv(rewriter, cast<linalg::Conv2DNchwFchwOp>(op), kernel,
                         implicitPatches);
      if (failed(packed))
        return signalPassFailure();
      if (!*packed)
        op->removeAttr(DskDialect::kKernelAttrName);
    }
  }
};

} // namespace
