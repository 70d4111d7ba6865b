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

/// Replaces `op`, a packed product of dsk-cpu-pack-weights (either form)
/// that `kernel` describes, with the GEMM kernel. Returns false, changing
/// nothing, when `op` is not exactly such a product on buffers.
bool lowerPackedGemm(mlir::RewriterBase &rewriter, mlir::linalg::GenericOp op,
                     KernelAttr kernel, const ThreadingOptions &options);

/// Replaces `op` with the depthwise convolution kernel `kernel`; false,
/// changing nothing, when the op's buffers do not fit the kernel.
bool lowerDepthwiseConv(mlir::RewriterBase &rewriter,
                        mlir::linalg::DepthwiseConv2DNchwChwOp op,
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

/// The mask of the first `valid` lanes of a `width`-lane vector.
mlir::Value firstLanesMask(mlir::OpBuilder &b, mlir::Location loc,
                           int64_t width, int64_t valid);

/// Whether `kernel`'s code multiplies and adds with fused multiply-adds:
/// every row but the generic ones, which run on CPUs without FMA.
bool usesFusedMultiplyAdd(KernelAttr kernel);

/// acc + x * y: one fused multiply-add when `fused`, else a multiply and an
/// add (the generic kernels: a CPU without FMA would call fmaf per lane).
mlir::Value multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y, mlir::Value acc, bool fused);

} // namespace dsk::cpu

#endif // DSK_LIB_CONVERSION_CPU_KERNELLOWERINGS_H
