//===- GemmKernel.cpp - the packed GEMM kernels' code on buffers ----------===//
//
// The f32 GEMM and convolution kernels: the packed products of
// dsk-cpu-pack-weights become tasks of register-blocked microkernels in the
// vector dialect, with cache blocking from the kernel's tiles.
//
//===----------------------------------------------------------------------===//

#include "ConvPatches.h"
#include "KernelLowerings.h"

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

/// Which operand of a GEMM the compiler packed at compile time.
enum class PackedOperand {
  /// dsk-cpu-pack-weights' matmul form: C[M][N] += A[M][K] *
  /// Bp[n / NR][K][n % NR], panels of the constant right-hand side.
  Rhs,
  /// Its convolution form: C[batch][M][N] += Ap[m / MR][K][m % MR] *
  /// B[batch][K][N], slivers of the constant filter times the patches (a
  /// matrix, or read from the convolution's input: ConvPatches.h).
  Lhs,
};

/// The operands and sizes of a packed f32 GEMM.
struct PackedGemm {
  PackedOperand packed;
  /// Rhs: A, panels, C. Lhs: slivers, B, C.
  Value a, b, c;
  int64_t batch, m, n, k;
  int64_t mr, nr, kc, width;
  /// Fused multiply-adds (usesFusedMultiplyAdd).
  bool fused;
  /// The convolution form's patches when B is the convolution's input.
  std::optional<PatchGeometry> patches;
};

/// Whether `op` is a packed GEMM that `kernel` describes (one of the two
/// forms of dsk-cpu-pack-weights, exactly), with buffers the microkernel can
/// address. Anything else keeps its generic lowering.
std::optional<PackedGemm> matchPackedGemm(linalg::GenericOp op,
                                          KernelAttr kernel) {
  ArrayRef<int64_t> tiles = kernel.getTiles();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !kernels::isValidGemmTiles(tiles))
    return std::nullopt;
  PackedGemm gemm;
  gemm.a = op.getDpsInputs()[0];
  gemm.b = op.getDpsInputs()[1];
  gemm.c = op.getDpsInits()[0];
  gemm.mr = tiles[0];
  gemm.nr = tiles[1];
  gemm.kc = tiles[2];
  gemm.width = tiles[3];
  gemm.fused = usesFusedMultiplyAdd(kernel);
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
  std::optional<ConvProduct> product = matchConvProduct(op, gemm.mr);
  if (!product)
    return std::nullopt;
  gemm.batch = product->batch;
  gemm.m = product->channels;
  gemm.n = product->positions;
  gemm.k = product->k;
  gemm.patches = product->geometry;
  // Patches are packed a tap row (KW rows of B) at a time: K blocks hold
  // whole tap rows.
  if (gemm.patches && gemm.patches->kernelW > 1)
    gemm.kc = std::max(gemm.patches->kernelW,
                       gemm.kc - gemm.kc % gemm.patches->kernelW);
  return gemm;
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
              const GemmBlocking &blocking, const FusedOps &fusedOps)
      : b(b), loc(loc), gemm(gemm), blocking(blocking), fusedOps(fusedOps),
        vectorType(VectorType::get({gemm.width}, b.getF32Type())) {}

  /// The tasks: one scf.parallel over (image, row block, panel group) when
  /// asked, else a sequential nest; the image dimension only when there is
  /// more than one (the convolution form's batch).
  void emit(bool parallel) {
    // The convolution form packs blocks of B on the fly, each task into a
    // buffer of its own (threads never share one), allocated once for the
    // product.
    if (gemm.packed == PackedOperand::Lhs) {
      int64_t tasks = gemm.batch * blocking.rowBlocks * blocking.panelGroups;
      blocks = memref::AllocOp::create(
          b, loc, MemRefType::get({tasks, gemm.kc, gemm.nr}, b.getF32Type()),
          b.getI64IntegerAttr(64));
    }
    buildProductTasks(b, loc, gemm.batch, blocking, parallel,
                      [&](Value taskImage, Value rowBlock, Value panelGroup) {
                        image = taskImage;
                        if (blocks)
                          blockBuffer = taskBlock(rowBlock, panelGroup);
                        emitTask(rowBlock, panelGroup);
                      });
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

  /// The packing buffer of the task (image, rowBlock, panelGroup).
  Value taskBlock(Value rowBlock, Value panelGroup) {
    Value task = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc,
            arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(b, loc, image, index(blocking.rowBlocks)),
                rowBlock),
            index(blocking.panelGroups)),
        panelGroup);
    SmallVector<OpFoldResult> offsets = {task, b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {
        b.getIndexAttr(1), b.getIndexAttr(gemm.kc), b.getIndexAttr(gemm.nr)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    auto type = memref::SubViewOp::inferRankReducedResultType(
        {gemm.kc, gemm.nr}, cast<MemRefType>(blocks.getType()), offsets, sizes,
        strides);
    return memref::SubViewOp::create(b, loc, type, blocks, offsets, sizes,
                                     strides);
  }

  /// One task: a block of rows of C times the panels of one group
  /// (TaskTiles).
  void emitTask(Value rowBlock, Value panelGroup) {
    TaskTiles tiles(b, loc, blocking, gemm.m, gemm.n, gemm.mr, gemm.nr,
                    rowBlock, panelGroup);
    auto forEachSliver = [&](auto body) { tiles.forEachSliver(body); };
    auto forEachPanel = [&](auto body) { tiles.forEachPanel(body); };

    // Rhs: an MR x KC sliver of the unpacked A stays in L1 while the packed
    // panels pass under it. Lhs: the packed filter slivers are contiguous,
    // so the KC x NR block of B is the one to keep in L1 while the slivers
    // pass over it; B's rows lie a whole image row of patches apart, which
    // maps them onto a few cache sets, so the block is first copied into a
    // contiguous buffer (packed on the fly, as BLIS packs B).
    buildFor(b, loc, index(0), index(gemm.k), index(gemm.kc), [&](Value k0) {
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
    });
  }

  /// Copies B[image][k0 : k1][column0 : column0 + columns] into the
  /// contiguous block buffer, zero past `columns`: from the patch matrix,
  /// or gathered from the convolution's input (the rows of patches each
  /// vector of columns reaches are worked out once, outside the K loop).
  void emitPackBlock(Value panel, int64_t columns, Value k0, Value k1) {
    Value column0 = arith::MulIOp::create(b, loc, panel, index(gemm.nr));
    int64_t vectors = gemm.nr / gemm.width;
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    SmallVector<Value> vectorColumns;
    SmallVector<std::optional<Value>> masks;
    SmallVector<PatchLoader::Columns, 2> patchColumns;
    std::optional<PatchLoader> loader;
    if (gemm.patches)
      loader.emplace(b, loc, *gemm.patches, gemm.b, vectorType);
    for (int64_t v = 0; v < vectors; ++v) {
      int64_t valid =
          std::clamp<int64_t>(columns - v * gemm.width, 0, gemm.width);
      if (valid == 0)
        break;
      vectorColumns.push_back(
          arith::AddIOp::create(b, loc, column0, index(v * gemm.width)));
      masks.push_back(valid < gemm.width ? std::optional(firstLanesMask(
                                               b, loc, gemm.width, valid))
                                         : std::nullopt);
      if (loader)
        patchColumns.push_back(loader->prepare(vectorColumns[v], masks[v]));
    }
    auto store = [&](Value value, Value row, int64_t v) {
      vector::StoreOp::create(b, loc, value, blockBuffer,
                              ValueRange{row, index(v * gemm.width)});
    };
    if (loader) {
      // A tap row (KW rows of B) at a time: K blocks hold whole tap rows.
      int64_t kw = gemm.patches->kernelW;
      Value g0 = arith::DivUIOp::create(b, loc, k0, index(kw));
      Value g1 = arith::DivUIOp::create(b, loc, k1, index(kw));
      buildFor(b, loc, g0, g1, index(1), [&](Value g) {
        Value row0 = arith::SubIOp::create(
            b, loc, arith::MulIOp::create(b, loc, g, index(kw)), k0);
        for (int64_t v = 0; v < vectors; ++v) {
          SmallVector<Value> rows;
          if (v < static_cast<int64_t>(patchColumns.size()))
            rows = loader->loadTapRow(patchColumns[v], image, g);
          for (int64_t t = 0; t < kw; ++t)
            store(rows.empty() ? zeros : rows[t],
                  arith::AddIOp::create(b, loc, row0, index(t)), v);
        }
      });
      return;
    }
    buildFor(b, loc, k0, k1, index(1), [&](Value k) {
      Value row = arith::SubIOp::create(b, loc, k, k0);
      for (int64_t v = 0; v < vectors; ++v)
        store(v < static_cast<int64_t>(vectorColumns.size())
                  ? loadVector(b, loc, vectorType, gemm.b,
                               {image, k, vectorColumns[v]}, masks[v])
                  : zeros,
              row, v);
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
      lastMask = firstLanesMask(b, loc, gemm.width, columns % gemm.width);
    SmallVector<Value> rowIndex, columnIndex;
    for (int64_t r = 0; r < rows; ++r)
      rowIndex.push_back(arith::AddIOp::create(b, loc, row0, index(r)));
    for (int64_t v = 0; v < vectors; ++v)
      columnIndex.push_back(
          arith::AddIOp::create(b, loc, column0, index(v * gemm.width)));
    // The mask of vector `v`: the last one's when the panel is partial.
    auto maskOf = [&](int64_t v) {
      return v == vectors - 1 ? lastMask : std::nullopt;
    };
    Value sliver;
    if (gemm.packed == PackedOperand::Lhs)
      sliver = arith::DivUIOp::create(b, loc, row0, index(gemm.mr));

    // The accumulators start from C, or, in the first K block, from the
    // prologue's values.
    auto initial = [&](bool fromPrologue) {
      SmallVector<Value> values;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          SmallVector<Value, 3> at = cIndices(rowIndex[r], columnIndex[v]);
          values.push_back(
              fromPrologue
                  ? evaluateFused(b, loc, *fusedOps.prologue, Value(), at,
                                  vectorType, maskOf(v))
                  : loadVector(b, loc, vectorType, gemm.c, at, maskOf(v)));
        }
      return values;
    };
    bool singleBlock = gemm.k <= gemm.kc;
    SmallVector<Value> accumulators = buildBlockInitial(
        b, loc, fusedOps.prologue.has_value(), singleBlock, k0,
        SmallVector<Type>(rows * vectors, vectorType), initial);

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
        for (int64_t v = 0; v < vectors; ++v)
          next.push_back(multiplyAdd(nb, nl, broadcast, panelRow[v],
                                     acc[r * vectors + v], gemm.fused));
      }
      scf::YieldOp::create(nb, nl, next);
    };
    auto loop =
        scf::ForOp::create(b, loc, k0, k1, index(1), accumulators, step);

    // The last K block stores the epilogue's values instead, if any.
    auto store = [&](bool withEpilogue) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          Value acc = loop.getResult(r * vectors + v);
          SmallVector<Value, 3> at = cIndices(rowIndex[r], columnIndex[v]);
          if (withEpilogue)
            storeWithEpilogue(b, loc, *fusedOps.epilogue, acc, at, maskOf(v));
          else
            storeVector(b, loc, acc, gemm.c, at, maskOf(v));
        }
    };
    buildBlockStore(b, loc, fusedOps.epilogue.has_value(), singleBlock, k1,
                    gemm.k, store);
  }
  OpBuilder &b;
  Location loc;
  const PackedGemm &gemm;
  const GemmBlocking &blocking;
  /// The elementwise ops computed with the kernel (KernelEpilogue.cpp).
  const FusedOps &fusedOps;
  VectorType vectorType;
  /// The image of the task being emitted (index 0 in the matmul form).
  Value image;
  /// The block buffers of all tasks, and the current task's KC x NR block
  /// of B, packed on the fly (convolution form).
  Value blocks, blockBuffer;
};

} // namespace

bool dsk::cpu::lowerPackedGemm(RewriterBase &rewriter, linalg::GenericOp op,
                               KernelAttr kernel,
                               const ThreadingOptions &options) {
  std::optional<PackedGemm> gemm = matchPackedGemm(op, kernel);
  if (!gemm)
    return false;
  rewriter.setInsertionPoint(op);
  bool isLarge =
      options.parallel &&
      gemm->batch * gemm->m * gemm->n * gemm->k >= options.minParallelFlops;
  // Each block of rows reads (matmul: the packed weights) or packs
  // (convolution: the patches, a load and a store each) all of B's columns
  // once more, each group of columns all of A's rows.
  TaskShape shape{gemm->batch,
                  gemm->m,
                  gemm->n,
                  gemm->mr,
                  gemm->nr,
                  /*rowSplitCost=*/gemm->packed == PackedOperand::Lhs
                      ? 2 * gemm->n
                      : gemm->n,
                  /*columnSplitCost=*/gemm->m};
  GemmBlocking blocking =
      blockTasks(shape, options.rowBlock, options.columnGroup,
                 isLarge ? options.minTasks : 1);
  bool isParallel =
      isLarge && gemm->batch * blocking.rowBlocks * blocking.panelGroups > 1;
  FusedOps fused = FusedOps::match(op, gemm->c, {gemm->a, gemm->b});
  rewriter.setInsertionPoint(op);
  if (gemm->patches)
    readInsideZeroFrame(rewriter, op, gemm->b, *gemm->patches);
  GemmEmitter emitter(rewriter, op.getLoc(), *gemm, blocking, fused);
  emitter.emit(isParallel);
  fused.erase(rewriter);
  rewriter.eraseOp(op);
  return true;
}
