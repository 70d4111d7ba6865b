//===- Pipelines.h - named dsk pass pipelines -------------------*- C++ -*-===//

#ifndef DSK_PIPELINES_PIPELINES_H
#define DSK_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace dsk {

/// dsk → upstream tensors (dsk-lower-to-linalg, then elementwise arith/math
/// on tensors to linalg) → one-shot bufferization →
/// loops → LLVM dialect: the slow, obviously-correct path that every dsk
/// program can run through with mlir-runner.
void buildReferenceCpuPipeline(mlir::OpPassManager &pm);

/// Options of the CPU backend pipeline. The target comes from the module's
/// `dsk.target` (recorded in the model's metadata, checked by the runtime
/// when loading).
struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<std::string> entry{*this, "entry",
                            llvm::cl::desc("The function to export"),
                            llvm::cl::init("main_graph")};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the outer loops of large ops on OpenMP threads"),
      llvm::cl::init(true)};
  Option<int64_t> minParallelIterations{
      *this, "min-parallel-iterations",
      llvm::cl::desc("Ops with fewer iterations stay sequential"),
      llvm::cl::init(32768)};
  Option<bool> profileRegions{
      *this, "profile-regions",
      llvm::cl::desc("Mark every op for the runtime's profiler "
                     "(dsk-mark-profile-regions)"),
      llvm::cl::init(true)};
};

/// The CPU backend: dsk -> linalg on tensors -> dsk-export-model (the model
/// ABI: run function + metadata) -> in-place one-shot bufferization ->
/// buffer deallocation -> loops -> LLVM dialect, ready for translation to
/// LLVM IR.
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options);

/// The graph-level pipeline run after import: canonicalize (which also
/// quantizes constant weights), dsk-fuse-attention, CSE, and
/// dsk-select-kernels (which reads the module's dsk.target; without one it
/// does nothing). Graph passes join it as they land.
void buildGraphPipeline(mlir::OpPassManager &pm);

/// Registers the dialects and external interface models (bufferization,
/// buffer deallocation) that the pipelines' passes need.
void registerPipelineDialects(mlir::DialectRegistry &registry);

/// Registers the named pipelines (`dsk-graph-pipeline`,
/// `dsk-reference-cpu-pipeline`) and the upstream passes they are built from,
/// so that dsk-opt can run either.
void registerPipelines();

} // namespace dsk

#endif // DSK_PIPELINES_PIPELINES_H
