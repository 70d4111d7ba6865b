//===- ImageOps.cpp - ONNX image operators ---------------------------------===//

#include "Builders.h"

using namespace mlir;

namespace dsk::onnx_import {

void registerImageOps(OpRegistry &registry) { (void)registry; }

} // namespace dsk::onnx_import
