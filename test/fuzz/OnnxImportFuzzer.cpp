//===- OnnxImportFuzzer.cpp - ONNX model bytes -> import -> verify --------===//
//
// libFuzzer target: any bytes are an ONNX model to import. The importer must
// answer with a verified module or an error; it must never crash, hang,
// leak, or allocate more than the file's data holds. External data is off
// (no model folder), so the inputs cannot reach the file system.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"
#include "OnnxMutator.h"

#include "dsk/Frontend/ONNX/Import.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry;
    dsk::onnx_import::registerDialects(*registry);
    return registry;
  }();
  dsk::fuzz::FuzzContext context(*registry);
  dsk::onnx_import::ImportOptions options;
  OwningOpRef<ModuleOp> module = dsk::onnx_import::importModelBuffer(
      context.get(),
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      /*modelDir=*/"", options);
  (void)module;
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  return dsk::fuzz::mutateOnnxModel(data, size, maxSize, seed);
}
