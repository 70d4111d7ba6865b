//===- ConvPatches.h - a convolution's patches read from its input -*- C++
//-*-===//
//
// Private to lib/Conversion/CPU. The convolution form of the packed GEMM
// multiplies the packed filter by the patch matrix [N][C*KH*KW][OH*OW] of the
// input (im2col). dsk-cpu-pack-weights can leave that matrix implicit: the
// product reads the input [N][C][IH][IW] through an affine map, and the GEMM
// kernel packs its blocks of patches straight from the input, so the copy is
// never made. This header owns that map, both ways (build and recognise),
// and the vector loads of one row of patches.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_CONVERSION_CPU_CONVPATCHES_H
#define DSK_LIB_CONVERSION_CPU_CONVPATCHES_H

#include "KernelLowerings.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <array>
#include <optional>

namespace dsk::cpu {

/// How the patch matrix of a 2-D convolution reads its input: patch row
/// k = (c * KH + kh) * KW + kw, column p = oh * OW + ow is input element
/// [n][c][oh * strideH + kh * dilationH][ow * strideW + kw * dilationW].
struct PatchGeometry {
  int64_t kernelH, kernelW;
  int64_t outH, outW;
  int64_t strideH, strideW;
  int64_t dilationH, dilationW;
  /// When set, the input is the interior of a padded buffer whose frame
  /// holds zeros: coordinates are the padded buffer's minus the frame's top
  /// and left, and the elements outside the interior are zeros, not read.
  std::optional<FilledFrame> frame;

  /// The input element that the packed product's loops (n, f, p, k) read.
  mlir::AffineMap inputMap(mlir::MLIRContext *ctx) const;

  /// The geometry whose inputMap is `map`, for a patch matrix of `k` rows and
  /// `p` columns over an input of shape `inputShape` ([N][C][IH][IW]); none
  /// when no geometry gives exactly that map.
  static std::optional<PatchGeometry> match(mlir::AffineMap map,
                                            llvm::ArrayRef<int64_t> inputShape,
                                            int64_t k, int64_t p);
};

/// The packed product of a convolution as dsk-cpu-pack-weights builds it,
/// on buffers: loops (n, f, p, k), out[n][f][p] += Wp[f floordiv T][k][f mod
/// T] * patches, the filter in blocks of T = `channelTile` output channels,
/// Wp[ceil(F/T)][K][T], the patches a matrix [N][K][P] read at (n, k, p) or
/// the convolution's input read through a patch geometry.
struct ConvProduct {
  mlir::Value filter, patches, out;
  int64_t batch, channels, positions, k;
  /// Set when the patches are the convolution's input.
  std::optional<PatchGeometry> geometry;
};

/// `op` as such a product, exactly, with static f32 buffers contiguous in
/// their last dimension; none otherwise (both convolution kernels' match).
std::optional<ConvProduct> matchConvProduct(mlir::linalg::GenericOp op,
                                            int64_t channelTile);

/// When `input`, the buffer `reader` reads its patches from through
/// `geometry`, is a padded buffer whose frame holds zeros, makes `input`
/// its interior and `geometry` skip the frame.
void readInsideZeroFrame(mlir::OpBuilder &b, mlir::Operation *reader,
                         mlir::Value &input, PatchGeometry &geometry);

/// Loads vectors of rows of patches from the input: columns [q, q + width)
/// of the KW rows k = g * KW + kw of one tap row g = c * KH + kh. The
/// columns may reach several output rows; each row's lanes are one masked
/// load (unit column stride), the even elements of two (stride 2) or a
/// gather (other strides). What depends on the columns only (and, with a
/// frame, which lanes of each tap column are inside it) is computed once
/// per vector of columns (prepare), outside the loop over tap rows
/// (loadTapRow).
class PatchLoader {
public:
  PatchLoader(mlir::OpBuilder &b, mlir::Location loc,
              const PatchGeometry &geometry, mlir::Value input,
              mlir::VectorType vectorType);

  /// The output rows that columns [q, q + width) reach: where each starts
  /// and, per tap column, the lanes loaded from it.
  struct Columns {
    llvm::SmallVector<mlir::Value> inputRows, inputColumns;
    /// Per row and tap column kw (none: all lanes).
    llvm::SmallVector<llvm::SmallVector<std::optional<mlir::Value>>> masks;
    /// Stride 2, per row and tap column: the masks of the two loads whose
    /// even elements are the lanes.
    llvm::SmallVector<llvm::SmallVector<std::array<mlir::Value, 2>>> halfMasks;
  };

  /// The columns [q, q + width), q a multiple of the width, the lanes of
  /// `mask` (all when none).
  Columns prepare(mlir::Value q, std::optional<mlir::Value> mask);

  /// Rows g * KW + kw, kw in [0, KW), of the patches of image `image` at
  /// `columns`, for g = `tapRowIndex`; zeros in the lanes off the mask and
  /// outside the frame.
  llvm::SmallVector<mlir::Value> loadTapRow(const Columns &columns,
                                            mlir::Value image,
                                            mlir::Value tapRowIndex);

private:
  mlir::Value index(int64_t value);
  /// The masks of the two loads whose even elements are the lanes of
  /// `laneMask` (all lanes when none), stride 2.
  std::array<mlir::Value, 2> halfMasks(std::optional<mlir::Value> laneMask);

  mlir::OpBuilder &b;
  mlir::Location loc;
  const PatchGeometry &geometry;
  mlir::Value input;
  mlir::VectorType vectorType;
  /// Column stride 2 read as the even elements of two vectors (a vector of
  /// one lane is gathered instead: its second vector would read past it).
  bool evenElements;
  /// The lane offsets 0, s, 2s, ... of a gather (other strides above 1).
  mlir::Value gatherOffsets;
};

} // namespace dsk::cpu

#endif // DSK_LIB_CONVERSION_CPU_CONVPATCHES_H
