//===- ModelABIBuilders.h - IR for the model ABI's pieces -------*- C++ -*-===//
//
// Shared by the passes that build the model ABI (dsk-export-model) and fill
// in what is known only after bufferization (dsk-plan-memory,
// dsk-mark-profile-regions).
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_CONVERSION_MODELEXPORT_MODELABIBUILDERS_H
#define DSK_LIB_CONVERSION_MODELEXPORT_MODELABIBUILDERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace dsk::model_abi {

/// The metadata line that holds the workspace size (ModelABI.h), with its
/// newline. dsk-export-model writes it with 0; dsk-plan-memory replaces that
/// line with the planned size.
std::string workspaceLine(int64_t bytes);

/// Percent-encodes a metadata field so that it never contains a space
/// (ModelABI.h).
std::string encodeName(llvm::StringRef name);

/// Replaces the text of the module's metadata global with what `edit` makes
/// of it; `edit` reports (on the global) and fails when the text lacks what
/// it needs. Fails, reporting, when the module has no metadata text.
mlir::LogicalResult
editMetadata(mlir::ModuleOp module,
             llvm::function_ref<mlir::LogicalResult(std::string &text,
                                                    mlir::Operation *global)>
                 edit);

/// Builds the memref descriptor of a dense, row-major buffer at `data` (an
/// !llvm.ptr), as the LLVM lowering of memrefs lays it out, and casts it to
/// `type`; the cast folds away against the lowering's own casts.
mlir::Value buildMemRefFromPointer(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::Value data, mlir::MemRefType type);

} // namespace dsk::model_abi

#endif // DSK_LIB_CONVERSION_MODELEXPORT_MODELABIBUILDERS_H
