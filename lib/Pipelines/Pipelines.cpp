//===- Pipelines.cpp - named dsk pass pipelines ---------------------------===//

#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/Transforms/BufferizableOpInterfaceImpl.h"
#include "dsk/Dialect/Dsk/Transforms/Passes.h"

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/AllInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// One-shot bufferization as both CPU pipelines use it.
void addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Loops (imported Scan/Loop bodies) yield freshly computed states.
  bufferizeOptions.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
}

/// Loops on memrefs -> the LLVM dialect.
void addLoopsToLLVM(OpPassManager &pm) {
  // bf16 conversions become integer arithmetic: LLVM would otherwise call
  // compiler-rt's __truncsfbf2, which a model library does not link.
  arith::ArithExpandOpsPassOptions expandOptions;
  expandOptions.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOptions));
  // expand-strided-metadata emits affine.apply for dynamic subviews, so
  // affine lowering comes after it.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertVectorToLLVMPass());
  // Integer powers (ONNX Pow on integers) have no LLVM intrinsic: they
  // become small generated functions.
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLLVMPass());
  // What has no LLVM intrinsic (erf, tan, asin, ...) becomes a libm call.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

} // namespace

void dsk::buildReferenceCpuPipeline(OpPassManager &pm) {
  pm.addPass(createDskLowerToLinalg());
  // Importers and hand-written programs use arith/math directly on tensors.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createDskUntieEmptyTensors());
  addBufferization(pm);
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  addLoopsToLLVM(pm);
}

void dsk::buildCpuPipeline(OpPassManager &pm,
                           const CpuPipelineOptions &options) {
  // Kernels selected for the target: their constant operands are packed
  // while still tensors; the rest is the reference lowering.
  pm.addPass(createDskCpuPackWeights());
  // Pads write their border and interior once each, not the whole buffer
  // twice.
  pm.addPass(createDskCpuDecomposePad());
  pm.addPass(createDskLowerToLinalg());
  pm.addPass(createConvertElementwiseToLinalgPass());
  // Chains of elementwise nodes make one pass over memory.
  pm.addNestedPass<func::FuncOp>(createDskCpuFuseElementwise());
  // Each op writes its own destination (CSE shared them): empty-tensor
  // elimination and one-shot bufferization then decide per op, in time
  // linear in the graph.
  pm.addNestedPass<func::FuncOp>(createDskUntieEmptyTensors());

  DskExportModelOptions exportOptions;
  exportOptions.entry = options.entry;
  pm.addPass(createDskExportModel(exportOptions));
  pm.addPass(createCanonicalizerPass());
  // Results are computed straight into the caller's output buffers.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  addBufferization(pm);
  // Every temporary buffer is freed: a model runs many times.
  bufferization::buildBufferDeallocationPipeline(
      pm, bufferization::BufferDeallocationPipelineOptions());
  // Calls between functions return buffers through bufferization.clone.
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The library must not call MLIR's runner utilities (memrefCopy).
  pm.addNestedPass<func::FuncOp>(createDskExpandStridedCopies());
  // Profiling regions while every graph node is still one op.
  if (options.profileRegions)
    pm.addPass(createDskMarkProfileRegions());
  // The selected kernels' code; the remaining linalg ops become loops.
  DskCpuLowerKernelsOptions kernelOptions;
  kernelOptions.parallel = options.parallel;
  pm.addNestedPass<func::FuncOp>(createDskCpuLowerKernels(kernelOptions));
  // Intermediates (kernels' scratch included) live in the caller's
  // workspace, laid out at compile time.
  pm.addPass(createDskPlanMemory());
  // Contractions and convolutions get a vectorizable innermost loop.
  pm.addNestedPass<func::FuncOp>(createDskInterchangeLoops());
  DskLinalgToLoopsOptions loopOptions;
  loopOptions.parallel = options.parallel;
  loopOptions.minParallelIterations = options.minParallelIterations;
  pm.addNestedPass<func::FuncOp>(createDskLinalgToLoops(loopOptions));
  // erf/exp/tanh as arithmetic the loop vectorizer handles, not libm calls.
  pm.addPass(createDskCpuApproximateMath());
  // scf.parallel -> OpenMP worksharing loops (libomp at run time).
  if (options.parallel)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass());
  addLoopsToLLVM(pm);
}

void dsk::buildGraphPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createDskFuseAttention());
  pm.addPass(createCSEPass());
  // Last: kernels are chosen for the graph as the passes above left it.
  pm.addPass(createDskSelectKernels());
}

void dsk::registerPipelineDialects(DialectRegistry &registry) {
  registry
      .insert<DskDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, cf::ControlFlowDialect,
              func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
              math::MathDialect, memref::MemRefDialect, omp::OpenMPDialect,
              scf::SCFDialect, tensor::TensorDialect, vector::VectorDialect>();
  // Bufferization and buffer deallocation of the upstream ops the lowering
  // produces.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerAllDialectInterfaceImplementations(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  dsk::registerBufferizableOpInterfaceExternalModels(registry);
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
  registerConvertMathToFuncs();
  registerConvertMathToLLVMPass();
  registerConvertMathToLibmPass();
  registerArithToLLVMConversionPass();
  registerConvertControlFlowToLLVMPass();
  registerConvertFuncToLLVMPass();
  registerReconcileUnrealizedCastsPass();
  registerConvertSCFToOpenMPPass();
  arith::registerArithExpandOpsPass();
  registerConvertBufferizationToMemRefPass();
  registerConvertOpenMPToLLVMPass();
  bufferization::registerEmptyTensorEliminationPass();
  bufferization::registerBufferizationPipelines();

  PassPipelineRegistration<>(
      "dsk-graph-pipeline",
      "The graph-level pipeline that dsk-compile runs after import",
      buildGraphPipeline);
  PassPipelineRegistration<>(
      "dsk-reference-cpu-pipeline",
      "Lower dsk through linalg on tensors, bufferization and loops to the "
      "LLVM dialect (the slow reference path, runnable with mlir-runner)",
      buildReferenceCpuPipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "dsk-cpu-pipeline",
      "Compile a dsk model for the CPU: lower to linalg, export the model "
      "ABI (dsk-export-model), bufferize in place into the caller's buffers, "
      "free temporaries, and lower to the LLVM dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &options) {
        buildCpuPipeline(pm, options);
      });
}
