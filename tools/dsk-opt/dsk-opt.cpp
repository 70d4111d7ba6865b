//===- dsk-opt.cpp - mlir-opt for the dsk dialect -------------------------===//
//
// Runs dsk passes and pipelines on MLIR files. Registers the dsk dialect and
// only the upstream dialects, interfaces and passes that dsk programs and the
// dsk pipelines use.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/Transforms/Passes.h"
#include "dsk/Pipelines/Pipelines.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  dsk::registerPipelineDialects(registry);

  dsk::registerDskConversionPasses();
  dsk::registerDskTransformsPasses();
  dsk::registerPipelines();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dsk optimizer driver\n", registry));
}
