//===- RecurrentOps.cpp - ONNX recurrent operators ------------------------===//

#include "Builders.h"

using namespace mlir;

namespace dsk::onnx_import {

void registerRecurrentOps(OpRegistry &registry) { (void)registry; }

} // namespace dsk::onnx_import
