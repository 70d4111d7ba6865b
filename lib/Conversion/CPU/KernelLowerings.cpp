//===- KernelLowerings.cpp - what the kernel generators share -------------===//

#include "KernelLowerings.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

bool dsk::cpu::isStaticF32Memref(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getRank() == rank && type.hasStaticShape() &&
         type.getElementType().isF32();
}

bool dsk::cpu::isInnerContiguous(Value value) {
  int64_t offset;
  SmallVector<int64_t> strides;
  return succeeded(cast<MemRefType>(value.getType())
                       .getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

Value dsk::cpu::loadVector(OpBuilder &b, Location loc, VectorType type,
                           Value memref, ValueRange at,
                           std::optional<Value> mask) {
  if (!mask)
    return vector::LoadOp::create(b, loc, type, memref, at);
  Value zeros = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  return vector::MaskedLoadOp::create(b, loc, type, memref, at, *mask, zeros);
}

void dsk::cpu::storeVector(OpBuilder &b, Location loc, Value value,
                           Value memref, ValueRange at,
                           std::optional<Value> mask) {
  if (mask)
    vector::MaskedStoreOp::create(b, loc, memref, at, *mask, value);
  else
    vector::StoreOp::create(b, loc, value, memref, at);
}

Value dsk::cpu::multiplyAdd(OpBuilder &b, Location loc, Value x, Value y,
                            Value acc, bool fused) {
  if (fused)
    return vector::FMAOp::create(b, loc, x, y, acc);
  return arith::AddFOp::create(b, loc, acc,
                               arith::MulFOp::create(b, loc, x, y));
}
