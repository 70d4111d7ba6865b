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

bool dsk::cpu::isUnitInnerStride(MemRefType type) {
  int64_t offset;
  SmallVector<int64_t> strides;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         !strides.empty() && strides.back() == 1;
}

bool dsk::cpu::isInnerContiguous(Value value) {
  return isUnitInnerStride(cast<MemRefType>(value.getType()));
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

Value dsk::cpu::rowPartMask(OpBuilder &b, Location loc, int64_t lanes,
                            Value column0, int64_t part, int64_t rowLength,
                            std::optional<Value> mask) {
  auto laneType = VectorType::get({lanes}, b.getIndexType());
  // Compared signed: the first lane of a later row's part is negative.
  Value first = arith::SubIOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, part * rowLength),
      column0);
  Value last = arith::AddIOp::create(
      b, loc, first, arith::ConstantIndexOp::create(b, loc, rowLength));
  Value lane = vector::StepOp::create(b, loc, laneType);
  auto splat = [&](Value value) {
    return vector::BroadcastOp::create(b, loc, laneType, value);
  };
  Value inRow = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lane,
                            splat(first)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lane,
                            splat(last)));
  if (mask)
    inRow = arith::AndIOp::create(b, loc, inRow, *mask);
  return inRow;
}

Value dsk::cpu::firstLanesMask(OpBuilder &b, Location loc, int64_t width,
                               int64_t valid) {
  return vector::ConstantMaskOp::create(b, loc,
                                        VectorType::get({width}, b.getI1Type()),
                                        ArrayRef<int64_t>{valid});
}

SmallVector<Value> dsk::cpu::buildBlockInitial(
    OpBuilder &b, Location loc, bool hasPrologue, bool singleBlock, Value k0,
    TypeRange types,
    function_ref<SmallVector<Value>(bool fromPrologue)> initial) {
  if (!hasPrologue || singleBlock)
    return initial(hasPrologue);
  Value isFirst =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, k0,
                            arith::ConstantIndexOp::create(b, loc, 0));
  auto ifOp = scf::IfOp::create(b, loc, types, isFirst,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, initial(true));
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, initial(false));
  return SmallVector<Value>(ifOp.getResults());
}

void dsk::cpu::buildBlockStore(OpBuilder &b, Location loc, bool hasEpilogue,
                               bool singleBlock, Value k1, int64_t k,
                               function_ref<void(bool withEpilogue)> store) {
  if (!hasEpilogue || singleBlock)
    return store(hasEpilogue);
  Value isLast =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, k1,
                            arith::ConstantIndexOp::create(b, loc, k));
  auto ifOp = scf::IfOp::create(b, loc, isLast, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  store(true);
  b.setInsertionPointToStart(ifOp.elseBlock());
  store(false);
}

bool dsk::cpu::usesFusedMultiplyAdd(KernelAttr kernel) {
  return !kernels::isGeneric(kernel.getName());
}

dsk::cpu::GemmBlocking dsk::cpu::blockTasks(const TaskShape &shape,
                                            int64_t maxRows, int64_t maxColumns,
                                            int64_t minTasks) {
  int64_t rowUnits = llvm::divideCeilSigned(shape.rows, shape.rowTile);
  int64_t panelUnits = llvm::divideCeilSigned(shape.columns, shape.columnTile);
  // Parts of `units` in shares of at most `maxShare`: (share, parts).
  auto split = [](int64_t units, int64_t maxShare) {
    int64_t parts = llvm::divideCeilSigned(units, maxShare);
    int64_t share = llvm::divideCeilSigned(units, parts);
    return std::make_pair(share, llvm::divideCeilSigned(units, share));
  };
  int64_t maxRowShare = std::max<int64_t>(1, maxRows / shape.rowTile);
  int64_t maxPanelShare = std::max<int64_t>(1, maxColumns / shape.columnTile);
  while (true) {
    auto [rowShare, rowParts] = split(rowUnits, maxRowShare);
    auto [panelShare, panelParts] = split(panelUnits, maxPanelShare);
    GemmBlocking blocking{rowShare * shape.rowTile, rowParts, panelShare,
                          panelParts};
    if (shape.batch * rowParts * panelParts >= minTasks ||
        (rowShare == 1 && panelShare == 1))
      return blocking;
    bool splitColumns =
        panelShare > 1 &&
        (shape.columnSplitCost <= shape.rowSplitCost || rowShare == 1);
    if (splitColumns)
      maxPanelShare = llvm::divideCeilSigned(panelShare, 2);
    else
      maxRowShare = llvm::divideCeilSigned(rowShare, 2);
  }
}

dsk::cpu::TaskTiles::TaskTiles(OpBuilder &b, Location loc,
                               const GemmBlocking &blocking, int64_t rows,
                               int64_t columns, int64_t rowTile,
                               int64_t columnTile, Value rowBlock,
                               Value panelGroup)
    : b(b), loc(loc), rows(rows), columns(columns), rowTile(rowTile),
      columnTile(columnTile) {
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  auto min = [&](Value lhs, Value rhs) {
    return arith::MinSIOp::create(b, loc, lhs, rhs).getResult();
  };
  Value end = index(rows);
  firstRow =
      arith::MulIOp::create(b, loc, rowBlock, index(blocking.rowsPerBlock));
  Value lastRow =
      min(arith::AddIOp::create(b, loc, firstRow, index(blocking.rowsPerBlock)),
          end);
  fullRowsEnd = min(lastRow, index(rows - rows % rowTile));
  holdsRowTail =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lastRow, end);
  firstPanel =
      arith::MulIOp::create(b, loc, panelGroup, index(blocking.panelsPerGroup));
  fullPanelsEnd = min(
      arith::AddIOp::create(b, loc, firstPanel, index(blocking.panelsPerGroup)),
      index(columns / columnTile));
  isLastGroup =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, panelGroup,
                            index(blocking.panelGroups - 1));
}

/// Builds `body` under `scf.if (condition)`.
static void buildIf(OpBuilder &b, Location loc, Value condition,
                    function_ref<void()> body) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

void dsk::cpu::TaskTiles::forEachSliver(
    function_ref<void(Value row, int64_t rows)> body) const {
  buildFor(b, loc, firstRow, fullRowsEnd,
           arith::ConstantIndexOp::create(b, loc, rowTile),
           [&](Value row) { body(row, rowTile); });
  if (int64_t rest = rows % rowTile)
    buildIf(b, loc, holdsRowTail, [&] {
      body(arith::ConstantIndexOp::create(b, loc, rows - rest), rest);
    });
}

void dsk::cpu::TaskTiles::forEachPanel(
    function_ref<void(Value panel, int64_t columns)> body) const {
  buildFor(b, loc, firstPanel, fullPanelsEnd,
           arith::ConstantIndexOp::create(b, loc, 1),
           [&](Value panel) { body(panel, columnTile); });
  if (int64_t tail = columns % columnTile)
    buildIf(b, loc, isLastGroup, [&] {
      body(arith::ConstantIndexOp::create(b, loc, columns / columnTile), tail);
    });
}

void dsk::cpu::buildProductTasks(
    OpBuilder &b, Location loc, int64_t batch, const GemmBlocking &blocking,
    bool parallel,
    function_ref<void(Value image, Value rowBlock, Value panelGroup)> body) {
  SmallVector<int64_t, 3> extents;
  if (batch > 1)
    extents.push_back(batch);
  extents.append({blocking.rowBlocks, blocking.panelGroups});
  buildTaskLoops(b, loc, extents, parallel, [&](ValueRange ivs) {
    Value image =
        batch > 1 ? ivs.front() : arith::ConstantIndexOp::create(b, loc, 0);
    body(image, ivs[ivs.size() - 2], ivs.back());
  });
}
