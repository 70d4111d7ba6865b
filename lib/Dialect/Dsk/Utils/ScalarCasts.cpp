//===- ScalarCasts.cpp - scalar constants and conversions ----------------===//

#include "dsk/Dialect/Dsk/Utils/ScalarCasts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace dsk {

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value castScalar(OpBuilder &b, Location loc, Value value, Type dstType,
                 bool srcUnsigned, bool dstUnsigned) {
  Type srcType = value.getType();
  if (srcType == dstType)
    return value;
  auto srcFloat = dyn_cast<FloatType>(srcType);
  auto dstFloat = dyn_cast<FloatType>(dstType);
  if (srcFloat && dstFloat) {
    if (srcFloat.getWidth() < dstFloat.getWidth())
      return arith::ExtFOp::create(b, loc, dstType, value);
    return arith::TruncFOp::create(b, loc, dstType, value);
  }
  if (!srcFloat && dstFloat) {
    if (srcUnsigned || srcType.isInteger(1))
      return arith::UIToFPOp::create(b, loc, dstType, value);
    return arith::SIToFPOp::create(b, loc, dstType, value);
  }
  if (srcFloat && !dstFloat) {
    if (dstType.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalarConstant(b, loc, srcType, 0.0));
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, dstType, value);
    return arith::FPToSIOp::create(b, loc, dstType, value);
  }
  if (dstType.isInteger(1))
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, srcType, 0));
  unsigned srcWidth = srcType.getIntOrFloatBitWidth();
  unsigned dstWidth = dstType.getIntOrFloatBitWidth();
  if (srcWidth > dstWidth)
    return arith::TruncIOp::create(b, loc, dstType, value);
  if (srcUnsigned || srcType.isInteger(1))
    return arith::ExtUIOp::create(b, loc, dstType, value);
  return arith::ExtSIOp::create(b, loc, dstType, value);
}

} // namespace dsk
