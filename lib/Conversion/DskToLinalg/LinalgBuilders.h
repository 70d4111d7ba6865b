//===- LinalgBuilders.h - helpers of the dsk reference lowering -*- C++ -*-===//
//
// Small builders for the linalg.generic ops that the reference lowering is
// made of, and the masked-softmax attention core shared by dsk.attention,
// dsk.multiscale_attention and dsk.sparse_attention.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_CONVERSION_DSKTOLINALG_LINALGBUILDERS_H
#define DSK_LIB_CONVERSION_DSKTOLINALG_LINALGBUILDERS_H

#include "dsk/Dialect/Dsk/Utils/ScalarCasts.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <functional>

namespace dsk::lowering {

using dsk::scalarConstant;

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// `tensor.empty` of a static shape.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<int64_t> shape, mlir::Type elementType);

/// A tensor of `shape` in `accType` holding `bias` broadcast to it (numpy
/// rules; `biasUnsigned` for ui storage), or zeros without a bias: the
/// accumulator that products with a bias start from.
mlir::Value biasOrZeros(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value bias, bool biasUnsigned,
                        llvm::ArrayRef<int64_t> shape, mlir::Type accType);

/// A tensor of `shape` filled with the float or integer `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                         double value);

/// The indexing map that reads an operand of `operandShape`, broadcast with
/// NumPy rules (aligned from the right) against `targetShape`, whose
/// dimension `t` is iterated by loop `targetLoops[t]`. Size-1 dimensions that
/// stretch are read at index 0.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, unsigned numLoops,
                             llvm::ArrayRef<int64_t> operandShape,
                             llvm::ArrayRef<int64_t> targetShape,
                             llvm::ArrayRef<unsigned> targetLoops);

/// The map `(d0, ..., dn-1) -> (dims...)`.
mlir::AffineMap projectionMap(mlir::MLIRContext *ctx, unsigned numLoops,
                              llvm::ArrayRef<unsigned> dims);

/// A linalg.generic with one output `init`; `body` gets the scalar block
/// arguments (inputs, then the output) and returns the value to yield.
mlir::Value buildGeneric(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::ValueRange inputs,
                         llvm::ArrayRef<mlir::AffineMap> inputMaps,
                         mlir::Value init, mlir::AffineMap outputMap,
                         llvm::ArrayRef<mlir::utils::IteratorType> iterators,
                         BodyFn body);

/// An elementwise linalg.generic over tensors of one static shape.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange inputs,
                             mlir::Type resultElementType, BodyFn body);

/// Converts every element of `tensor` to `elementType` (a no-op if equal).
mlir::Value convertTensor(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value tensor, mlir::Type elementType,
                          bool srcUnsigned = false);

/// `result[..., n] = init[..., n] + sum_k input[..., k] * weight[k, n]` in
/// the element type of `init`.
mlir::Value buildRowTimesMatrix(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value input, mlir::Value weight,
                                mlir::Value init);

/// How one attention variant masks its scores. `inputs` are extra tensors
/// read by `apply` through `maps` (over the loops (b, h, i, j)); `apply`
/// gets the loop indices, those inputs' scalars and the scaled score, and
/// returns the masked score (use -inf to exclude a key).
struct ScoreMask {
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::AffineMap> maps;
  std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                            mlir::ValueRange indices, mlir::ValueRange inputs,
                            mlir::Value score)>
      apply;
};

/// softmax_j(scale * q·kᵀ masked by `mask`)·v, computed in f32 (or f64 for
/// f64 operands): q [B, H, Sq, D], k [B, H, Sk, D], v [B, H, Sk, Dv] →
/// [B, H, Sq, Dv] in the compute type.
mlir::Value buildAttention(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value query, mlir::Value key,
                           mlir::Value value, double scale,
                           const ScoreMask &mask);

/// The type attention arithmetic runs in for operands of `elementType`.
mlir::FloatType attentionComputeType(mlir::Type elementType);

} // namespace dsk::lowering

#endif // DSK_LIB_CONVERSION_DSKTOLINALG_LINALGBUILDERS_H
