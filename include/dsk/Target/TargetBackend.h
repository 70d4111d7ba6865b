//===- TargetBackend.h - the interface every dsk backend implements -*- C++
//-*-===//
//
// A target backend turns a dsk module whose `dsk.target` attribute it set
// into an artifact: it resolves `-target=NAME` into a #dsk.target, registers
// the dialects its pipeline needs, builds that pipeline, and emits each level
// that `dsk-compile --emit=` names. The driver knows nothing else about a
// target: import -> graph pipeline -> backend.buildPipeline ->
// backend.emit.
//
// Backends register themselves in the TargetBackendRegistry (see
// registerAllTargetBackends in dsk/Target/Targets.h); the first backend that
// accepts a -target name handles it.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_TARGET_TARGETBACKEND_H
#define DSK_TARGET_TARGETBACKEND_H

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dsk {

/// What a backend produces after its pipeline, one stage further each.
enum class EmitLevel {
  /// The module after the backend pipeline (LLVM dialect for the CPU).
  MLIRLLVM,
  /// Optimized LLVM IR.
  LLVMIR,
  /// Target assembly, for FileCheck tests of the instructions a kernel uses.
  Assembly,
  /// An object file.
  Object,
  /// A shared library with the dsk model ABI.
  Library,
};

/// The `--emit=` spelling of `level`.
llvm::StringRef stringifyEmitLevel(EmitLevel level);

/// Receives the stages a backend runs, so that `dsk-compile -v` can print
/// them with their times.
class CompileStages {
public:
  virtual ~CompileStages();
  virtual void begin(const llvm::Twine &name) = 0;
  virtual void end() = 0;
};

/// What every backend's emission takes from the driver.
struct EmitOptions {
  /// Where the artifact goes; "-" is standard output (text levels only).
  std::string outputPath = "-";
  /// LLVM optimization level, 0-3.
  unsigned optLevel = 2;
};

/// A compilation target family (CPU through LLVM, NVIDIA GPUs through
/// NVVM, ...).
class TargetBackend {
public:
  virtual ~TargetBackend();

  /// A short name ("cpu", "cuda").
  virtual llvm::StringRef getName() const = 0;

  /// One line for `--help`: the -target names this backend accepts.
  virtual llvm::StringRef getTargetDescription() const = 0;

  /// Whether this backend handles `-target=name`.
  virtual bool acceptsTarget(llvm::StringRef name) const = 0;

  /// Resolves `-target=name` to the #dsk.target the driver writes on the
  /// module. Errors say what names are valid.
  virtual llvm::Expected<TargetAttr> resolveTarget(mlir::MLIRContext *context,
                                                   llvm::StringRef name) = 0;

  /// The backend's command-line options (shown by `dsk-compile --help`), or
  /// null when it has none. Called once, before the command line is parsed.
  virtual llvm::cl::OptionCategory *registerCLOptions() { return nullptr; }

  /// Registers the dialects, interfaces and translations that the backend
  /// pipeline and emission need.
  virtual void registerDialects(mlir::DialectRegistry &registry) const = 0;

  /// Whether `emit` can produce `level`.
  virtual bool supportsEmitLevel(EmitLevel level) const = 0;

  /// The passes from the graph-level IR (with `dsk.target` set on the
  /// module) to what `emit` takes.
  virtual void buildPipeline(mlir::OpPassManager &pm) const = 0;

  /// Produces `level` from the module that `buildPipeline`'s passes left.
  /// The module may be consumed (emptied) to save memory.
  virtual llvm::Error emit(mlir::ModuleOp module, EmitLevel level,
                           const EmitOptions &options,
                           CompileStages &stages) = 0;
};

/// Appends the model ABI's file trailer (size and checksum, ModelABI.h) to
/// the library at `libraryPath`, which a backend's link step has just
/// written; every backend that emits a library calls it last.
llvm::Error appendModelFileTrailer(llvm::StringRef libraryPath);

/// The backends a tool knows, in registration order.
class TargetBackendRegistry {
public:
  /// The process-wide registry that dsk-compile and dsk-opt use.
  static TargetBackendRegistry &global();

  /// Adds a backend; a second backend with the same name is ignored.
  void add(std::unique_ptr<TargetBackend> backend);

  /// The backend named `name`, or null.
  TargetBackend *lookup(llvm::StringRef name) const;

  /// The first backend that accepts `-target=targetName`, or null.
  TargetBackend *findForTarget(llvm::StringRef targetName) const;

  llvm::ArrayRef<std::unique_ptr<TargetBackend>> getBackends() const {
    return backends;
  }

private:
  std::vector<std::unique_ptr<TargetBackend>> backends;
};

} // namespace dsk

#endif // DSK_TARGET_TARGETBACKEND_H
