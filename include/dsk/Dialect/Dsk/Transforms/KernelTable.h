//===- KernelTable.h - which kernel computes an op on a target --*- C++ -*-===//
//
// The per-target table that dsk-select-kernels consults. Each row names a
// kernel that a backend lowering implements, the target features it needs,
// the ops (shapes, element types, operand kinds) it computes, and its tile
// sizes (for the target the row is for). Rows are tried in order, so the most
// specific (widest vectors) come first. Quantized, sparse and GPU kernels are
// added as rows here, next to a lowering that honours them.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_TRANSFORMS_KERNELTABLE_H
#define DSK_DIALECT_DSK_TRANSFORMS_KERNELTABLE_H

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>

namespace dsk {

/// Kernel names shared by the table and the lowerings that implement them.
namespace kernels {
/// Whether `name` is a row for any CPU ("generic.*"): its code uses no
/// feature beyond the baseline, not even FMA.
inline bool isGeneric(llvm::StringRef name) {
  return name.starts_with("generic.");
}

/// f32 GEMM with the constant right-hand side packed at compile time into
/// panels of NR columns and a register-blocked MR x NR microkernel.
/// Tiles: [MR, NR, KC, vector width].
constexpr llvm::StringLiteral kGemmF32Avx512 = "x86.avx512f.gemm_f32";
constexpr llvm::StringLiteral kGemmF32Avx2 = "x86.avx2.gemm_f32";
constexpr llvm::StringLiteral kGemmF32Generic = "generic.gemm_f32";

/// Whether `tiles` fit the GEMM and convolution kernels: [MR, NR, KC,
/// width] with NR a multiple of the vector width.
inline bool isValidGemmTiles(llvm::ArrayRef<int64_t> tiles) {
  return tiles.size() == 4 && tiles[1] % tiles[3] == 0;
}

/// Whether `name` is one of the f32 GEMM kernels.
inline bool isGemmF32(llvm::StringRef name) {
  return name == kGemmF32Avx512 || name == kGemmF32Avx2 ||
         name == kGemmF32Generic;
}

/// f32 2-D convolution (NCHW) as a GEMM whose left-hand side is the
/// constant filter, packed at compile time into slivers of MR output
/// channels, and whose right-hand side is the input's patches (the input
/// itself for a 1x1 convolution with unit strides): out[n][f][p] =
/// sum_k W[f][k] * patches[n][k][p], computed by the register-blocked
/// microkernel of the GEMM kernels over MR channels x NR output positions.
/// Tiles: [MR, NR, KC, vector width].
constexpr llvm::StringLiteral kConv2dF32Avx512 = "x86.avx512f.conv2d_f32";
constexpr llvm::StringLiteral kConv2dF32Avx2 = "x86.avx2.conv2d_f32";
constexpr llvm::StringLiteral kConv2dF32Generic = "generic.conv2d_f32";

/// f32 2-D convolution (NCHW) with the output channels, not positions, in
/// the vector lanes, for layers whose positions fill vectors worse than
/// their channels (7x7 = 49 positions fill four 16-lane vectors to 77%):
/// out^T[n][p][f] = sum_k patches^T[n][p][k] * W^T[k][f], the constant
/// filter packed at compile time into panels of NR channels
/// (Wp[F/NR][K][NR]), blocks of MR positions of the patches packed on the
/// fly, and each MR x NR tile transposed in registers on its way to and
/// from the NCHW output. Tiles: [MR, NR, KC, vector width], MR a power of
/// two that divides the width.
constexpr llvm::StringLiteral kConv2dChannelsF32Avx512 =
    "x86.avx512f.conv2d_channels_f32";
constexpr llvm::StringLiteral kConv2dChannelsF32Avx2 =
    "x86.avx2.conv2d_channels_f32";
constexpr llvm::StringLiteral kConv2dChannelsF32Generic =
    "generic.conv2d_channels_f32";

/// Whether `name` is one of the channels-in-lanes convolution kernels.
inline bool isConv2dChannelsF32(llvm::StringRef name) {
  return name == kConv2dChannelsF32Avx512 || name == kConv2dChannelsF32Avx2 ||
         name == kConv2dChannelsF32Generic;
}

/// Whether `tiles` fit the channels-in-lanes convolution kernels.
inline bool isValidChannelsConvTiles(llvm::ArrayRef<int64_t> tiles) {
  return isValidGemmTiles(tiles) && tiles[0] > 0 &&
         llvm::isPowerOf2_64(tiles[0]) && tiles[3] % tiles[0] == 0;
}

/// f32 depthwise 2-D convolution (NCHW, one filter per channel): per
/// channel and output row, vectors of output columns accumulate one FMA per
/// filter tap (weights broadcast once per channel; stride-2 inputs the even
/// lanes of two vector loads, other strides gathered).
/// Tiles: [vector width].
constexpr llvm::StringLiteral kDepthwiseConv2dF32Avx512 =
    "x86.avx512f.dwconv2d_f32";
constexpr llvm::StringLiteral kDepthwiseConv2dF32Avx2 = "x86.avx2.dwconv2d_f32";
constexpr llvm::StringLiteral kDepthwiseConv2dF32Generic =
    "generic.dwconv2d_f32";

/// Whether `name` is one of the f32 depthwise convolution kernels.
inline bool isDepthwiseConv2dF32(llvm::StringRef name) {
  return name == kDepthwiseConv2dF32Avx512 || name == kDepthwiseConv2dF32Avx2 ||
         name == kDepthwiseConv2dF32Generic;
}

/// f32 max and sum 2-D pooling (NCHW; the sum before an average's
/// division): the depthwise kernels' windows with a maximum or an addition
/// per tap instead of an FMA. Tiles: [vector width].
constexpr llvm::StringLiteral kPool2dF32Avx512 = "x86.avx512f.pool2d_f32";
constexpr llvm::StringLiteral kPool2dF32Avx2 = "x86.avx2.pool2d_f32";
constexpr llvm::StringLiteral kPool2dF32Generic = "generic.pool2d_f32";

/// Whether `name` is one of the f32 pooling kernels.
inline bool isPool2dF32(llvm::StringRef name) {
  return name == kPool2dF32Avx512 || name == kPool2dF32Avx2 ||
         name == kPool2dF32Generic;
}

/// f32 attention (dsk.attention, f32 or no mask): per (batch, head) and
/// block of MR query rows, keys in blocks of one vector, with the block's
/// scores in registers (the key matrix transposed once so that a vector
/// holds one score per key) and an online softmax that rescales the
/// running output; the scores matrix is never materialised.
/// Tiles: [MR, vector width].
constexpr llvm::StringLiteral kAttentionF32Avx512 = "x86.avx512f.attention_f32";
constexpr llvm::StringLiteral kAttentionF32Avx2 = "x86.avx2.attention_f32";
constexpr llvm::StringLiteral kAttentionF32Generic = "generic.attention_f32";

/// Whether `name` is one of the f32 attention kernels.
inline bool isAttentionF32(llvm::StringRef name) {
  return name == kAttentionF32Avx512 || name == kAttentionF32Avx2 ||
         name == kAttentionF32Generic;
}

/// Whether `name` is one of the f32 convolution kernels.
inline bool isConv2dF32(llvm::StringRef name) {
  return name == kConv2dF32Avx512 || name == kConv2dF32Avx2 ||
         name == kConv2dF32Generic;
}
} // namespace kernels

/// One row of the kernel table.
struct KernelRow {
  /// The kernel's name, as `#dsk.kernel` records it.
  std::string name;
  /// The kind of target the kernel runs on.
  TargetKind targetKind = TargetKind::CPU;
  /// Target features the kernel's code needs (LLVM names).
  llvm::SmallVector<std::string> requiredFeatures;
  /// The kind of op the kernel is for (e.g. dsk.matmul); rows for other
  /// kinds are not tried, nor listed in the report's reasons.
  std::function<bool(mlir::Operation *op)> handles;
  /// Whether the kernel computes `op`, an op it handles; when not, `whyNot`
  /// says why (one short clause, for the report).
  std::function<bool(mlir::Operation *op, std::string &whyNot)> matches;
  /// The kernel's tile sizes (their meaning is the kernel's: see the
  /// kernel names above).
  llvm::SmallVector<int64_t> tiles;
};

/// The table, its rows in the order they are tried.
class KernelTable {
public:
  /// The process-wide table.
  static KernelTable &get();

  llvm::ArrayRef<KernelRow> getRows() const { return rows; }

private:
  KernelTable();
  llvm::SmallVector<KernelRow> rows;
};

/// The outcome of selecting a kernel for one op.
struct KernelSelection {
  /// The selected kernel, or null when no row applies.
  KernelAttr kernel;
  /// When no row applies: why, row by row.
  std::string reason;
};

/// Whether dsk-select-kernels considers `op` (dsk compute ops and linalg
/// convolutions).
bool isSelectableComputeOp(mlir::Operation *op);

/// Selects the first row of the table whose features `target` provides and
/// that computes `op`.
KernelSelection selectKernel(mlir::Operation *op, TargetAttr target);

/// Prints one line per compute op of `module`: the op, where it comes from,
/// its operand and result shapes, and its kernel with tiles, or that it keeps
/// the reference lowering and why.
void printKernelReport(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace dsk

#endif // DSK_DIALECT_DSK_TRANSFORMS_KERNELTABLE_H
