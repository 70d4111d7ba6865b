//===- Pipelines.h - named dsk pass pipelines -------------------*- C++ -*-===//

#ifndef DSK_PIPELINES_PIPELINES_H
#define DSK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace dsk {

/// dsk → upstream tensors (dsk-lower-to-linalg, then elementwise arith/math
/// on tensors to linalg) → one-shot bufferization →
/// loops → LLVM dialect: the slow, obviously-correct path that every dsk
/// program can run through with mlir-runner.
void buildReferenceCpuPipeline(mlir::OpPassManager &pm);

/// The graph-level pipeline run after import: canonicalize (which also
/// quantizes constant weights), dsk-fuse-attention, CSE. Graph passes join
/// it as they land.
void buildGraphPipeline(mlir::OpPassManager &pm);

/// Registers the named pipelines (`dsk-graph-pipeline`,
/// `dsk-reference-cpu-pipeline`) and the upstream passes they are built from,
/// so that dsk-opt can run either.
void registerPipelines();

} // namespace dsk

#endif // DSK_PIPELINES_PIPELINES_H
