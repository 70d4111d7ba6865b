//===- CpuTarget.h - the CPU backend: LLVM dialect to a shared library ----===//
//
// The stages after the CPU pipeline: translate the LLVM dialect to LLVM IR,
// optimize it for the target machine, emit an object file and link it into
// the model library (see include/dsk/Runtime/ModelABI.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSK_TARGET_CPU_CPUTARGET_H
#define DSK_TARGET_CPU_CPUTARGET_H

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace dsk::cpu {

/// A resolved CPU target: what LLVM compiles for and what the model records.
struct CpuTarget {
  /// The LLVM target triple (this machine's by default).
  std::string triple;
  /// The LLVM CPU name (e.g. "haswell", "x86-64-v3").
  std::string cpu;
  /// Extra LLVM feature flags ("+avx2,-avx512f,..."); the host's features
  /// for `host`, empty for a named CPU.
  std::string featureFlags;
  /// The architecture name as the runtime compares it (e.g. "x86_64").
  std::string arch;
  /// Every feature the code may use, by LLVM name, for the model metadata.
  std::vector<std::string> enabledFeatures;

  /// The #dsk.target that records this target on a module.
  TargetAttr toAttr(mlir::MLIRContext *context) const;
};

/// The CPU target a module's #dsk.target describes: the LLVM feature flags
/// are derived so that exactly the listed features are enabled.
llvm::Expected<CpuTarget> cpuTargetFromAttr(TargetAttr attr);

/// Whether LLVM has a target for `triple` (this machine's when empty);
/// the error says why not.
llvm::Error checkTriple(llvm::StringRef triple);

/// Resolves `-target=NAME`: `host` (this CPU and its features), `x86-64`,
/// `x86-64-v2`/`-v3`/`-v4`, or any CPU name LLVM knows for the triple
/// (e.g. `znver5`, `skylake-avx512`).
llvm::Expected<CpuTarget> resolveCpuTarget(llvm::StringRef name,
                                           llvm::StringRef triple = "");

/// Creates the TargetMachine for `target` at optimization level 0-3 with
/// position-independent code, as shared libraries need.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuTarget &target, unsigned optLevel);

/// Registers the dialect translations that translateToLLVMIR needs.
void registerTranslations(mlir::DialectRegistry &registry);

/// Translates a module in the LLVM dialect (the output of
/// dsk-cpu-pipeline) to LLVM IR for `machine`. Every symbol except the model
/// ABI's two gets internal linkage, so the library exports only those.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  llvm::TargetMachine &machine);

/// Runs LLVM's optimization pipeline at `optLevel` (0-3).
llvm::Error optimize(llvm::Module &module, llvm::TargetMachine &machine,
                     unsigned optLevel);

/// Emits `module` as an object file, or as assembly text when `assembly`.
llvm::Error emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                       llvm::raw_pwrite_stream &os, bool assembly = false);

/// Whether the module forks OpenMP parallel regions (dsk-cpu-pipeline's
/// parallel loops), so the library must link LLVM's OpenMP runtime.
bool usesOpenMP(const llvm::Module &module);

struct LinkOptions {
  /// The C compiler driver; empty: the first of $CC, cc, clang-22, clang,
  /// gcc found on PATH.
  std::string linker;
  /// Link libomp (with an rpath to LLVM's library folder).
  bool openmp = false;
  /// compiler-rt's builtins archive, linked statically; empty for none.
  std::string builtinsArchive;
};

/// The path of compiler-rt's builtins archive for `target` (from
/// libclang-rt-22-dev), which provides the conversion routines LLVM may
/// call (e.g. __truncsfbf2).
std::string compilerRtBuiltins(const CpuTarget &target);

/// Links an object file into a shared library with the system C compiler
/// driver, adding libm for the math functions that compiled code calls.
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef outputPath,
                              const LinkOptions &options);

} // namespace dsk::cpu

#endif // DSK_TARGET_CPU_CPUTARGET_H
