//===- LowerKernels.cpp - the selected CPU kernels' code on buffers -------===//
//
// Generates the code of the CPU kernels that dsk-select-kernels chose, after
// bufferization: explicit loops and vector-dialect microkernels whose
// register blocking comes from the kernel's tiles.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPULOWERKERNELS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;

namespace {

/// The operands and sizes of a packed f32 GEMM (dsk-cpu-pack-weights):
/// C[M][N] += A[M][K] * Bp[n / NR][K][n % NR].
struct PackedGemm {
  Value a, panels, c;
  int64_t m, n, k;
  int64_t mr, nr, kc, width;
  /// Fused multiply-adds; the generic kernel multiplies and adds instead,
  /// since a CPU without FMA would call fmaf per element (LLVM still fuses
  /// them where the target has FMA).
  bool fused;
};

/// Whether `op` is the packed GEMM that `kernel` describes, with buffers the
/// microkernel can address: the panels and C contiguous in their last
/// dimension. Anything else keeps its generic lowering.
std::optional<PackedGemm> matchPackedGemm(linalg::GenericOp op,
                                          KernelAttr kernel) {
  ArrayRef<int64_t> tiles = kernel.getTiles();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || tiles.size() != 4)
    return std::nullopt;
  PackedGemm gemm{op.getDpsInputs()[0],
                  op.getDpsInputs()[1],
                  op.getDpsInits()[0],
                  0,
                  0,
                  0,
                  tiles[0],
                  tiles[1],
                  tiles[2],
                  tiles[3],
                  kernel.getName() != kernels::kGemmF32Generic};
  auto aType = dyn_cast<MemRefType>(gemm.a.getType());
  auto pType = dyn_cast<MemRefType>(gemm.panels.getType());
  auto cType = dyn_cast<MemRefType>(gemm.c.getType());
  if (!aType || !pType || !cType || aType.getRank() != 2 ||
      pType.getRank() != 3 || cType.getRank() != 2 || !aType.hasStaticShape() ||
      !pType.hasStaticShape() || !cType.hasStaticShape() ||
      !aType.getElementType().isF32() || !pType.getElementType().isF32() ||
      !cType.getElementType().isF32())
    return std::nullopt;
  gemm.m = cType.getDimSize(0);
  gemm.n = cType.getDimSize(1);
  gemm.k = aType.getDimSize(1);
  if (gemm.nr % gemm.width != 0 || pType.getDimSize(2) != gemm.nr ||
      pType.getDimSize(1) != gemm.k ||
      pType.getDimSize(0) != llvm::divideCeilSigned(gemm.n, gemm.nr))
    return std::nullopt;
  auto innerContiguous = [](MemRefType type) {
    int64_t offset;
    SmallVector<int64_t> strides;
    return succeeded(type.getStridesAndOffset(strides, offset)) &&
           strides.back() == 1;
  };
  if (!innerContiguous(pType) || !innerContiguous(cType))
    return std::nullopt;
  // The indexing of dsk-cpu-pack-weights, exactly.
  MLIRContext *ctx = op.getContext();
  AffineExpr dm, dn, dk;
  bindDims(ctx, dm, dn, dk);
  SmallVector<AffineMap> expected = {
      AffineMap::get(3, 0, {dm, dk}, ctx),
      AffineMap::get(3, 0, {dn.floorDiv(gemm.nr), dk, dn % gemm.nr}, ctx),
      AffineMap::get(3, 0, {dm, dn}, ctx)};
  if (op.getIndexingMapsArray() != ArrayRef(expected))
    return std::nullopt;
  return gemm;
}

/// How a packed GEMM is split into tasks: blocks of rows times groups of
/// panels, each task an independent part of C.
struct GemmBlocking {
  int64_t rowsPerBlock, rowBlocks;
  int64_t panelsPerGroup, panelGroups;
};

/// Splits M into at most `maxRows`-row blocks (a multiple of MR) and the
/// panels into groups of at most `maxColumns` columns, both as even as the
/// tiles allow, so that threads get equal shares.
GemmBlocking blockGemm(const PackedGemm &gemm, int64_t maxRows,
                       int64_t maxColumns) {
  auto split = [](int64_t extent, int64_t unit, int64_t maxExtent) {
    int64_t units = llvm::divideCeilSigned(extent, unit);
    int64_t maxUnits = std::max<int64_t>(1, maxExtent / unit);
    int64_t parts = llvm::divideCeilSigned(units, maxUnits);
    int64_t perPart = llvm::divideCeilSigned(units, parts);
    return std::make_pair(perPart, llvm::divideCeilSigned(units, perPart));
  };
  GemmBlocking blocking;
  auto [mrPerBlock, rowBlocks] = split(gemm.m, gemm.mr, maxRows);
  blocking.rowsPerBlock = mrPerBlock * gemm.mr;
  blocking.rowBlocks = rowBlocks;
  std::tie(blocking.panelsPerGroup, blocking.panelGroups) =
      split(gemm.n, gemm.nr, maxColumns);
  return blocking;
}

/// Emits the code of one packed GEMM in place of its generic.
///
/// The loop order keeps each operand in the cache level that reuses it:
/// tasks (row block x panel group) → K blocks of KC → MR-row slivers → panels.
/// A task's KC x (group columns) slab of packed weights stays in L2 while
/// the row slivers pass over it, and an MR x KC sliver of A stays in L1
/// while the panels of the group pass under it.
class GemmEmitter {
public:
  GemmEmitter(OpBuilder &b, Location loc, const PackedGemm &gemm,
              const GemmBlocking &blocking)
      : b(b), loc(loc), gemm(gemm), blocking(blocking),
        vectorType(VectorType::get({gemm.width}, b.getF32Type())) {}

  /// The tasks: one scf.parallel over (row block, panel group) when asked,
  /// else a sequential nest.
  void emit(bool parallel) {
    Value zero = index(0), one = index(1);
    SmallVector<Value, 2> upper = {index(blocking.rowBlocks),
                                   index(blocking.panelGroups)};
    if (parallel) {
      scf::ParallelOp::create(
          b, loc, ValueRange{zero, zero}, upper, ValueRange{one, one},
          [&](OpBuilder &nb, Location, ValueRange ivs) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            emitTask(ivs[0], ivs[1]);
          });
      return;
    }
    scf::buildLoopNest(
        b, loc, ValueRange{zero, zero}, upper, ValueRange{one, one},
        [&](OpBuilder &nb, Location, ValueRange ivs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          emitTask(ivs[0], ivs[1]);
        });
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  Value min(Value lhs, Value rhs) {
    return arith::MinSIOp::create(b, loc, lhs, rhs);
  }

  /// Builds `body` under `scf.if (condition)`.
  void emitIf(Value condition, llvm::function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }

  /// One task: rows [row0, row1) of C times the panels of one group. Only
  /// the last row block holds the M % MR tail rows and only the last group
  /// the partial panel, each emitted under a condition that canonicalization
  /// folds when there is a single block or group.
  void emitTask(Value rowBlock, Value panelGroup) {
    Value m = index(gemm.m);
    Value row0 =
        arith::MulIOp::create(b, loc, rowBlock, index(blocking.rowsPerBlock));
    Value row1 = min(
        arith::AddIOp::create(b, loc, row0, index(blocking.rowsPerBlock)), m);
    int64_t fullRows = gemm.m - gemm.m % gemm.mr;
    Value fullRowsEnd = min(row1, index(fullRows));
    Value panel0 = arith::MulIOp::create(b, loc, panelGroup,
                                         index(blocking.panelsPerGroup));
    int64_t fullPanels = gemm.n / gemm.nr;
    Value panel1 = min(
        arith::AddIOp::create(b, loc, panel0, index(blocking.panelsPerGroup)),
        index(fullPanels));
    Value isLastGroup =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, panelGroup,
                              index(blocking.panelGroups - 1));
    Value holdsRowTail =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, row1, m);

    // The panels of the group for the rows [row, row + rows).
    auto emitPanels = [&](Value row, int64_t rows, Value k0, Value k1) {
      scf::ForOp::create(
          b, loc, panel0, panel1, index(1), ValueRange{},
          [&](OpBuilder &pb, Location pl, Value panel, ValueRange) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(pb.getInsertionBlock(), pb.getInsertionPoint());
            emitMicrokernel(row, rows, panel, gemm.nr, k0, k1);
            scf::YieldOp::create(pb, pl);
          });
      if (int64_t tail = gemm.n % gemm.nr)
        emitIf(isLastGroup, [&] {
          emitMicrokernel(row, rows, index(fullPanels), tail, k0, k1);
        });
    };

    auto kBlock = [&](OpBuilder &kb, Location, Value k0, ValueRange) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(kb.getInsertionBlock(), kb.getInsertionPoint());
      Value k1 =
          min(arith::AddIOp::create(b, loc, k0, index(gemm.kc)), index(gemm.k));
      scf::ForOp::create(
          b, loc, row0, fullRowsEnd, index(gemm.mr), ValueRange{},
          [&](OpBuilder &rb, Location rl, Value row, ValueRange) {
            OpBuilder::InsertionGuard inner(b);
            b.setInsertionPoint(rb.getInsertionBlock(), rb.getInsertionPoint());
            emitPanels(row, gemm.mr, k0, k1);
            scf::YieldOp::create(rb, rl);
          });
      if (int64_t rest = gemm.m % gemm.mr)
        emitIf(holdsRowTail,
               [&] { emitPanels(index(fullRows), rest, k0, k1); });
      scf::YieldOp::create(kb, loc);
    };
    scf::ForOp::create(b, loc, index(0), index(gemm.k), index(gemm.kc),
                       ValueRange{}, kBlock);
  }

  /// C[row0 : row0 + rows, column0 : column0 + columns] += A * Bp over
  /// k in [k0, k1): rows x NR/width vector accumulators in registers.
  void emitMicrokernel(Value row0, int64_t rows, Value panel, int64_t columns,
                       Value k0, Value k1) {
    Value column0 = arith::MulIOp::create(b, loc, panel, index(gemm.nr));
    // Vectors of the panel that hold valid columns, and the mask of the last
    // when the panel is partial.
    int64_t vectors = llvm::divideCeilSigned(columns, gemm.width);
    std::optional<Value> lastMask;
    if (columns % gemm.width)
      lastMask = vector::ConstantMaskOp::create(
          b, loc, VectorType::get({gemm.width}, b.getI1Type()),
          ArrayRef<int64_t>{columns % gemm.width});
    SmallVector<Value> rowIndex, columnIndex;
    for (int64_t r = 0; r < rows; ++r)
      rowIndex.push_back(arith::AddIOp::create(b, loc, row0, index(r)));
    for (int64_t v = 0; v < vectors; ++v)
      columnIndex.push_back(
          arith::AddIOp::create(b, loc, column0, index(v * gemm.width)));
    auto isMasked = [&](int64_t v) { return lastMask && v == vectors - 1; };

    SmallVector<Value> accumulators;
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        SmallVector<Value, 2> at = {rowIndex[r], columnIndex[v]};
        accumulators.push_back(
            isMasked(v) ? vector::MaskedLoadOp::create(
                              b, loc, vectorType, gemm.c, at, *lastMask, zeros)
                              .getResult()
                        : vector::LoadOp::create(b, loc, vectorType, gemm.c, at)
                              .getResult());
      }

    auto step = [&](OpBuilder &nb, Location nl, Value k, ValueRange acc) {
      SmallVector<Value> panelRow;
      for (int64_t v = 0; v < vectors; ++v)
        panelRow.push_back(
            vector::LoadOp::create(nb, nl, vectorType, gemm.panels,
                                   ValueRange{panel, k,
                                              arith::ConstantIndexOp::create(
                                                  nb, nl, v * gemm.width)}));
      SmallVector<Value> next;
      for (int64_t r = 0; r < rows; ++r) {
        Value element =
            memref::LoadOp::create(nb, nl, gemm.a, ValueRange{rowIndex[r], k});
        Value broadcast =
            vector::BroadcastOp::create(nb, nl, vectorType, element);
        for (int64_t v = 0; v < vectors; ++v) {
          Value sum = acc[r * vectors + v];
          if (gemm.fused) {
            next.push_back(
                vector::FMAOp::create(nb, nl, broadcast, panelRow[v], sum));
            continue;
          }
          Value product = arith::MulFOp::create(nb, nl, broadcast, panelRow[v]);
          next.push_back(arith::AddFOp::create(nb, nl, sum, product));
        }
      }
      scf::YieldOp::create(nb, nl, next);
    };
    auto loop =
        scf::ForOp::create(b, loc, k0, k1, index(1), accumulators, step);

    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        Value acc = loop.getResult(r * vectors + v);
        SmallVector<Value, 2> at = {rowIndex[r], columnIndex[v]};
        if (isMasked(v))
          vector::MaskedStoreOp::create(b, loc, gemm.c, at, *lastMask, acc);
        else
          vector::StoreOp::create(b, loc, acc, gemm.c, at);
      }
  }

  OpBuilder &b;
  Location loc;
  const PackedGemm &gemm;
  const GemmBlocking &blocking;
  VectorType vectorType;
};

struct LowerKernelsPass
    : public dsk::impl::DskCpuLowerKernelsBase<LowerKernelsPass> {
  using DskCpuLowerKernelsBase::DskCpuLowerKernelsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, PackedGemm>> gemms;
    getOperation().walk([&](linalg::GenericOp op) {
      auto kernel = op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName);
      if (!kernel || !kernels::isGemmF32(kernel.getName()))
        return;
      if (std::optional<PackedGemm> gemm = matchPackedGemm(op, kernel))
        gemms.push_back({op, *gemm});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, gemm] : gemms) {
      rewriter.setInsertionPoint(op);
      GemmBlocking blocking = blockGemm(gemm, rowBlock, columnGroup);
      bool isParallel = parallel &&
                        gemm.m * gemm.n * gemm.k >= minParallelFlops &&
                        blocking.rowBlocks * blocking.panelGroups > 1;
      GemmEmitter(rewriter, op.getLoc(), gemm, blocking).emit(isParallel);
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
