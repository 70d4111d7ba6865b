//===- OnnxCompileFuzzer.cpp - ONNX bytes -> import -> graph and CPU passes
//===//
//
// libFuzzer target: what the import target checks, and then everything a
// model goes through in dsk-compile before LLVM: the graph pipeline (fusion,
// kernel selection) and the CPU backend's pipeline down to the LLVM
// dialect, for an AVX-512 x86 target (so the widest kernel table rows are
// selected whatever the host). A model that imports must either compile or
// get an error; LLVM's own code generation is not fuzzed here.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"
#include "OnnxMutator.h"

#include "dsk/Dialect/Dsk/IR/DskDialect.h"
#include "dsk/Frontend/ONNX/Import.h"
#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Target/TargetBackend.h"
#include "dsk/Target/Targets.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

namespace {

dsk::TargetBackend &cpuBackend() {
  static dsk::TargetBackend *backend = [] {
    dsk::registerAllTargetBackends();
    dsk::TargetBackend *cpu =
        dsk::TargetBackendRegistry::global().lookup("cpu");
    if (!cpu) {
      llvm::errs() << "dsk-fuzz-onnx-compile: no cpu backend in this build\n";
      std::abort();
    }
    return cpu;
  }();
  return *backend;
}

const DialectRegistry &registry() {
  static const DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry;
    dsk::onnx_import::registerDialects(*registry);
    dsk::registerPipelineDialects(*registry);
    cpuBackend().registerDialects(*registry);
    return registry;
  }();
  return *registry;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dsk::fuzz::FuzzContext context(registry());
  dsk::onnx_import::ImportOptions options;
  OwningOpRef<ModuleOp> module = dsk::onnx_import::importModelBuffer(
      context.get(),
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      /*modelDir=*/"", options);
  if (!module)
    return 0;
  llvm::Expected<dsk::TargetAttr> target =
      cpuBackend().resolveTarget(&context.get(), "x86-64-v4");
  if (!target) {
    llvm::errs() << "dsk-fuzz-onnx-compile: " << toString(target.takeError())
                 << "\n";
    std::abort();
  }
  (*module)->setAttr(dsk::DskDialect::kTargetAttrName, *target);
  PassManager graph(&context.get());
  dsk::buildGraphPipeline(graph);
  if (failed(graph.run(*module)))
    return 0;
  PassManager backend(&context.get());
  cpuBackend().buildPipeline(backend);
  (void)backend.run(*module);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  return dsk::fuzz::mutateOnnxModel(data, size, maxSize, seed);
}
