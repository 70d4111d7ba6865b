//===- MlirLowerFuzzer.cpp - dsk MLIR text -> parse -> verify -> linalg ---===//
//
// libFuzzer target: any bytes are MLIR text of dsk ops and the upstream ops
// that surround them in dsk's input IR (func, arith, tensor, math). The
// parser and dsk's verifiers must reject what is malformed (custom assembly
// formats and verifiers are where a missing check crashes), and
// dsk-lower-to-linalg must lower every verified dsk op or fail with an
// error. Linalg and the other dialects of the lowering are registered only
// after parsing: their parsers are upstream's to fuzz (the first minute
// found a null-attribute crash in linalg.transpose's), not dsk's.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "dsk/Conversion/Passes.h"
#include "dsk/Pipelines/Pipelines.h"

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <string_view>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const DialectRegistry *inputDialects = [] {
    auto *registry = new DialectRegistry;
    registry->insert<dsk::DskDialect, arith::ArithDialect, func::FuncDialect,
                     math::MathDialect, tensor::TensorDialect>();
    return registry;
  }();
  static const DialectRegistry *loweringDialects = [] {
    auto *registry = new DialectRegistry;
    dsk::registerPipelineDialects(*registry);
    return registry;
  }();
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  // Inputs with a file metadata section ({-# ... #-}, dialect resources) are
  // skipped: after an unterminated string in it, MLIR 22's lexer keeps
  // reading past the end of the buffer (an upstream bug; file buffers end in
  // zero padding, so dsk-opt reports an error, but a fuzzer's input does
  // not). dsk defines no resource handlers of its own.
  if (bytes.find("{-#") != std::string_view::npos)
    return 0;
  dsk::fuzz::FuzzContext context(*inputDialects);
  // MLIR's lexer reads up to a NUL after the text, as every source buffer
  // has one; libFuzzer's input does not.
  std::string text(bytes);
  // parseSourceString verifies the module it parsed.
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      text, ParserConfig(&context.get()), "fuzz.mlir");
  if (!module)
    return 0;
  context.get().appendDialectRegistry(*loweringDialects);
  PassManager pm(&context.get());
  pm.addPass(dsk::createDskLowerToLinalg());
  (void)pm.run(*module);
  return 0;
}
