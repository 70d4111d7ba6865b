//===- LinearOps.h - products shared by converter families ------*- C++ -*-===//
//
// The matrix product and convolution builders, and the integer-operand
// helpers of the quantized forms, that more than one converter family uses:
// MatMulOps.cpp defines the matrix products and zero-point helpers,
// ConvolutionOps.cpp the convolution; QuantizationOps.cpp builds
// QLinearMatMul and QLinearConv on both.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_FRONTEND_ONNX_LINEAROPS_H
#define DSK_LIB_FRONTEND_ONNX_LINEAROPS_H

#include "ImporterImpl.h"

namespace dsk::onnx_import {

/// MatMul semantics (NumPy matmul) as dsk.matmul: 1-D operands are promoted
/// to matrices and the added dimension removed from the result. `acc` is
/// the accumulator type (null: the op's default).
mlir::FailureOr<mlir::Value> buildNumpyMatmul(NodeContext &ctx, mlir::Value lhs,
                                              mlir::Value rhs,
                                              mlir::Type resultElement,
                                              mlir::Type acc);

/// A convolution of x [N, C, ...] with w [M, C/group, K...] plus an
/// optional bias [M], all of one element type (float, or i32 for the
/// integer forms), with the node's window attributes.
mlir::FailureOr<mlir::Value> buildConv(NodeContext &ctx, mlir::Value x,
                                       mlir::Value w, mlir::Value bias);

/// Where a 1-D zero point (or scale) of several elements applies.
enum class ParamAxis {
  Last,    // per column of a matrix: broadcasts as it is
  Row,     // per row of a matrix: reshaped to [M, 1]
  Leading, // per output channel of a weight [M, ...]: [M, 1, ..., 1]
};

/// A 1-D per-row or per-leading-dim parameter reshaped to broadcast against
/// a tensor of rank `rank`.
mlir::Value alignParam(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value param, int64_t rank, ParamAxis axis);

/// Integer input `input` of MatMulInteger/ConvInteger/QLinear* minus its
/// zero point (input `zeroPoint`, optional), widened to i32.
mlir::FailureOr<mlir::Value> subtractZeroPoint(NodeContext &ctx, size_t input,
                                               size_t zeroPoint,
                                               ParamAxis axis);

} // namespace dsk::onnx_import

#endif // DSK_LIB_FRONTEND_ONNX_LINEAROPS_H
