//===- Pipelines.cpp - named dsk pass pipelines ---------------------------===//

#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dsk::buildReferenceCpuPipeline(OpPassManager &pm) {
  pm.addPass(createDskLowerToLinalg());
  // Importers and hand-written programs use arith/math directly on tensors.
  pm.addPass(createConvertElementwiseToLinalgPass());

  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  // Loops (imported Scan/Loop bodies) yield freshly computed states.
  bufferizeOptions.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // expand-strided-metadata emits affine.apply for dynamic subviews, so
  // affine lowering comes after it.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  // What has no LLVM intrinsic (erf, tan, asin, ...) becomes a libm call.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void dsk::buildGraphPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createDskFuseAttention());
  pm.addPass(createCSEPass());
}

void dsk::registerPipelines() {
  // The upstream passes the pipelines use, so each can also run on its own.
  registerCanonicalizerPass();
  registerCSEPass();
  bufferization::registerOneShotBufferizePass();
  registerConvertElementwiseToLinalgPass();
  registerConvertLinalgToLoopsPass();
  registerLowerAffinePass();
  registerSCFToControlFlowPass();
  memref::registerExpandStridedMetadataPass();
  registerFinalizeMemRefToLLVMConversionPass();
  registerConvertVectorToLLVMPass();
  registerConvertMathToLLVMPass();
  registerConvertMathToLibmPass();
  registerArithToLLVMConversionPass();
  registerConvertControlFlowToLLVMPass();
  registerConvertFuncToLLVMPass();
  registerReconcileUnrealizedCastsPass();

  PassPipelineRegistration<>(
      "dsk-graph-pipeline",
      "The graph-level pipeline that dsk-compile runs after import",
      buildGraphPipeline);
  PassPipelineRegistration<>(
      "dsk-reference-cpu-pipeline",
      "Lower dsk through linalg on tensors, bufferization and loops to the "
      "LLVM dialect (the slow reference path, runnable with mlir-runner)",
      buildReferenceCpuPipeline);
}
