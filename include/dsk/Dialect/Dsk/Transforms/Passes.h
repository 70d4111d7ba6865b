//===- Passes.h - dsk graph passes ------------------------------*- C++ -*-===//

#ifndef DSK_DIALECT_DSK_TRANSFORMS_PASSES_H
#define DSK_DIALECT_DSK_TRANSFORMS_PASSES_H

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace dsk {

#define GEN_PASS_DECL
#include "dsk/Dialect/Dsk/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dsk/Dialect/Dsk/Transforms/Passes.h.inc"

} // namespace dsk

#endif // DSK_DIALECT_DSK_TRANSFORMS_PASSES_H
