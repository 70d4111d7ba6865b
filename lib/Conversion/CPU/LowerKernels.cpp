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

/// Which operand of a GEMM the compiler packed at compile time.
enum class PackedOperand {
  /// dsk-cpu-pack-weights' matmul form: C[M][N] += A[M][K] *
  /// Bp[n / NR][K][n % NR], panels of the constant right-hand side.
  Rhs,
  /// Its convolution form: C[batch][M][N] += Ap[m / MR][K][m % MR] *
  /// B[batch][K][N], slivers of the constant filter times the patches.
  Lhs,
};

/// The operands and sizes of a packed f32 GEMM.
struct PackedGemm {
  PackedOperand packed;
  /// Rhs: A, panels, C. Lhs: slivers, B, C.
  Value a, b, c;
  int64_t batch, m, n, k;
  int64_t mr, nr, kc, width;
  /// Fused multiply-adds; the generic kernel multiplies and adds instead,
  /// since a CPU without FMA would call fmaf per element (LLVM still fuses
  /// them where the target has FMA).
  bool fused;
};

bool isStaticF32Memref(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getRank() == rank && type.hasStaticShape() &&
         type.getElementType().isF32();
}

/// Whether the buffer is contiguous in its last dimension, so vectors load
/// and store along it.
bool isInnerContiguous(Value value) {
  int64_t offset;
  SmallVector<int64_t> strides;
  return succeeded(cast<MemRefType>(value.getType())
                       .getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// Whether `op` is a packed GEMM that `kernel` describes (one of the two
/// forms of dsk-cpu-pack-weights, exactly), with buffers the microkernel can
/// address. Anything else keeps its generic lowering.
std::optional<PackedGemm> matchPackedGemm(linalg::GenericOp op,
                                          KernelAttr kernel) {
  ArrayRef<int64_t> tiles = kernel.getTiles();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || tiles.size() != 4 || tiles[1] % tiles[3] != 0)
    return std::nullopt;
  PackedGemm gemm;
  gemm.a = op.getDpsInputs()[0];
  gemm.b = op.getDpsInputs()[1];
  gemm.c = op.getDpsInits()[0];
  gemm.mr = tiles[0];
  gemm.nr = tiles[1];
  gemm.kc = tiles[2];
  gemm.width = tiles[3];
  gemm.fused = kernel.getName() != kernels::kGemmF32Generic &&
               kernel.getName() != kernels::kConv2dF32Generic;
  MLIRContext *ctx = op.getContext();
  auto shape = [](Value value) {
    return cast<MemRefType>(value.getType()).getShape();
  };

  if (op.getNumLoops() == 3) {
    gemm.packed = PackedOperand::Rhs;
    if (!isStaticF32Memref(gemm.a, 2) || !isStaticF32Memref(gemm.b, 3) ||
        !isStaticF32Memref(gemm.c, 2))
      return std::nullopt;
    gemm.batch = 1;
    gemm.m = shape(gemm.c)[0];
    gemm.n = shape(gemm.c)[1];
    gemm.k = shape(gemm.a)[1];
    if (shape(gemm.b) !=
            ArrayRef<int64_t>{llvm::divideCeilSigned(gemm.n, gemm.nr), gemm.k,
                              gemm.nr} ||
        !isInnerContiguous(gemm.b) || !isInnerContiguous(gemm.c))
      return std::nullopt;
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

  gemm.packed = PackedOperand::Lhs;
  if (op.getNumLoops() != 4 || !isStaticF32Memref(gemm.a, 3) ||
      !isStaticF32Memref(gemm.b, 3) || !isStaticF32Memref(gemm.c, 3))
    return std::nullopt;
  gemm.batch = shape(gemm.c)[0];
  gemm.m = shape(gemm.c)[1];
  gemm.n = shape(gemm.c)[2];
  gemm.k = shape(gemm.b)[1];
  if (shape(gemm.a) !=
          ArrayRef<int64_t>{llvm::divideCeilSigned(gemm.m, gemm.mr), gemm.k,
                            gemm.mr} ||
      !isInnerContiguous(gemm.b) || !isInnerContiguous(gemm.c))
    return std::nullopt;
  AffineExpr dn, dm, dp, dk;
  bindDims(ctx, dn, dm, dp, dk);
  SmallVector<AffineMap> expected = {
      AffineMap::get(4, 0, {dm.floorDiv(gemm.mr), dk, dm % gemm.mr}, ctx),
      AffineMap::get(4, 0, {dn, dk, dp}, ctx),
      AffineMap::get(4, 0, {dn, dm, dp}, ctx)};
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
/// tiles allow, so that threads get equal shares. When that gives fewer than
/// `minTasks` tasks, the panel groups are halved, then the row blocks, until
/// there are enough or a task is one MR x NR tile: a product whose whole
/// output fits one block (a late convolution layer, a small matmul) still
/// spreads over the threads. Columns go first because tasks that share
/// columns each read (matmul: the packed weights, often the bulk of the
/// memory traffic) or pack (convolution: the patches) the same panels.
GemmBlocking blockGemm(const PackedGemm &gemm, int64_t maxRows,
                       int64_t maxColumns, int64_t minTasks) {
  int64_t rowUnits = llvm::divideCeilSigned(gemm.m, gemm.mr);
  int64_t panelUnits = llvm::divideCeilSigned(gemm.n, gemm.nr);
  // Parts of `units` in shares of at most `maxShare`: (share, parts).
  auto split = [](int64_t units, int64_t maxShare) {
    int64_t parts = llvm::divideCeilSigned(units, maxShare);
    int64_t share = llvm::divideCeilSigned(units, parts);
    return std::make_pair(share, llvm::divideCeilSigned(units, share));
  };
  int64_t maxRowShare = std::max<int64_t>(1, maxRows / gemm.mr);
  int64_t maxPanelShare = std::max<int64_t>(1, maxColumns / gemm.nr);
  while (true) {
    auto [rowShare, rowParts] = split(rowUnits, maxRowShare);
    auto [panelShare, panelParts] = split(panelUnits, maxPanelShare);
    GemmBlocking blocking{rowShare * gemm.mr, rowParts, panelShare, panelParts};
    if (gemm.batch * rowParts * panelParts >= minTasks ||
        (rowShare == 1 && panelShare == 1))
      return blocking;
    if (panelShare > 1)
      maxPanelShare = llvm::divideCeilSigned(panelShare, 2);
    else
      maxRowShare = llvm::divideCeilSigned(rowShare, 2);
  }
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

  /// The tasks: one scf.parallel over (image, row block, panel group) when
  /// asked, else a sequential nest; the image dimension only when there is
  /// more than one (the convolution form's batch).
  void emit(bool parallel) {
    Value zero = index(0), one = index(1);
    SmallVector<Value, 3> upper;
    if (gemm.batch > 1)
      upper.push_back(index(gemm.batch));
    upper.push_back(index(blocking.rowBlocks));
    upper.push_back(index(blocking.panelGroups));
    SmallVector<Value, 3> lower(upper.size(), zero), steps(upper.size(), one);
    auto body = [&](OpBuilder &nb, Location, ValueRange ivs) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
      image = gemm.batch > 1 ? ivs.front() : zero;
      Value rowBlock = ivs[ivs.size() - 2], panelGroup = ivs.back();
      if (blocks) {
        // This task's own block buffer.
        Value task = arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(
                b, loc,
                arith::AddIOp::create(
                    b, loc,
                    arith::MulIOp::create(b, loc, image,
                                          index(blocking.rowBlocks)),
                    rowBlock),
                index(blocking.panelGroups)),
            panelGroup);
        SmallVector<OpFoldResult> offsets = {task, b.getIndexAttr(0),
                                             b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                           b.getIndexAttr(gemm.kc),
                                           b.getIndexAttr(gemm.nr)};
        SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
        auto blockType = memref::SubViewOp::inferRankReducedResultType(
            {gemm.kc, gemm.nr}, cast<MemRefType>(blocks.getType()), offsets,
            sizes, strides);
        blockBuffer = memref::SubViewOp::create(b, loc, blockType, blocks,
                                                offsets, sizes, strides);
      }
      emitTask(rowBlock, panelGroup);
    };
    // The convolution form packs blocks of B on the fly, each task into a
    // buffer of its own (threads never share one), allocated once for the
    // product.
    if (gemm.packed == PackedOperand::Lhs) {
      int64_t tasks = gemm.batch * blocking.rowBlocks * blocking.panelGroups;
      blocks = memref::AllocOp::create(
          b, loc, MemRefType::get({tasks, gemm.kc, gemm.nr}, b.getF32Type()),
          b.getI64IntegerAttr(64));
    }
    if (parallel)
      scf::ParallelOp::create(b, loc, lower, upper, steps, body);
    else
      scf::buildLoopNest(b, loc, lower, upper, steps, body);
    if (blocks)
      memref::DeallocOp::create(b, loc, blocks);
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

    // Calls `body` for each MR-row sliver of the task (rows, then the tail
    // sliver under its condition) and for each panel of the group.
    using SliverBody = llvm::function_ref<void(Value row, int64_t rows)>;
    using PanelBody = llvm::function_ref<void(Value panel, int64_t columns)>;
    auto forEachSliver = [&](SliverBody body) {
      scf::ForOp::create(
          b, loc, row0, fullRowsEnd, index(gemm.mr), ValueRange{},
          [&](OpBuilder &rb, Location rl, Value row, ValueRange) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(rb.getInsertionBlock(), rb.getInsertionPoint());
            body(row, gemm.mr);
            scf::YieldOp::create(rb, rl);
          });
      if (int64_t rest = gemm.m % gemm.mr)
        emitIf(holdsRowTail, [&] { body(index(fullRows), rest); });
    };
    auto forEachPanel = [&](PanelBody body) {
      scf::ForOp::create(
          b, loc, panel0, panel1, index(1), ValueRange{},
          [&](OpBuilder &pb, Location pl, Value panel, ValueRange) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(pb.getInsertionBlock(), pb.getInsertionPoint());
            body(panel, gemm.nr);
            scf::YieldOp::create(pb, pl);
          });
      if (int64_t tail = gemm.n % gemm.nr)
        emitIf(isLastGroup, [&] { body(index(fullPanels), tail); });
    };

    // Rhs: an MR x KC sliver of the unpacked A stays in L1 while the packed
    // panels pass under it. Lhs: the packed filter slivers are contiguous,
    // so the KC x NR block of B is the one to keep in L1 while the slivers
    // pass over it; B's rows lie a whole image row of patches apart, which
    // maps them onto a few cache sets, so the block is first copied into a
    // contiguous buffer (packed on the fly, as BLIS packs B).
    auto kBlock = [&](OpBuilder &kb, Location, Value k0, ValueRange) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(kb.getInsertionBlock(), kb.getInsertionPoint());
      Value k1 =
          min(arith::AddIOp::create(b, loc, k0, index(gemm.kc)), index(gemm.k));
      if (gemm.packed == PackedOperand::Rhs)
        forEachSliver([&](Value row, int64_t rows) {
          forEachPanel([&](Value panel, int64_t columns) {
            emitMicrokernel(row, rows, panel, columns, k0, k1);
          });
        });
      else
        forEachPanel([&](Value panel, int64_t columns) {
          emitPackBlock(panel, columns, k0, k1);
          forEachSliver([&](Value row, int64_t rows) {
            emitMicrokernel(row, rows, panel, columns, k0, k1);
          });
        });
      scf::YieldOp::create(kb, loc);
    };
    scf::ForOp::create(b, loc, index(0), index(gemm.k), index(gemm.kc),
                       ValueRange{}, kBlock);
  }

  /// Copies B[image][k0 : k1][column0 : column0 + columns] into the
  /// contiguous block buffer, zero past `columns`.
  void emitPackBlock(Value panel, int64_t columns, Value k0, Value k1) {
    Value column0 = arith::MulIOp::create(b, loc, panel, index(gemm.nr));
    int64_t vectors = gemm.nr / gemm.width;
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    scf::ForOp::create(
        b, loc, k0, k1, index(1), ValueRange{},
        [&](OpBuilder &nb, Location nl, Value k, ValueRange) {
          Value row = arith::SubIOp::create(nb, nl, k, k0);
          for (int64_t v = 0; v < vectors; ++v) {
            int64_t valid =
                std::clamp<int64_t>(columns - v * gemm.width, 0, gemm.width);
            Value offset =
                arith::ConstantIndexOp::create(nb, nl, v * gemm.width);
            Value value = zeros;
            if (valid > 0) {
              SmallVector<Value, 3> at = {
                  image, k, arith::AddIOp::create(nb, nl, column0, offset)};
              if (valid == gemm.width)
                value = vector::LoadOp::create(nb, nl, vectorType, gemm.b, at);
              else
                value = vector::MaskedLoadOp::create(
                    nb, nl, vectorType, gemm.b, at,
                    vector::ConstantMaskOp::create(
                        nb, nl, VectorType::get({gemm.width}, nb.getI1Type()),
                        ArrayRef<int64_t>{valid}),
                    zeros);
            }
            vector::StoreOp::create(nb, nl, value, blockBuffer,
                                    ValueRange{row, offset});
          }
          scf::YieldOp::create(nb, nl);
        });
  }

  /// The indices of C[row][column] in the current image.
  SmallVector<Value, 3> cIndices(Value row, Value column) {
    if (gemm.packed == PackedOperand::Rhs)
      return {row, column};
    return {image, row, column};
  }

  /// C[row0 : row0 + rows, column0 : column0 + columns] += A * B over
  /// k in [k0, k1), for the panel (NR columns) `panel`: rows x NR/width
  /// vector accumulators in registers.
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
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    // A vector of `memref` at `at`, through the mask when `v` is the partial
    // last vector.
    auto loadVector = [&](OpBuilder &lb, Location ll, Value memref,
                          ValueRange at, int64_t v) -> Value {
      if (isMasked(v))
        return vector::MaskedLoadOp::create(lb, ll, vectorType, memref, at,
                                            *lastMask, zeros);
      return vector::LoadOp::create(lb, ll, vectorType, memref, at);
    };
    Value sliver;
    if (gemm.packed == PackedOperand::Lhs)
      sliver = arith::DivUIOp::create(b, loc, row0, index(gemm.mr));

    SmallVector<Value> accumulators;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v)
        accumulators.push_back(loadVector(
            b, loc, gemm.c, cIndices(rowIndex[r], columnIndex[v]), v));

    auto step = [&](OpBuilder &nb, Location nl, Value k, ValueRange acc) {
      // One row of B's panel (the packed panel, or the packed block of the
      // convolution form), zero-padded past N: no mask.
      SmallVector<Value> panelRow;
      for (int64_t v = 0; v < vectors; ++v) {
        if (gemm.packed == PackedOperand::Rhs)
          panelRow.push_back(
              vector::LoadOp::create(nb, nl, vectorType, gemm.b,
                                     ValueRange{panel, k,
                                                arith::ConstantIndexOp::create(
                                                    nb, nl, v * gemm.width)}));
        else
          panelRow.push_back(vector::LoadOp::create(
              nb, nl, vectorType, blockBuffer,
              ValueRange{
                  arith::SubIOp::create(nb, nl, k, k0),
                  arith::ConstantIndexOp::create(nb, nl, v * gemm.width)}));
      }
      SmallVector<Value> next;
      for (int64_t r = 0; r < rows; ++r) {
        SmallVector<Value, 3> aIndices = {rowIndex[r], k};
        if (gemm.packed == PackedOperand::Lhs)
          aIndices = {sliver, k, arith::ConstantIndexOp::create(nb, nl, r)};
        Value element = memref::LoadOp::create(nb, nl, gemm.a, aIndices);
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
        SmallVector<Value, 3> at = cIndices(rowIndex[r], columnIndex[v]);
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
  /// The image of the task being emitted (index 0 in the matmul form).
  Value image;
  /// The block buffers of all tasks, and the current task's KC x NR block
  /// of B, packed on the fly (convolution form).
  Value blocks, blockBuffer;
};

/// The operands and geometry of a depthwise convolution on buffers:
/// out[n][c][oh][ow] += sum_{kh,kw} w[c][kh][kw] *
///   in[n][c][oh * sh + kh * dh][ow * sw + kw * dw].
struct DepthwiseConv {
  Value input, filter, output;
  int64_t images, channels, outRows, outColumns, kernelRows, kernelColumns;
  int64_t strides[2], dilations[2];
  int64_t width;
  bool fused;
};

std::optional<DepthwiseConv>
matchDepthwiseConv(linalg::DepthwiseConv2DNchwChwOp op, KernelAttr kernel) {
  if (!op.hasPureBufferSemantics() || kernel.getTiles().size() != 1 ||
      kernel.getTiles()[0] < 1)
    return std::nullopt;
  DepthwiseConv conv;
  conv.input = op.getInputs()[0];
  conv.filter = op.getInputs()[1];
  conv.output = op.getOutputs()[0];
  if (!isStaticF32Memref(conv.input, 4) || !isStaticF32Memref(conv.filter, 3) ||
      !isStaticF32Memref(conv.output, 4) || !isInnerContiguous(conv.input) ||
      !isInnerContiguous(conv.output))
    return std::nullopt;
  ArrayRef<int64_t> out = cast<MemRefType>(conv.output.getType()).getShape();
  ArrayRef<int64_t> filter = cast<MemRefType>(conv.filter.getType()).getShape();
  conv.images = out[0];
  conv.channels = out[1];
  conv.outRows = out[2];
  conv.outColumns = out[3];
  conv.kernelRows = filter[1];
  conv.kernelColumns = filter[2];
  for (auto [i, v] : llvm::enumerate(op.getStrides().getValues<int64_t>()))
    conv.strides[i] = v;
  for (auto [i, v] : llvm::enumerate(op.getDilations().getValues<int64_t>()))
    conv.dilations[i] = v;
  conv.width = kernel.getTiles()[0];
  conv.fused = kernel.getName() != kernels::kDepthwiseConv2dF32Generic;
  return conv;
}

/// Emits a depthwise convolution: tasks (image, channel) on threads when
/// asked; in each, the taps' weights broadcast once, then per output row
/// vectors of output columns (the last one masked), each accumulating one
/// multiply-add per tap, in the reference's tap order. Inputs of unit
/// column stride are loaded, others gathered.
class DepthwiseEmitter {
public:
  DepthwiseEmitter(OpBuilder &b, Location loc, const DepthwiseConv &conv)
      : b(b), loc(loc), conv(conv),
        vectorType(VectorType::get({conv.width}, b.getF32Type())),
        maskType(VectorType::get({conv.width}, b.getI1Type())) {}

  void emit(bool parallel) {
    Value zero = index(0), one = index(1);
    SmallVector<Value, 2> lower = {zero, zero}, steps = {one, one};
    SmallVector<Value, 2> upper = {index(conv.images), index(conv.channels)};
    auto body = [&](OpBuilder &nb, Location, ValueRange ivs) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
      emitChannel(ivs[0], ivs[1]);
    };
    if (parallel)
      scf::ParallelOp::create(b, loc, lower, upper, steps, body);
    else
      scf::buildLoopNest(b, loc, lower, upper, steps, body);
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  void emitChannel(Value image, Value channel) {
    SmallVector<Value> weights;
    for (int64_t kh = 0; kh < conv.kernelRows; ++kh)
      for (int64_t kw = 0; kw < conv.kernelColumns; ++kw)
        weights.push_back(vector::BroadcastOp::create(
            b, loc, vectorType,
            memref::LoadOp::create(b, loc, conv.filter,
                                   ValueRange{channel, index(kh), index(kw)})));
    int64_t full = conv.outColumns - conv.outColumns % conv.width;
    scf::ForOp::create(
        b, loc, index(0), index(conv.outRows), index(1), ValueRange{},
        [&](OpBuilder &rb, Location rl, Value row, ValueRange) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(rb.getInsertionBlock(), rb.getInsertionPoint());
          if (full > 0)
            scf::ForOp::create(
                b, loc, index(0), index(full), index(conv.width), ValueRange{},
                [&](OpBuilder &cb, Location cl, Value column, ValueRange) {
                  OpBuilder::InsertionGuard inner(b);
                  b.setInsertionPoint(cb.getInsertionBlock(),
                                      cb.getInsertionPoint());
                  emitVector(image, channel, row, column, conv.width, weights);
                  scf::YieldOp::create(cb, cl);
                });
          if (int64_t rest = conv.outColumns % conv.width)
            emitVector(image, channel, row, index(full), rest, weights);
          scf::YieldOp::create(rb, rl);
        });
  }

  /// out[image][channel][row][column : column + valid] over all taps.
  void emitVector(Value image, Value channel, Value row, Value column,
                  int64_t valid, ArrayRef<Value> weights) {
    std::optional<Value> mask;
    if (valid < conv.width)
      mask = vector::ConstantMaskOp::create(b, loc, maskType,
                                            ArrayRef<int64_t>{valid});
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    auto load = [&](Value memref, ValueRange at) -> Value {
      if (mask)
        return vector::MaskedLoadOp::create(b, loc, vectorType, memref, at,
                                            *mask, zeros);
      return vector::LoadOp::create(b, loc, vectorType, memref, at);
    };
    SmallVector<Value, 4> outAt = {image, channel, row, column};
    Value acc = load(conv.output, outAt);
    // Gathered lanes: column offsets 0, s, 2s, ... from the first.
    Value offsets;
    if (conv.strides[1] != 1) {
      SmallVector<int32_t> lanes;
      for (int64_t i = 0; i < conv.width; ++i)
        lanes.push_back(static_cast<int32_t>(i * conv.strides[1]));
      auto offsetType = VectorType::get({conv.width}, b.getI32Type());
      offsets = arith::ConstantOp::create(
          b, loc, offsetType,
          DenseElementsAttr::get(offsetType, ArrayRef(lanes)));
    }
    Value inRow0 = arith::MulIOp::create(b, loc, row, index(conv.strides[0]));
    Value inColumn0 =
        arith::MulIOp::create(b, loc, column, index(conv.strides[1]));
    Value allLanes = vector::ConstantMaskOp::create(
        b, loc, maskType, ArrayRef<int64_t>{conv.width});
    for (int64_t kh = 0; kh < conv.kernelRows; ++kh) {
      Value inRow =
          arith::AddIOp::create(b, loc, inRow0, index(kh * conv.dilations[0]));
      for (int64_t kw = 0; kw < conv.kernelColumns; ++kw) {
        Value inColumn = arith::AddIOp::create(b, loc, inColumn0,
                                               index(kw * conv.dilations[1]));
        SmallVector<Value, 4> inAt = {image, channel, inRow, inColumn};
        Value x = offsets
                      ? vector::GatherOp::create(b, loc, vectorType, conv.input,
                                                 inAt, offsets,
                                                 mask ? *mask : allLanes, zeros)
                            .getResult()
                      : load(conv.input, inAt);
        Value w = weights[kh * conv.kernelColumns + kw];
        if (conv.fused) {
          acc = vector::FMAOp::create(b, loc, x, w, acc);
          continue;
        }
        acc = arith::AddFOp::create(b, loc, acc,
                                    arith::MulFOp::create(b, loc, x, w));
      }
    }
    if (mask)
      vector::MaskedStoreOp::create(b, loc, conv.output, outAt, *mask, acc);
    else
      vector::StoreOp::create(b, loc, acc, conv.output, outAt);
  }

  OpBuilder &b;
  Location loc;
  const DepthwiseConv &conv;
  VectorType vectorType, maskType;
};

struct LowerKernelsPass
    : public dsk::impl::DskCpuLowerKernelsBase<LowerKernelsPass> {
  using DskCpuLowerKernelsBase::DskCpuLowerKernelsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, PackedGemm>> gemms;
    getOperation().walk([&](linalg::GenericOp op) {
      auto kernel = op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName);
      if (!kernel || !(kernels::isGemmF32(kernel.getName()) ||
                       kernels::isConv2dF32(kernel.getName())))
        return;
      if (std::optional<PackedGemm> gemm = matchPackedGemm(op, kernel))
        gemms.push_back({op, *gemm});
    });
    SmallVector<std::pair<linalg::DepthwiseConv2DNchwChwOp, DepthwiseConv>>
        depthwise;
    getOperation().walk([&](linalg::DepthwiseConv2DNchwChwOp op) {
      auto kernel = op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName);
      if (!kernel || !kernels::isDepthwiseConv2dF32(kernel.getName()))
        return;
      if (std::optional<DepthwiseConv> conv = matchDepthwiseConv(op, kernel))
        depthwise.push_back({op, *conv});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, conv] : depthwise) {
      rewriter.setInsertionPoint(op);
      int64_t work = conv.images * conv.channels * conv.outRows *
                     conv.outColumns * conv.kernelRows * conv.kernelColumns;
      DepthwiseEmitter(rewriter, op.getLoc(), conv)
          .emit(parallel && work >= minParallelFlops &&
                conv.images * conv.channels > 1);
      rewriter.eraseOp(op);
    }
    for (auto &[op, gemm] : gemms) {
      rewriter.setInsertionPoint(op);
      bool isLarge =
          parallel && gemm.batch * gemm.m * gemm.n * gemm.k >= minParallelFlops;
      GemmBlocking blocking =
          blockGemm(gemm, rowBlock, columnGroup, isLarge ? minTasks : 1);
      bool isParallel =
          isLarge && gemm.batch * blocking.rowBlocks * blocking.panelGroups > 1;
      GemmEmitter(rewriter, op.getLoc(), gemm, blocking).emit(isParallel);
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
