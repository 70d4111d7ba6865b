//===- KernelLowerings.cpp - what the kernel generators share -------------===//

#include "KernelLowerings.h"

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

void dsk::cpu::buildTaskLoops(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> extents, bool parallel,
                              function_ref<void(ValueRange ivs)> body) {
  OpBuilder::InsertionGuard guard(b);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lower(extents.size(), zero), steps(extents.size(), one);
  SmallVector<Value> upper = llvm::map_to_vector(extents, [&](int64_t e) {
    return arith::ConstantIndexOp::create(b, loc, e).getResult();
  });
  auto build = [&](OpBuilder &nb, Location, ValueRange ivs) {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
    body(ivs);
  };
  if (parallel)
    scf::ParallelOp::create(b, loc, lower, upper, steps, build);
  else
    scf::buildLoopNest(b, loc, lower, upper, steps, build);
}

void dsk::cpu::buildFor(OpBuilder &b, Location loc, Value lower, Value upper,
                        Value step, function_ref<void(Value iv)> body) {
  scf::ForOp::create(b, loc, lower, upper, step, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                       OpBuilder::InsertionGuard guard(b);
                       b.setInsertionPoint(nb.getInsertionBlock(),
                                           nb.getInsertionPoint());
                       body(iv);
                       scf::YieldOp::create(nb, nl);
                     });
}

Value dsk::cpu::firstLanesMask(OpBuilder &b, Location loc, int64_t width,
                               int64_t valid) {
  return vector::ConstantMaskOp::create(b, loc,
                                        VectorType::get({width}, b.getI1Type()),
                                        ArrayRef<int64_t>{valid});
}

bool dsk::cpu::usesFusedMultiplyAdd(KernelAttr kernel) {
  return !kernels::isGeneric(kernel.getName());
}
