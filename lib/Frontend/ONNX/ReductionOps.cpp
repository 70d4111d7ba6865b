//===- ReductionOps.cpp - ONNX reduction operators
//----------------------------------===//

#include "Builders.h"

using namespace mlir;

namespace dsk::onnx_import {

void registerReductionOps(OpRegistry &registry) { (void)registry; }

} // namespace dsk::onnx_import
