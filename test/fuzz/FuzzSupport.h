//===- FuzzSupport.h - shared setup of dsk's libFuzzer targets --*- C++ -*-===//
//
// What every MLIR-based fuzz target needs: a fresh, single-threaded context
// per input (so that one input cannot change how the next one runs, and a
// crash reproduces from its input alone) whose diagnostics are swallowed:
// errors are the expected answer to most inputs, and printing them would
// slow the fuzzer down. What counts as a finding is a crash, a sanitizer
// report, a leak, a timeout or an allocation over libFuzzer's limit.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_TEST_FUZZ_FUZZSUPPORT_H
#define DSK_TEST_FUZZ_FUZZSUPPORT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdlib>
#include <memory>

namespace dsk::fuzz {

/// A context for one input, diagnostics discarded. `DSK_FUZZ_VERBOSE=1` in
/// the environment prints them instead, to see why an input is rejected.
class FuzzContext {
public:
  explicit FuzzContext(const mlir::DialectRegistry &registry)
      : context(registry, mlir::MLIRContext::Threading::DISABLED),
        handler(&context, [](mlir::Diagnostic &diagnostic) {
          return verbose() ? mlir::failure() : mlir::success();
        }) {
    context.printOpOnDiagnostic(false);
  }

  mlir::MLIRContext &get() { return context; }

private:
  static bool verbose() {
    static const bool value = [] {
      const char *flag = std::getenv("DSK_FUZZ_VERBOSE");
      return flag && *flag && *flag != '0';
    }();
    return value;
  }

  mlir::MLIRContext context;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace dsk::fuzz

#endif // DSK_TEST_FUZZ_FUZZSUPPORT_H
