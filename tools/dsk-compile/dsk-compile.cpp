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
//   obj        an object file
//   lib        a shared library with the model ABI (the default)
// Every stage that fails says which stage it was; the diagnostics before it
// name the op and the ONNX node.
//
//===----------------------------------------------------------------------===//

#include "dsk/Frontend/ONNX/Import.h"
#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Target/CPU/CpuTarget.h"

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

enum class EmitLevel { OnnxIR, MLIR, MLIRLLVM, LLVMIR, Object, Library };

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
llvm::cl::opt<EmitLevel> emitLevel(
    "emit", llvm::cl::desc("What to produce"),
    llvm::cl::init(EmitLevel::Library),
    llvm::cl::values(
        clEnumValN(EmitLevel::OnnxIR, "onnx-ir",
                   "The imported graph, before any pass"),
        clEnumValN(EmitLevel::MLIR, "mlir", "After the graph pipeline"),
        clEnumValN(EmitLevel::MLIRLLVM, "mlir-llvm",
                   "After the backend pipeline (LLVM dialect)"),
        clEnumValN(EmitLevel::LLVMIR, "llvm", "Optimized LLVM IR"),
        clEnumValN(EmitLevel::Object, "obj", "An object file"),
        clEnumValN(EmitLevel::Library, "lib",
                   "A shared library with the dsk model ABI (default)")),
    llvm::cl::cat(dskCategory));
llvm::cl::opt<std::string>
    targetName("target",
               llvm::cl::desc("host (this CPU, the default), x86-64, "
                              "x86-64-v2, x86-64-v3, x86-64-v4, or an LLVM "
                              "CPU name such as znver5"),
               llvm::cl::init("host"), llvm::cl::cat(dskCategory));
llvm::cl::opt<std::string>
    tripleName("mtriple",
               llvm::cl::desc("LLVM target triple (default: this machine's)"),
               llvm::cl::cat(dskCategory));
llvm::cl::opt<unsigned> optLevel("O",
                                 llvm::cl::desc("LLVM optimization level "
                                                "(0-3, default 2)"),
                                 llvm::cl::Prefix, llvm::cl::init(2),
                                 llvm::cl::cat(dskCategory));
llvm::cl::opt<std::string>
    linker("linker",
           llvm::cl::desc("C compiler driver that links the "
                          "library (default: $CC, cc, clang, gcc)"),
           llvm::cl::cat(dskCategory));
llvm::cl::opt<bool> parallel(
    "parallel",
    llvm::cl::desc("Run the outer loops of large ops on OpenMP threads "
                   "(default true; the library then needs libomp)"),
    llvm::cl::init(true), llvm::cl::cat(dskCategory));
llvm::cl::list<std::string>
    dimSizes("dim",
             llvm::cl::desc("Size of a symbolic dimension: --dim NAME=SIZE "
                            "(repeatable)"),
             llvm::cl::value_desc("NAME=SIZE"), llvm::cl::cat(dskCategory));
llvm::cl::opt<bool> verbose("v", llvm::cl::desc("Print stages and timings"),
                            llvm::cl::cat(dskCategory));
llvm::cl::alias verboseLong("verbose", llvm::cl::aliasopt(verbose));

/// Prints what the compiler is doing (with -v) and how long each stage took.
class Stages {
public:
  explicit Stages(bool enabled) : enabled(enabled) {}

  void begin(StringRef name) {
    current = name.str();
    start = std::chrono::steady_clock::now();
    if (enabled)
      llvm::errs() << "[dsk-compile] " << current << "...\n";
  }
  void end() {
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

bool isBinaryLevel(EmitLevel level) {
  return level == EmitLevel::Object || level == EmitLevel::Library;
}

std::string defaultOutputFile() {
  if (!isBinaryLevel(emitLevel))
    return "-";
  SmallString<128> path(llvm::sys::path::filename(inputFile));
  llvm::sys::path::replace_extension(
      path, emitLevel == EmitLevel::Library ? ".so" : ".o");
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

/// The ONNX node an op came from: the importer gives every op the location
/// NameLoc(node label, model file).
std::optional<StringRef> findNodeName(Location loc) {
  std::optional<StringRef> name;
  loc->walk([&](Location inner) {
    if (auto nameLoc = dyn_cast<NameLoc>(inner)) {
      name = nameLoc.getName().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

/// Prints the compiler stages' diagnostics on imported models as
/// "model.onnx: error: node 'NAME': message", since a line and column in a
/// protobuf file mean nothing.
LogicalResult printWithNodeName(Diagnostic &diagnostic) {
  std::optional<StringRef> node = findNodeName(diagnostic.getLocation());
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

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  llvm::cl::HideUnrelatedOptions(dskCategory);
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

  DialectRegistry registry;
  dsk::onnx_import::registerDialects(registry);
  dsk::registerPipelineDialects(registry);
  dsk::cpu::registerTranslations(registry);
  MLIRContext context(registry);
  // A model's ops are huge to print; the diagnostics name the node instead.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  Stages stages(verbose);

  // The target comes first: a typo should not cost a whole compile.
  std::optional<dsk::cpu::CpuTarget> target;
  if (emitLevel != EmitLevel::OnnxIR && emitLevel != EmitLevel::MLIR) {
    stages.begin("target " + targetName);
    llvm::Expected<dsk::cpu::CpuTarget> resolved =
        dsk::cpu::resolveCpuTarget(targetName, tripleName);
    if (!resolved)
      return stages.fail(llvm::toString(resolved.takeError()));
    target = std::move(*resolved);
    if (verbose)
      llvm::errs() << "[dsk-compile] compiling for " << target->triple << " "
                   << target->cpu << "\n";
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

  auto runPipeline = [&](StringRef name,
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

  if (emitLevel == EmitLevel::OnnxIR)
    return printModule();
  if (failed(runPipeline("graph pipeline", dsk::buildGraphPipeline)))
    return stages.fail();
  if (emitLevel == EmitLevel::MLIR)
    return printModule();

  dsk::CpuPipelineOptions cpuOptions;
  cpuOptions.targetArch = target->arch;
  cpuOptions.targetCpu = target->cpu;
  cpuOptions.targetFeatures = target->featureList();
  cpuOptions.parallel = parallel;
  if (failed(runPipeline("cpu pipeline", [&](OpPassManager &pm) {
        dsk::buildCpuPipeline(pm, cpuOptions);
      })))
    return stages.fail();
  if (emitLevel == EmitLevel::MLIRLLVM)
    return printModule();

  stages.begin("translate to LLVM IR");
  auto machine = dsk::cpu::createTargetMachine(*target, optLevel);
  if (!machine)
    return stages.fail(llvm::toString(machine.takeError()));
  llvm::LLVMContext llvmContext;
  auto llvmModule =
      dsk::cpu::translateToLLVMIR(*module, llvmContext, **machine);
  if (!llvmModule)
    return stages.fail(llvm::toString(llvmModule.takeError()));
  bool usesOpenMP = dsk::cpu::usesOpenMP(**llvmModule);
  // The MLIR module is no longer needed; large weights live twice otherwise.
  module = nullptr;
  stages.end();

  stages.begin("optimize LLVM IR (O" + std::to_string(optLevel) + ")");
  if (llvm::Error error = dsk::cpu::optimize(**llvmModule, **machine, optLevel))
    return stages.fail(llvm::toString(std::move(error)));
  stages.end();
  if (emitLevel == EmitLevel::LLVMIR) {
    std::unique_ptr<llvm::ToolOutputFile> output = openOutput(outputFile);
    if (!output)
      return 1;
    (*llvmModule)->print(output->os(), nullptr);
    output->keep();
    return 0;
  }

  // The object goes to the output (obj) or to a temporary file (lib).
  std::string objectPath = outputFile;
  std::optional<llvm::FileRemover> removeObject;
  if (emitLevel == EmitLevel::Library) {
    SmallString<128> tempPath;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            llvm::sys::path::stem(outputFile), "o", tempPath)) {
      llvm::errs() << "dsk-compile: error: cannot create a temporary object "
                      "file: "
                   << ec.message() << "\n";
      return 1;
    }
    objectPath = tempPath.str().str();
    removeObject.emplace(objectPath);
  }
  stages.begin("generate code");
  {
    std::unique_ptr<llvm::ToolOutputFile> object = openOutput(objectPath);
    if (!object)
      return 1;
    if (llvm::Error error =
            dsk::cpu::emitObject(**llvmModule, **machine, object->os()))
      return stages.fail(llvm::toString(std::move(error)));
    object->os().close();
    if (object->os().has_error())
      return stages.fail("cannot write " + objectPath + ": " +
                         object->os().error().message());
    object->keep();
  }
  stages.end();
  if (emitLevel == EmitLevel::Object)
    return 0;

  stages.begin("link " + outputFile);
  dsk::cpu::LinkOptions linkOptions;
  linkOptions.linker = linker;
  linkOptions.openmp = usesOpenMP;
  linkOptions.builtinsArchive = dsk::cpu::compilerRtBuiltins(*target);
  if (llvm::Error error =
          dsk::cpu::linkSharedLibrary(objectPath, outputFile, linkOptions))
    return stages.fail(llvm::toString(std::move(error)));
  stages.end();
  return 0;
}
