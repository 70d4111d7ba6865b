//===- dsk-compile.cpp - the dsk model compiler driver --------------------===//
//
//   dsk-compile model.onnx -target=host -o model.so
//
// Imports an ONNX model (or parses a .mlir file), runs the graph pipeline,
// and compiles it for a target. Emit levels, each one stage further:
//   onnx-ir    the raw import (dsk + upstream ops on tensors, no passes)
//   mlir       after the graph pipeline
//   mlir-llvm  after the backend pipeline (LLVM dialect)
//   llvm       optimized LLVM IR
//   asm        target assembly
//   obj        an object file
//   lib        a shared library with the model ABI (the default)
// The driver is target-independent: it resolves -target through the
// TargetBackendRegistry, writes the #dsk.target on the module, and leaves the
// pipeline and every level after `mlir` to that backend. Every stage that
// fails says which stage it was; the diagnostics before it name the op and
// the ONNX node.
//
//===----------------------------------------------------------------------===//

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"
#include "dsk/Frontend/ONNX/Import.h"
#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Target/TargetBackend.h"
#include "dsk/Target/Targets.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;

namespace {

/// The driver's own levels, then the backend's (dsk::EmitLevel).
enum class DriverLevel {
  OnnxIR,
  MLIR,
  MLIRLLVM,
  LLVMIR,
  Assembly,
  Object,
  Library
};

/// --help lists these; LLVM's and MLIR's own options (e.g.
/// --mlir-print-ir-after-all, --mlir-timing) still work and show with
/// --help-hidden.
llvm::cl::OptionCategory dskCategory("dsk-compile options");

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<model.onnx|model.mlir>"),
                                     llvm::cl::Required,
                                     llvm::cl::cat(dskCategory));
llvm::cl::opt<std::string>
    outputFile("o",
               llvm::cl::desc("Output file (default: the model's name with "
                              ".so/.o for lib/obj, stdout otherwise)"),
               llvm::cl::value_desc("file"), llvm::cl::cat(dskCategory));
llvm::cl::opt<DriverLevel> emitLevel(
    "emit", llvm::cl::desc("What to produce"),
    llvm::cl::init(DriverLevel::Library),
    llvm::cl::values(
        clEnumValN(DriverLevel::OnnxIR, "onnx-ir",
                   "The imported graph, before any pass"),
        clEnumValN(DriverLevel::MLIR, "mlir",
                   "After the graph pipeline (with the target and the "
                   "selected kernels)"),
        clEnumValN(DriverLevel::MLIRLLVM, "mlir-llvm",
                   "After the backend pipeline (LLVM dialect)"),
        clEnumValN(DriverLevel::LLVMIR, "llvm", "Optimized LLVM IR"),
        clEnumValN(DriverLevel::Assembly, "asm", "Target assembly"),
        clEnumValN(DriverLevel::Object, "obj", "An object file"),
        clEnumValN(DriverLevel::Library, "lib",
                   "A shared library with the dsk model ABI (default)")),
    llvm::cl::cat(dskCategory));
llvm::cl::opt<std::string> targetName("target",
                                      llvm::cl::desc("What to compile for"),
                                      llvm::cl::init("host"),
                                      llvm::cl::cat(dskCategory));
llvm::cl::opt<unsigned> optLevel("O",
                                 llvm::cl::desc("LLVM optimization level "
                                                "(0-3, default 2)"),
                                 llvm::cl::Prefix, llvm::cl::init(2),
                                 llvm::cl::cat(dskCategory));
llvm::cl::list<std::string>
    dimSizes("dim",
             llvm::cl::desc("Size of a symbolic dimension: --dim NAME=SIZE "
                            "(repeatable)"),
             llvm::cl::value_desc("NAME=SIZE"), llvm::cl::cat(dskCategory));
llvm::cl::opt<int64_t> maxFoldElements(
    "max-fold-elements",
    llvm::cl::desc("Largest constant (in elements) computed at import time; "
                   "larger ones are computed by the compiled code "
                   "(default 65536)"),
    llvm::cl::init(dsk::onnx_import::ImportOptions().maxFoldElements),
    llvm::cl::cat(dskCategory));
llvm::cl::opt<bool> verbose("v",
                            llvm::cl::desc("Print stages and timings, and the "
                                           "kernel of every compute op"),
                            llvm::cl::cat(dskCategory));
llvm::cl::opt<bool> printKernels(
    "print-kernels",
    llvm::cl::desc("Print the kernel selected for every compute op (or why "
                   "it keeps the reference lowering) to stderr"),
    llvm::cl::cat(dskCategory));
llvm::cl::alias verboseLong("verbose", llvm::cl::aliasopt(verbose));

/// Prints what the compiler is doing (with -v) and how long each stage took.
class Stages final : public dsk::CompileStages {
public:
  explicit Stages(bool enabled) : enabled(enabled) {}

  void begin(const llvm::Twine &name) override {
    current = name.str();
    start = std::chrono::steady_clock::now();
    if (enabled)
      llvm::errs() << "[dsk-compile] " << current << "...\n";
  }
  void end() override {
    if (!enabled)
      return;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    llvm::errs() << "[dsk-compile] " << current << ": "
                 << llvm::format("%.3f", seconds) << " s\n";
  }
  /// Reports that the current stage failed; returns the exit status.
  int fail(const llvm::Twine &message = "") {
    llvm::errs() << "dsk-compile: error: stage '" << current << "' failed";
    if (!message.isTriviallyEmpty())
      llvm::errs() << ": " << message;
    llvm::errs() << "\n";
    return 1;
  }

private:
  bool enabled;
  std::string current;
  std::chrono::steady_clock::time_point start;
};

bool isBinaryLevel(DriverLevel level) {
  return level == DriverLevel::Object || level == DriverLevel::Library;
}

/// The backend's level for a driver level past `mlir`.
dsk::EmitLevel backendLevel(DriverLevel level) {
  switch (level) {
  case DriverLevel::MLIRLLVM:
    return dsk::EmitLevel::MLIRLLVM;
  case DriverLevel::LLVMIR:
    return dsk::EmitLevel::LLVMIR;
  case DriverLevel::Assembly:
    return dsk::EmitLevel::Assembly;
  case DriverLevel::Object:
    return dsk::EmitLevel::Object;
  default:
    return dsk::EmitLevel::Library;
  }
}

std::string defaultOutputFile() {
  if (!isBinaryLevel(emitLevel))
    return "-";
  SmallString<128> path(llvm::sys::path::filename(inputFile));
  llvm::sys::path::replace_extension(
      path, emitLevel == DriverLevel::Library ? ".so" : ".o");
  return path.str().str();
}

LogicalResult parseDimSizes(llvm::StringMap<int64_t> &sizes) {
  for (StringRef entry : dimSizes) {
    auto [name, value] = entry.split('=');
    int64_t size;
    if (name.empty() || value.getAsInteger(10, size) || size < 0) {
      llvm::errs() << "dsk-compile: error: --dim '" << entry
                   << "' is not NAME=SIZE with a non-negative size\n";
      return failure();
    }
    sizes[name] = size;
  }
  return success();
}

/// Prints the compiler stages' diagnostics on imported models as
/// "model.onnx: error: node 'NAME': message", since a line and column in a
/// protobuf file mean nothing.
LogicalResult printWithNodeName(Diagnostic &diagnostic) {
  std::optional<StringRef> node = dsk::getNodeName(diagnostic.getLocation());
  if (!node)
    return failure();
  llvm::errs() << inputFile << ": ";
  switch (diagnostic.getSeverity()) {
  case DiagnosticSeverity::Error:
    llvm::errs() << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    llvm::errs() << "warning: ";
    break;
  default:
    llvm::errs() << "note: ";
    break;
  }
  llvm::errs() << "node '" << *node << "': " << diagnostic << "\n";
  for (const Diagnostic &note : diagnostic.getNotes())
    llvm::errs() << inputFile << ": note: " << note << "\n";
  return success();
}

std::unique_ptr<llvm::ToolOutputFile> openOutput(StringRef path) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output = openOutputFile(path, &error);
  if (!output)
    llvm::errs() << "dsk-compile: error: " << error << "\n";
  return output;
}

} // namespace

/// Prints the -target names of every backend, for --help and errors.
void printTargetNames(llvm::raw_ostream &os) {
  for (const auto &backend : dsk::TargetBackendRegistry::global().getBackends())
    os << "  " << backend->getName() << ": " << backend->getTargetDescription()
       << "\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  dsk::registerAllTargetBackends();
  dsk::TargetBackendRegistry &backends = dsk::TargetBackendRegistry::global();
  SmallVector<const llvm::cl::OptionCategory *> categories = {&dskCategory};
  for (const auto &backend : backends.getBackends())
    if (llvm::cl::OptionCategory *category = backend->registerCLOptions())
      categories.push_back(category);
  llvm::cl::HideUnrelatedOptions(categories);
  // --help lists every backend's target names.
  static std::string targetHelp = "What to compile for (default: host):\n";
  {
    llvm::raw_string_ostream os(targetHelp);
    printTargetNames(os);
  }
  targetName.setDescription(StringRef(targetHelp).rtrim());
  llvm::cl::ParseCommandLineOptions(argc, argv, "dsk model compiler\n");

  if (outputFile.empty())
    outputFile = defaultOutputFile();
  if (isBinaryLevel(emitLevel) && outputFile == "-") {
    llvm::errs() << "dsk-compile: error: --emit=obj/lib needs an output file "
                    "(-o)\n";
    return 1;
  }
  if (optLevel > 3) {
    llvm::errs() << "dsk-compile: error: -O" << optLevel
                 << " is not an optimization level (0-3)\n";
    return 1;
  }
  dsk::onnx_import::ImportOptions importOptions;
  if (failed(parseDimSizes(importOptions.dimSizes)))
    return 1;
  if (maxFoldElements < 0) {
    llvm::errs() << "dsk-compile: error: --max-fold-elements="
                 << maxFoldElements << " is negative\n";
    return 1;
  }
  importOptions.maxFoldElements = maxFoldElements;

  // The backend comes first: a typo in -target should not cost a compile.
  dsk::TargetBackend *backend = nullptr;
  if (emitLevel != DriverLevel::OnnxIR) {
    backend = backends.findForTarget(targetName);
    if (!backend) {
      llvm::errs() << "dsk-compile: error: unknown target '" << targetName
                   << "'; the targets are:\n";
      printTargetNames(llvm::errs());
      return 1;
    }
    if (emitLevel != DriverLevel::MLIR &&
        !backend->supportsEmitLevel(backendLevel(emitLevel))) {
      llvm::errs() << "dsk-compile: error: the " << backend->getName()
                   << " backend cannot emit '"
                   << dsk::stringifyEmitLevel(backendLevel(emitLevel)) << "'\n";
      return 1;
    }
  }

  DialectRegistry registry;
  dsk::onnx_import::registerDialects(registry);
  dsk::registerPipelineDialects(registry);
  if (backend)
    backend->registerDialects(registry);
  MLIRContext context(registry);
  // A model's ops are huge to print; the diagnostics name the node instead.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  Stages stages(verbose);

  dsk::TargetAttr target;
  if (backend) {
    stages.begin("target " + targetName);
    llvm::Expected<dsk::TargetAttr> resolved =
        backend->resolveTarget(&context, targetName);
    if (!resolved)
      return stages.fail(llvm::toString(resolved.takeError()));
    target = *resolved;
    if (verbose) {
      llvm::errs() << "[dsk-compile] compiling for ";
      if (!target.getTriple().empty())
        llvm::errs() << target.getTriple() << " ";
      llvm::errs() << target.getChip() << "\n";
    }
    stages.end();
  }

  OwningOpRef<ModuleOp> module;
  if (StringRef(inputFile).ends_with(".mlir")) {
    stages.begin("parse " + inputFile);
    module =
        parseSourceFile<ModuleOp>(inputFile, sourceMgr, ParserConfig(&context));
  } else {
    stages.begin("import " + inputFile);
    module =
        dsk::onnx_import::importModelFile(context, inputFile, importOptions);
  }
  if (!module)
    return stages.fail();
  stages.end();
  // The importer's own errors already name the node; later stages' errors
  // get it from the op's location.
  ScopedDiagnosticHandler nodeNames(&context, printWithNodeName);

  auto runPipeline = [&](const llvm::Twine &name,
                         function_ref<void(OpPassManager &)> build) {
    stages.begin(name);
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    build(pm);
    if (failed(pm.run(*module)))
      return failure();
    stages.end();
    return success();
  };
  auto printModule = [&]() {
    std::unique_ptr<llvm::ToolOutputFile> output = openOutput(outputFile);
    if (!output)
      return 1;
    module->print(output->os());
    output->keep();
    return 0;
  };

  if (emitLevel == DriverLevel::OnnxIR)
    return printModule();
  // The one carrier of the target from here on.
  (*module)->setAttr(dsk::DskDialect::kTargetAttrName, target);
  if (failed(runPipeline("graph pipeline", dsk::buildGraphPipeline)))
    return stages.fail();
  if (printKernels || verbose)
    dsk::printKernelReport(*module, llvm::errs());
  if (emitLevel == DriverLevel::MLIR)
    return printModule();

  if (failed(
          runPipeline(backend->getName() + " pipeline",
                      [&](OpPassManager &pm) { backend->buildPipeline(pm); })))
    return stages.fail();
  dsk::EmitOptions emitOptions;
  emitOptions.outputPath = outputFile;
  emitOptions.optLevel = optLevel;
  if (llvm::Error error =
          backend->emit(*module, backendLevel(emitLevel), emitOptions, stages))
    return stages.fail(llvm::toString(std::move(error)));
  return 0;
}
