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

/// Emits the code of one packed GEMM in place of its generic.
class GemmEmitter {
public:
  GemmEmitter(OpBuilder &b, Location loc, const PackedGemm &gemm)
      : b(b), loc(loc), gemm(gemm),
        vectorType(VectorType::get({gemm.width}, b.getF32Type())) {}

  /// A loop over the full panels (scf.parallel when asked), then the last,
  /// partial panel when N is not a multiple of NR.
  void emit(bool parallel) {
    int64_t fullPanels = gemm.n / gemm.nr;
    if (fullPanels > 0) {
      Value lb = index(0), ub = index(fullPanels), step = index(1);
      auto body = [&](OpBuilder &nb, Location, Value panel) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        emitPanel(panel, gemm.nr);
      };
      if (parallel) {
        scf::ParallelOp::create(b, loc, lb, ub, step,
                                [&](OpBuilder &nb, Location nl,
                                    ValueRange ivs) { body(nb, nl, ivs[0]); });
      } else {
        scf::ForOp::create(
            b, loc, lb, ub, step, ValueRange{},
            [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
              body(nb, nl, iv);
              scf::YieldOp::create(nb, nl);
            });
      }
    }
    if (int64_t tail = gemm.n % gemm.nr)
      emitPanel(index(fullPanels), tail);
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// One panel of `columns` valid columns: K in blocks of KC, rows in blocks
  /// of MR and a last block of the remaining rows.
  void emitPanel(Value panel, int64_t columns) {
    Value column0 = arith::MulIOp::create(b, loc, panel, index(gemm.nr));
    int64_t fullRows = gemm.m - gemm.m % gemm.mr;
    auto kBlock = [&](OpBuilder &nb, Location, Value k0, ValueRange) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
      Value k1 = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, k0, index(gemm.kc)),
          index(gemm.k));
      if (fullRows > 0)
        scf::ForOp::create(
            b, loc, index(0), index(fullRows), index(gemm.mr), ValueRange{},
            [&](OpBuilder &rb, Location rl, Value row0, ValueRange) {
              OpBuilder::InsertionGuard inner(b);
              b.setInsertionPoint(rb.getInsertionBlock(),
                                  rb.getInsertionPoint());
              emitMicrokernel(row0, gemm.mr, panel, column0, columns, k0, k1);
              scf::YieldOp::create(rb, rl);
            });
      if (int64_t rest = gemm.m % gemm.mr)
        emitMicrokernel(index(fullRows), rest, panel, column0, columns, k0, k1);
      scf::YieldOp::create(nb, loc);
    };
    scf::ForOp::create(b, loc, index(0), index(gemm.k), index(gemm.kc),
                       ValueRange{}, kBlock);
  }

  /// C[row0 : row0 + rows, column0 : column0 + columns] += A * Bp over
  /// k in [k0, k1): rows x NR/width vector accumulators in registers.
  void emitMicrokernel(Value row0, int64_t rows, Value panel, Value column0,
                       int64_t columns, Value k0, Value k1) {
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
      bool isParallel = parallel &&
                        gemm.m * gemm.n * gemm.k >= minParallelFlops &&
                        gemm.n / gemm.nr > 1;
      GemmEmitter(rewriter, op.getLoc(), gemm).emit(isParallel);
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
