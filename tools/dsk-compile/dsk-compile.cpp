//===- dsk-compile.cpp - the dsk model compiler driver --------------------===//
//
//   dsk-compile model.onnx --emit=mlir -o model.mlir
//
// Imports an ONNX model and runs the graph pipeline. Emit levels:
//   onnx-ir  the raw import (dsk + upstream ops on tensors, no passes)
//   mlir     after the graph pipeline
// Later levels (llvm, obj, lib, ptx) come with the backends.
//
//===----------------------------------------------------------------------===//

#include "dsk/Frontend/ONNX/Import.h"
#include "dsk/Pipelines/Pipelines.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace {

enum class EmitLevel { OnnxIR, MLIR };

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<model.onnx>"),
                                     llvm::cl::Required);
llvm::cl::opt<std::string> outputFile("o", llvm::cl::desc("Output file"),
                                      llvm::cl::value_desc("file"),
                                      llvm::cl::init("-"));
llvm::cl::opt<EmitLevel> emitLevel(
    "emit", llvm::cl::desc("What to produce"), llvm::cl::init(EmitLevel::MLIR),
    llvm::cl::values(clEnumValN(EmitLevel::OnnxIR, "onnx-ir",
                                "The imported graph, before any pass"),
                     clEnumValN(EmitLevel::MLIR, "mlir",
                                "After the graph pipeline")));
llvm::cl::opt<bool> verbose("v", llvm::cl::desc("Print stages and timings"));
llvm::cl::alias verboseLong("verbose", llvm::cl::aliasopt(verbose));

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  llvm::cl::ParseCommandLineOptions(argc, argv, "dsk model compiler\n");

  DialectRegistry registry;
  dsk::onnx_import::registerDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  llvm::TimerGroup timers("dsk-compile", "dsk-compile stages");
  auto stage = [&](StringRef name) {
    if (verbose)
      llvm::errs() << "[dsk-compile] " << name << "\n";
  };

  stage("import " + inputFile);
  llvm::Timer importTimer("import", "ONNX import", timers);
  if (verbose)
    importTimer.startTimer();
  dsk::onnx_import::ImportOptions options;
  OwningOpRef<ModuleOp> module =
      dsk::onnx_import::importModelFile(context, inputFile, options);
  if (verbose)
    importTimer.stopTimer();
  if (!module)
    return 1;

  if (emitLevel == EmitLevel::MLIR) {
    stage("graph pipeline");
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    if (verbose)
      pm.enableTiming();
    dsk::buildGraphPipeline(pm);
    if (failed(pm.run(*module)))
      return 1;
  }

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "dsk-compile: " << error << "\n";
    return 1;
  }
  module->print(output->os());
  output->keep();
  if (verbose)
    timers.print(llvm::errs());
  return 0;
}
