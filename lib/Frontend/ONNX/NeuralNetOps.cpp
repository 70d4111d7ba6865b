//===- NeuralNetOps.cpp - ONNX neuralnet operators
//----------------------------------===//

#include "Builders.h"

using namespace mlir;

namespace dsk::onnx_import {

void registerNeuralNetOps(OpRegistry &registry) { (void)registry; }

} // namespace dsk::onnx_import
