//===- Import.h - ONNX model importer ---------------------------*- C++ -*-===//
//
// Reads ONNX models (protobuf, with external data files) into a module of
// dsk and upstream operations on tensors. Every problem with the model is
// reported as a diagnostic that names the file, the node (name, op type,
// domain, opset) and what is wrong; nothing in a model can crash the
// importer or make it allocate more than the model's data really holds.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_FRONTEND_ONNX_IMPORT_H
#define DSK_FRONTEND_ONNX_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace dsk::onnx_import {

struct ImportOptions {
  /// Subgraphs (If/Loop/Scan bodies) nested deeper than this are rejected.
  unsigned maxGraphDepth = 32;
  /// Constants with more elements than this are not computed at import
  /// time (folding shape computations, Gather/Slice/Concat of constants);
  /// the ops stay in the graph and run in the compiled code instead. Bounds
  /// the compile time and memory a model's constants can demand.
  int64_t maxFoldElements = 1 << 16;
  /// Name of the function that holds the main graph.
  std::string functionName = "main_graph";
  /// Sizes for symbolic dimensions (ONNX dim_param names): every dimension
  /// of a graph input, output or value_info named here becomes static, so a
  /// model with a symbolic batch size can be compiled for one size.
  llvm::StringMap<int64_t> dimSizes;
};

/// Registers the dialects the importer produces.
void registerDialects(mlir::DialectRegistry &registry);

/// Imports the ONNX model in file `path`. External data files are resolved
/// relative to the model's folder and must stay inside it. Returns null after
/// reporting an error through the context's diagnostic handler.
mlir::OwningOpRef<mlir::ModuleOp> importModelFile(mlir::MLIRContext &context,
                                                  llvm::StringRef path,
                                                  const ImportOptions &options);

/// Imports a serialized model held in memory; `modelDir` is where external
/// data files are looked up (empty: external data is an error), and
/// `sourceName` names the model in diagnostics.
mlir::OwningOpRef<mlir::ModuleOp>
importModelBuffer(mlir::MLIRContext &context, llvm::StringRef bytes,
                  llvm::StringRef sourceName, llvm::StringRef modelDir,
                  const ImportOptions &options);

} // namespace dsk::onnx_import

#endif // DSK_FRONTEND_ONNX_IMPORT_H
