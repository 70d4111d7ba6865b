//===- TensorOps.cpp - ONNX tensor operators
//----------------------------------===//

#include "Builders.h"

using namespace mlir;

namespace dsk::onnx_import {

void registerTensorOps(OpRegistry &registry) { (void)registry; }

} // namespace dsk::onnx_import
