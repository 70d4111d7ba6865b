//===- ConvPatches.cpp - a convolution's patches read from its input ------===//
//
// The implicit patch matrix of the convolution form of the packed GEMM: its
// affine map, and the vector loads with which the GEMM kernel packs blocks
// of it straight from the input.
//
//===----------------------------------------------------------------------===//

#include "ConvPatches.h"
#include "KernelLowerings.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineExpr.h"

using namespace mlir;
using namespace dsk::cpu;

AffineMap PatchGeometry::inputMap(MLIRContext *ctx) const {
  AffineExpr n, f, p, k;
  bindDims(ctx, n, f, p, k);
  AffineExpr kh = k.floorDiv(kernelW) % kernelH, kw = k % kernelW;
  return AffineMap::get(4, 0,
                        {n, k.floorDiv(kernelH * kernelW),
                         p.floorDiv(outW) * strideH + kh * dilationH,
                         (p % outW) * strideW + kw * dilationW},
                        ctx);
}

/// The constant c of a `dim mod c` in `expr`, dim being the loop `position`;
/// 1 when there is none (a `dim mod 1` folds away).
static int64_t findModulus(AffineExpr expr, unsigned position) {
  int64_t modulus = 1;
  expr.walk([&](AffineExpr sub) {
    auto binary = dyn_cast<AffineBinaryOpExpr>(sub);
    if (!binary || binary.getKind() != AffineExprKind::Mod)
      return;
    auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
    auto constant = dyn_cast<AffineConstantExpr>(binary.getRHS());
    if (dim && constant && dim.getPosition() == position)
      modulus = constant.getValue();
  });
  return modulus;
}

std::optional<PatchGeometry> PatchGeometry::match(AffineMap map,
                                                  ArrayRef<int64_t> inputShape,
                                                  int64_t k, int64_t p) {
  enum : unsigned { kColumnLoop = 2, kRowLoop = 3 };
  if (map.getNumDims() != 4 || map.getNumSymbols() != 0 ||
      map.getNumResults() != 4 || inputShape.size() != 4 ||
      inputShape[1] <= 0 || k <= 0 || p <= 0 || k % inputShape[1] != 0)
    return std::nullopt;
  // The sizes come from the moduli and the input's channels; the strides
  // and dilations from the map's values at a few points. The map is then
  // rebuilt from them: only a map of exactly this form is a patch matrix.
  // (linalg's verifier has checked that it stays inside the input.)
  PatchGeometry geometry;
  int64_t taps = k / inputShape[1];
  geometry.kernelW = findModulus(map.getResult(3), kRowLoop);
  geometry.outW = findModulus(map.getResult(3), kColumnLoop);
  if (geometry.kernelW <= 0 || taps % geometry.kernelW != 0 ||
      geometry.outW <= 0 || p % geometry.outW != 0)
    return std::nullopt;
  geometry.kernelH = taps / geometry.kernelW;
  geometry.outH = p / geometry.outW;
  auto at = [&](int64_t column, int64_t row) {
    return map.compose(ArrayRef<int64_t>{0, 0, column, row});
  };
  SmallVector<int64_t> origin = at(0, 0);
  auto step = [&](int64_t result, int64_t column, int64_t row, bool varies) {
    return varies ? at(column, row)[result] - origin[result] : 1;
  };
  // (p floordiv OW) * SH stays in the map even with one output row: the
  // map does not know p's range, so SH is measured in any case.
  geometry.strideH = step(2, geometry.outW, 0, /*varies=*/true);
  geometry.dilationH = step(2, 0, geometry.kernelW, geometry.kernelH > 1);
  geometry.strideW = step(3, 1, 0, geometry.outW > 1);
  geometry.dilationW = step(3, 0, 1, geometry.kernelW > 1);
  if (geometry.strideH < 1 || geometry.dilationH < 1 || geometry.strideW < 1 ||
      geometry.dilationW < 1 || geometry.inputMap(map.getContext()) != map)
    return std::nullopt;
  return geometry;
}

std::optional<ConvProduct> dsk::cpu::matchConvProduct(linalg::GenericOp op,
                                                      int64_t channelTile) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 4)
    return std::nullopt;
  ConvProduct product;
  product.filter = op.getDpsInputs()[0];
  product.patches = op.getDpsInputs()[1];
  product.out = op.getDpsInits()[0];
  if (!isStaticF32Memref(product.filter, 3) ||
      !isStaticF32Memref(product.out, 3) ||
      !isInnerContiguous(product.filter) ||
      !isInnerContiguous(product.patches) || !isInnerContiguous(product.out))
    return std::nullopt;
  auto shape = [](Value value) {
    return cast<MemRefType>(value.getType()).getShape();
  };
  product.batch = shape(product.out)[0];
  product.channels = shape(product.out)[1];
  product.positions = shape(product.out)[2];
  product.k = shape(product.filter)[1];
  if (shape(product.filter) !=
      ArrayRef<int64_t>{llvm::divideCeilSigned(product.channels, channelTile),
                        product.k, channelTile})
    return std::nullopt;

  MLIRContext *ctx = op.getContext();
  AffineExpr n, f, p, kk;
  bindDims(ctx, n, f, p, kk);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  ArrayRef<int64_t> patchesShape = shape(product.patches);
  AffineMap patchesMap = AffineMap::get(4, 0, {n, kk, p}, ctx);
  if (isStaticF32Memref(product.patches, 4)) {
    product.geometry = PatchGeometry::match(maps[1], patchesShape, product.k,
                                            product.positions);
    if (!product.geometry || patchesShape[0] != product.batch)
      return std::nullopt;
    patchesMap = product.geometry->inputMap(ctx);
  } else if (!isStaticF32Memref(product.patches, 3) ||
             patchesShape != ArrayRef<int64_t>{product.batch, product.k,
                                               product.positions}) {
    return std::nullopt;
  }
  SmallVector<AffineMap> expected = {
      AffineMap::get(4, 0, {f.floorDiv(channelTile), kk, f % channelTile}, ctx),
      patchesMap, AffineMap::get(4, 0, {n, f, p}, ctx)};
  if (maps != ArrayRef(expected))
    return std::nullopt;
  return product;
}

void dsk::cpu::readInsideZeroFrame(OpBuilder &b, Operation *reader,
                                   Value &input, PatchGeometry &geometry) {
  geometry.frame = matchFilledFrame(
      input, reader, [](const APFloat &value) { return value.isZero(); });
  if (geometry.frame)
    input = buildFrameInterior(b, reader->getLoc(), input, *geometry.frame);
}

PatchLoader::PatchLoader(OpBuilder &b, Location loc,
                         const PatchGeometry &geometry, Value input,
                         VectorType vectorType)
    : b(b), loc(loc), geometry(geometry), input(input), vectorType(vectorType),
      evenElements(geometry.strideW == 2 && vectorType.getNumElements() > 1) {
  if (geometry.strideW == 1 || evenElements)
    return;
  SmallVector<int32_t> lanes;
  for (int64_t lane = 0; lane < vectorType.getNumElements(); ++lane)
    lanes.push_back(static_cast<int32_t>(lane * geometry.strideW));
  auto offsetType =
      VectorType::get({vectorType.getNumElements()}, b.getI32Type());
  gatherOffsets = arith::ConstantOp::create(
      b, loc, offsetType, DenseElementsAttr::get(offsetType, ArrayRef(lanes)));
}

Value PatchLoader::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

PatchLoader::Columns PatchLoader::prepare(Value q, std::optional<Value> mask) {
  int64_t width = vectorType.getNumElements();
  Value outRow = arith::DivUIOp::create(b, loc, q, index(geometry.outW));
  Value outColumn = arith::RemUIOp::create(b, loc, q, index(geometry.outW));
  auto times = [&](Value value, int64_t factor) {
    return arith::MulIOp::create(b, loc, value, index(factor)).getResult();
  };
  Columns columns;
  auto laneType = VectorType::get({width}, b.getI32Type());
  auto i32Lanes = [&](int64_t value) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            laneType, b.getI32IntegerAttr(static_cast<int32_t>(value))));
  };
  // Part `lanes`: the lanes of one output row, from output column
  // `outColumn0` (lane 0's), loaded at each tap column through `lanes`, and,
  // with a frame, only where the input column is inside it.
  auto addPart = [&](Value row, Value outColumn0, std::optional<Value> lanes) {
    columns.inputRows.push_back(times(row, geometry.strideH));
    columns.inputColumns.push_back(times(outColumn0, geometry.strideW));
    SmallVector<std::optional<Value>> tapMasks(geometry.kernelW, lanes);
    if (geometry.frame) {
      // Lane l reads input column (outColumn0 + l) * strideW - left +
      // kw * dilationW: inside when below the frame's columns (unsigned).
      SmallVector<int32_t> steps;
      for (int64_t lane = 0; lane < width; ++lane)
        steps.push_back(static_cast<int32_t>(lane * geometry.strideW));
      Value first = arith::IndexCastOp::create(
          b, loc, b.getI32Type(),
          arith::SubIOp::create(b, loc, columns.inputColumns.back(),
                                index(geometry.frame->left)));
      Value laneColumns = arith::AddIOp::create(
          b, loc, vector::BroadcastOp::create(b, loc, laneType, first),
          arith::ConstantOp::create(
              b, loc, DenseElementsAttr::get(laneType, ArrayRef(steps))));
      for (int64_t kw = 0; kw < geometry.kernelW; ++kw) {
        Value inside = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ult,
            arith::AddIOp::create(b, loc, laneColumns,
                                  i32Lanes(kw * geometry.dilationW)),
            i32Lanes(geometry.frame->columns));
        tapMasks[kw] =
            lanes ? arith::AndIOp::create(b, loc, inside, *lanes).getResult()
                  : inside;
      }
    }
    SmallVector<std::array<Value, 2>> tapHalfMasks;
    for (int64_t kw = 0; evenElements && kw < geometry.kernelW; ++kw)
      tapHalfMasks.push_back(kw > 0 && !geometry.frame
                                 ? tapHalfMasks.front()
                                 : halfMasks(tapMasks[kw]));
    columns.masks.push_back(tapMasks);
    columns.halfMasks.push_back(tapHalfMasks);
  };
  // Vectors start at multiples of the width: when the width divides the
  // output rows, a vector lies in one of them.
  if (geometry.outW % width == 0) {
    addPart(outRow, outColumn, mask);
    return columns;
  }
  // Part t: the lanes of output row outRow + t, [t * OW - outColumn,
  // (t + 1) * OW - outColumn), addressed from input column
  // (outColumn - t * OW) * strideW (before the row's start for t > 0: the
  // lanes of earlier rows, masked off). A part past the last output row has
  // only lanes past the last column, off `mask`; its row is clamped so that
  // the address stays in the input.
  int64_t parts = std::min(rowsReached(width, geometry.outW), geometry.outH);
  for (int64_t t = 0; t < parts; ++t) {
    Value inPart =
        rowPartMask(b, loc, width, outColumn, t, geometry.outW, mask);
    Value row = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, outRow, index(t)),
        index(geometry.outH - 1));
    addPart(row,
            arith::SubIOp::create(b, loc, outColumn, index(t * geometry.outW)),
            inPart);
  }
  return columns;
}

std::array<Value, 2> PatchLoader::halfMasks(std::optional<Value> laneMask) {
  // Element e of half h holds lane (h * width + e) / 2 when e is even; the
  // odd elements, between two lanes' columns, are not read (the one after
  // the last lane may lie past the input).
  int64_t width = vectorType.getNumElements();
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value lanes = laneMask ? *laneMask
                         : arith::ConstantOp::create(
                               b, loc, DenseElementsAttr::get(maskType, true))
                               .getResult();
  Value none = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(maskType, false));
  std::array<Value, 2> halves;
  for (int64_t h = 0; h < 2; ++h) {
    SmallVector<int64_t> picks;
    for (int64_t e = 0; e < width; ++e)
      picks.push_back(e % 2 == 0 ? (h * width + e) / 2 : width);
    halves[h] = vector::ShuffleOp::create(b, loc, lanes, none, picks);
  }
  return halves;
}

SmallVector<Value> PatchLoader::loadTapRow(const Columns &columns, Value image,
                                           Value tapRowIndex) {
  Value channel =
      arith::DivUIOp::create(b, loc, tapRowIndex, index(geometry.kernelH));
  Value tapRow =
      arith::RemUIOp::create(b, loc, tapRowIndex, index(geometry.kernelH));
  // With a frame, coordinates are the interior's: the frame's top and left
  // come off, and a row outside it loads nothing.
  int64_t top = geometry.frame ? geometry.frame->top : 0;
  int64_t left = geometry.frame ? geometry.frame->left : 0;
  Value rowOffset = arith::SubIOp::create(
      b, loc, arith::MulIOp::create(b, loc, tapRow, index(geometry.dilationH)),
      index(top));
  int64_t width = vectorType.getNumElements();
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value zeros =
      arith::ConstantOp::create(b, loc, vectorType, b.getZeroAttr(vectorType));
  Value none;
  if (geometry.frame)
    none = arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(maskType, false));
  SmallVector<Value> inputRows, rowsInside;
  for (Value row : columns.inputRows) {
    inputRows.push_back(arith::AddIOp::create(b, loc, row, rowOffset));
    if (geometry.frame)
      rowsInside.push_back(
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                inputRows.back(), index(geometry.frame->rows)));
  }
  // Mask `mask` of a part, none of it when its row is outside the frame.
  auto inRow = [&](size_t part, Value mask) -> Value {
    return geometry.frame
               ? arith::SelectOp::create(b, loc, rowsInside[part], mask, none)
                     .getResult()
               : mask;
  };
  SmallVector<int64_t> evenLanes;
  for (int64_t lane = 0; lane < width; ++lane)
    evenLanes.push_back(2 * lane);
  SmallVector<Value> values;
  for (int64_t kw = 0; kw < geometry.kernelW; ++kw) {
    Value value = zeros;
    for (auto [part, column] : llvm::enumerate(columns.inputColumns)) {
      Value inputColumn = arith::AddIOp::create(
          b, loc, column, index(kw * geometry.dilationW - left));
      SmallVector<Value, 4> at = {image, channel, inputRows[part], inputColumn};
      std::optional<Value> mask = columns.masks[part][kw];
      if (mask)
        mask = inRow(part, *mask);
      if (evenElements) {
        // The even elements of two vectors from the part's first column.
        std::array<Value, 2> halves;
        for (int64_t h = 0; h < 2; ++h) {
          SmallVector<Value, 4> halfAt(at);
          if (h == 1)
            halfAt.back() =
                arith::AddIOp::create(b, loc, inputColumn, index(width));
          halves[h] = vector::MaskedLoadOp::create(
              b, loc, vectorType, input, halfAt,
              inRow(part, columns.halfMasks[part][kw][h]), zeros);
        }
        Value even =
            vector::ShuffleOp::create(b, loc, halves[0], halves[1], evenLanes);
        value = mask ? arith::SelectOp::create(b, loc, *mask, even, value)
                           .getResult()
                     : even;
      } else if (gatherOffsets) {
        Value lanes = mask ? *mask
                           : arith::ConstantOp::create(
                                 b, loc, DenseElementsAttr::get(maskType, true))
                                 .getResult();
        value = vector::GatherOp::create(b, loc, vectorType, input, at,
                                         gatherOffsets, lanes, value);
      } else if (mask) {
        value = vector::MaskedLoadOp::create(b, loc, vectorType, input, at,
                                             *mask, value);
      } else {
        value = vector::LoadOp::create(b, loc, vectorType, input, at);
      }
    }
    values.push_back(value);
  }
  return values;
}
