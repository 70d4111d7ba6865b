//===- KernelLowerings.h - the CPU kernels' code generators -----*- C++ -*-===//
//
// Private to lib/Conversion/CPU: one generator per kernel family, each
// replacing the buffer-level op that carries its #dsk.kernel with the
// kernel's loops and vector code. dsk-cpu-lower-kernels dispatches to them.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_CONVERSION_CPU_KERNELLOWERINGS_H
#define DSK_LIB_CONVERSION_CPU_KERNELLOWERINGS_H

#include "dsk/Dialect/Dsk/IR/DskDialect.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk::cpu {

/// How the generators split work over threads: dsk-cpu-lower-kernels'
/// options (Passes.td has their meaning and defaults).
struct ThreadingOptions {
  bool parallel;
  int64_t minParallelFlops;
  int64_t rowBlock;
  int64_t columnGroup;
  int64_t minTasks;
};

/// A GEMM-shaped product as tasks see it: rows and columns of the output
/// in tiles, and what splitting each side costs: every extra block of rows
/// reads (or packs) the operand of the columns once more, every extra group
/// of columns that of the rows (relative units, e.g. its size in elements
/// per K, doubled when it is packed: a load and a store).
struct TaskShape {
  int64_t batch, rows, columns, rowTile, columnTile;
  int64_t rowSplitCost, columnSplitCost;
};

/// How a product is split into tasks: blocks of rows times groups of
/// column tiles (panels), each task an independent part of the output.
struct GemmBlocking {
  int64_t rowsPerBlock, rowBlocks;
  int64_t panelsPerGroup, panelGroups;
};

/// Splits the rows into at most `maxRows`-row blocks (a multiple of the row
/// tile) and the panels into groups of at most `maxColumns` columns, both as
/// even as the tiles allow, so that threads get equal shares. When that
/// gives fewer than `minTasks` tasks, the shares are halved, the cheaper
/// side first, until there are enough or a task is one tile: a product whose
/// whole output fits one block (a late convolution layer, a small matmul)
/// still spreads over the threads.
GemmBlocking blockTasks(const TaskShape &shape, int64_t maxRows,
                        int64_t maxColumns, int64_t minTasks);

/// Builds `body(image, rowBlock, panelGroup)` inside the task loops of a
/// product of `batch` images split by `blocking` (buildTaskLoops); the
/// image loop only when there is more than one image (else `image` is 0).
void buildProductTasks(
    mlir::OpBuilder &b, mlir::Location loc, int64_t batch,
    const GemmBlocking &blocking, bool parallel,
    llvm::function_ref<void(mlir::Value image, mlir::Value rowBlock,
                            mlir::Value panelGroup)>
        body);

/// The tiles of one task (`rowBlock`, `panelGroup`) of a product split by
/// `blocking`: its slivers of rowTile rows (then the tail sliver of the
/// rows % rowTile last rows, in the last row block only) and its panels of
/// columnTile columns (then the partial panel, in the last group only). The
/// tails are built under conditions that canonicalization folds when there
/// is a single block or group.
class TaskTiles {
public:
  TaskTiles(mlir::OpBuilder &b, mlir::Location loc,
            const GemmBlocking &blocking, int64_t rows, int64_t columns,
            int64_t rowTile, int64_t columnTile, mlir::Value rowBlock,
            mlir::Value panelGroup);

  /// Builds `body(row, rows)` for each sliver: its first row and its rows.
  void forEachSliver(
      llvm::function_ref<void(mlir::Value row, int64_t rows)> body) const;

  /// Builds `body(panel, columns)` for each panel: its index and its valid
  /// columns.
  void forEachPanel(
      llvm::function_ref<void(mlir::Value panel, int64_t columns)> body) const;

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
  int64_t rows, columns, rowTile, columnTile;
  mlir::Value firstRow, fullRowsEnd, holdsRowTail;
  mlir::Value firstPanel, fullPanelsEnd, isLastGroup;
};

/// Replaces `op`, a packed product of dsk-cpu-pack-weights (either form)
/// that `kernel` describes, with the GEMM kernel. Returns false, changing
/// nothing, when `op` is not exactly such a product on buffers.
bool lowerPackedGemm(mlir::RewriterBase &rewriter, mlir::linalg::GenericOp op,
                     KernelAttr kernel, const ThreadingOptions &options);

/// Replaces `op`, the packed product of a convolution whose kernel puts
/// output channels in the vector lanes (dsk-cpu-pack-weights' filter
/// panels), with that kernel. Returns false, changing nothing, when `op` is
/// not exactly such a product on buffers.
bool lowerChannelsConv(mlir::RewriterBase &rewriter, mlir::linalg::GenericOp op,
                       KernelAttr kernel, const ThreadingOptions &options);

/// Replaces `op` with the depthwise convolution kernel `kernel`; false,
/// changing nothing, when the op's buffers do not fit the kernel.
bool lowerDepthwiseConv(mlir::RewriterBase &rewriter,
                        mlir::linalg::DepthwiseConv2DNchwChwOp op,
                        KernelAttr kernel, const ThreadingOptions &options);

/// Replaces `op`, a linalg.pooling_nchw_max or linalg.pooling_nchw_sum,
/// with the pooling kernel `kernel`; false, changing nothing, when the op's
/// buffers do not fit the kernel.
bool lowerPool(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
               KernelAttr kernel, const ThreadingOptions &options);

/// Replaces `op` (on buffers) with the attention kernel `kernel`; false,
/// changing nothing, when the op is not on buffers of static shapes or the
/// kernel's tiles do not fit.
bool lowerAttention(mlir::RewriterBase &rewriter, AttentionKernelOp op,
                    KernelAttr kernel, const ThreadingOptions &options);

/// An elementwise linalg.generic on buffers that a kernel computes itself
/// (KernelEpilogue.cpp): an epilogue directly follows the kernel, reads the
/// kernel's output once per element, and nothing else observes that
/// output's raw values: the kernel computes it in its last store. A
/// prologue directly precedes the kernel and overwrites its output (a bias
/// broadcast): the kernel starts its accumulators from its values instead
/// of loading them.
struct FusedElementwise {
  /// The fused op: a linalg.generic, or a linalg.fill prologue.
  mlir::Operation *op;
  /// The value a linalg.fill prologue fills with.
  mlir::Value fillValue;
  /// The dimensions of the op's iteration space (the kernel output's
  /// original shape) that each dimension of the kernel's output covers.
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  /// The op's output.
  mlir::Value output;
  enum class Source {
    Result, // the kernel's output: the accumulators
    Same,   // a buffer of the output's shape: the same element
    Row,    // indexed by loops before the kernel's columns: a scalar per row
    Column, // indexed by the innermost loop only: a vector per column block
  };
  struct Input {
    Source source;
    mlir::Value buffer;
    mlir::AffineMap map;
  };
  /// One per input of the op, in order.
  llvm::SmallVector<Input> inputs;
};

/// The elementwise ops a kernel op computes itself: the prologue just
/// before it and the epilogue just after it, when there are such ops.
struct FusedOps {
  std::optional<FusedElementwise> prologue, epilogue;

  /// Finds them for the kernel op `kernelOp` that accumulates into
  /// `kernelOutput` and reads `kernelInputs`; the epilogue's buffers are
  /// made available before `kernelOp` (static allocations move up).
  static FusedOps match(mlir::Operation *kernelOp, mlir::Value kernelOutput,
                        llvm::ArrayRef<mlir::Value> kernelInputs);

  /// Erases the fused ops (and their profiling marks) once the kernel's
  /// code computes them.
  void erase(mlir::RewriterBase &rewriter);
};

/// Erases `op` and the profiling marks around it (its region's).
void eraseWithProfileMarks(mlir::RewriterBase &rewriter, mlir::Operation *op);

/// A padded buffer's frame of one value around its data
/// (dsk-cpu-decompose-pad's border fills): the data are rows
/// [top, top + rows) and columns [left, left + columns) of every image and
/// channel; everything else holds the value before the reader runs.
struct FilledFrame {
  int64_t top, left, rows, columns;
};

/// The frame of `input`, a 4-D f32 allocation that `reader` reads, filled
/// with a constant that `isFrameValue` accepts: every other use is a
/// deallocation or a static subview, the subviews filled with such a value
/// (before `reader`, in its block) cover everything outside the other
/// subviews' bounding box, which spans all images and channels. A kernel
/// for which the value is the identity of its reduction, reading only the
/// data (buildFrameInterior), computes what `reader` does.
std::optional<FilledFrame>
matchFilledFrame(mlir::Value input, mlir::Operation *reader,
                 llvm::function_ref<bool(const llvm::APFloat &)> isFrameValue);

/// The subview of `input`'s data inside `frame`.
mlir::Value buildFrameInterior(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value input, const FilledFrame &frame);

/// Erases the fills of allocations under `root` that nothing reads:
/// fills of subviews that no other view of the allocation overlaps (every
/// use of the allocation being a static subview or its deallocation), left
/// behind by kernels that read only a frame's interior.
void eraseUnreadFills(mlir::RewriterBase &rewriter, mlir::Operation *root);

/// The fused op's values for the kernel output elements at `at` (a vector
/// of consecutive columns, `mask`ed), its kernel-output input being
/// `accumulator` (none for a prologue).
mlir::Value evaluateFused(mlir::OpBuilder &b, mlir::Location loc,
                          const FusedElementwise &fused,
                          mlir::Value accumulator, mlir::ValueRange at,
                          mlir::VectorType vectorType,
                          std::optional<mlir::Value> mask);

/// Stores the epilogue's value for the kernel output elements at `at` (a
/// vector of consecutive columns, `mask`ed), computed from `accumulator`.
void storeWithEpilogue(mlir::OpBuilder &b, mlir::Location loc,
                       const FusedElementwise &epilogue,
                       mlir::Value accumulator, mlir::ValueRange at,
                       std::optional<mlir::Value> mask);

/// Whether `value` is a statically shaped f32 memref of `rank`.
bool isStaticF32Memref(mlir::Value value, int64_t rank);

/// Whether the type's last dimension has stride 1.
bool isUnitInnerStride(mlir::MemRefType type);
/// Whether the buffer is contiguous in its last dimension, so vectors load
/// and store along it.
bool isInnerContiguous(mlir::Value value);

/// A vector of `type` from `memref` at `at`; through `mask` when given, with
/// zeros in the masked-off lanes (which are not read).
mlir::Value loadVector(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::VectorType type, mlir::Value memref,
                       mlir::ValueRange at, std::optional<mlir::Value> mask);

/// Stores `value` into `memref` at `at`; only the lanes of `mask` when given.
void storeVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                 mlir::Value memref, mlir::ValueRange at,
                 std::optional<mlir::Value> mask);

/// Builds `body(ivs)` inside the task loops over [0, extents): one
/// scf.parallel when `parallel`, else a sequential nest. The builder's
/// insertion point is restored afterwards.
void buildTaskLoops(mlir::OpBuilder &b, mlir::Location loc,
                    llvm::ArrayRef<int64_t> extents, bool parallel,
                    llvm::function_ref<void(mlir::ValueRange ivs)> body);

/// Builds `body(iv)` inside `scf.for iv = lower to upper step step` (no
/// loop-carried values), then continues after the loop.
void buildFor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lower,
              mlir::Value upper, mlir::Value step,
              llvm::function_ref<void(mlir::Value iv)> body);

/// The most rows of `rowLength` elements that a vector of `lanes`
/// consecutive elements, starting anywhere in a row, reaches.
inline int64_t rowsReached(int64_t lanes, int64_t rowLength) {
  return lanes <= 1 ? 1 : (lanes - 2) / rowLength + 2;
}

/// The lanes of a `lanes`-lane vector of consecutive elements, the first at
/// column `column0` of its row (rows of `rowLength`), that fall in the
/// `part`-th row it reaches: lanes [part * rowLength - column0, + rowLength),
/// and `mask`'s when given.
mlir::Value rowPartMask(mlir::OpBuilder &b, mlir::Location loc, int64_t lanes,
                        mlir::Value column0, int64_t part, int64_t rowLength,
                        std::optional<mlir::Value> mask);

/// The mask of the first `valid` lanes of a `width`-lane vector.
mlir::Value firstLanesMask(mlir::OpBuilder &b, mlir::Location loc,
                           int64_t width, int64_t valid);

/// The accumulators a K block of a blocked kernel starts from:
/// `initial(true)`, the fused prologue's values, in the first block (`k0` is
/// 0) and `initial(false)`, the output's values, in the others. Without a
/// prologue only the latter is built, with a single K block only the former;
/// otherwise both, under an scf.if on `k0`, whose results (of `types`) are
/// returned.
llvm::SmallVector<mlir::Value> buildBlockInitial(
    mlir::OpBuilder &b, mlir::Location loc, bool hasPrologue, bool singleBlock,
    mlir::Value k0, mlir::TypeRange types,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(bool fromPrologue)>
        initial);

/// Stores the accumulators at the end of a K block: `store(true)` through
/// the fused epilogue in the last block (`k1` is `k`), `store(false)` in the
/// others; like buildBlockInitial, only one of them when there is no
/// epilogue or a single K block.
void buildBlockStore(mlir::OpBuilder &b, mlir::Location loc, bool hasEpilogue,
                     bool singleBlock, mlir::Value k1, int64_t k,
                     llvm::function_ref<void(bool withEpilogue)> store);

/// Whether `kernel`'s code multiplies and adds with fused multiply-adds:
/// every row but the generic ones, which run on CPUs without FMA.
bool usesFusedMultiplyAdd(KernelAttr kernel);

/// acc + x * y: one fused multiply-add when `fused`, else a multiply and an
/// add (the generic kernels: a CPU without FMA would call fmaf per lane).
mlir::Value multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y, mlir::Value acc, bool fused);

} // namespace dsk::cpu

#endif // DSK_LIB_CONVERSION_CPU_KERNELLOWERINGS_H
