//===- CpuBackend.cpp - the CPU target backend ----------------------------===//
//
// Compiles a dsk module for a CPU through LLVM: dsk-cpu-pipeline to the LLVM
// dialect, then LLVM IR, optimization for the target machine, assembly or an
// object file, and a shared library with the model ABI.
//
//===----------------------------------------------------------------------===//

#include "dsk/Pipelines/Pipelines.h"
#include "dsk/Target/CPU/CpuTarget.h"
#include "dsk/Target/TargetBackend.h"
#include "dsk/Target/Targets.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace dsk;
using namespace dsk::cpu;
using llvm::Error;
using llvm::StringRef;

namespace {

/// The CPU backend's command-line options; they exist only in tools that
/// ask the backend for them (dsk-compile).
struct CpuOptions {
  llvm::cl::OptionCategory category{"CPU backend options"};
  llvm::cl::opt<std::string> triple{
      "mtriple", llvm::cl::desc("LLVM target triple (default: this machine's)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> linker{
      "linker",
      llvm::cl::desc("C compiler driver that links the library (default: "
                     "$CC, cc, clang, gcc)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<bool> parallel{
      "parallel",
      llvm::cl::desc("Run the outer loops of large ops on OpenMP threads "
                     "(default true; the library then needs libomp)"),
      llvm::cl::init(true), llvm::cl::cat(category)};
  llvm::cl::opt<bool> profileRegions{
      "profile-regions",
      llvm::cl::desc("Mark every op so that dsk-run --profile can time it "
                     "(default true; costs a load and a branch per op)"),
      llvm::cl::init(true), llvm::cl::cat(category)};
};

llvm::ManagedStatic<CpuOptions> cpuOptions;

/// Opens `path` for writing (stdout for "-").
llvm::Expected<std::unique_ptr<llvm::ToolOutputFile>>
openOutput(StringRef path) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(path, &error);
  if (!output)
    return llvm::createStringError(error);
  return output;
}

class CpuBackend final : public TargetBackend {
public:
  StringRef getName() const override { return "cpu"; }

  StringRef getTargetDescription() const override {
    return "host (this CPU, the default), x86-64, x86-64-v2, x86-64-v3, "
           "x86-64-v4, or an LLVM CPU name such as znver5";
  }

  bool acceptsTarget(StringRef name) const override {
    if (name == "host")
      return true;
    // A triple LLVM lacks is this backend's error, whatever the name:
    // resolveTarget reports it.
    if (llvm::Error error = checkTriple(triple())) {
      llvm::consumeError(std::move(error));
      return true;
    }
    // Any CPU LLVM knows for the triple.
    llvm::Expected<CpuTarget> target = resolveCpuTarget(name, triple());
    if (!target) {
      llvm::consumeError(target.takeError());
      return false;
    }
    return true;
  }

  llvm::Expected<TargetAttr> resolveTarget(mlir::MLIRContext *context,
                                           StringRef name) override {
    llvm::Expected<CpuTarget> target = resolveCpuTarget(name, triple());
    if (!target)
      return target.takeError();
    context->getOrLoadDialect<DskDialect>();
    return target->toAttr(context);
  }

  llvm::cl::OptionCategory *registerCLOptions() override {
    return &cpuOptions->category;
  }

  void registerDialects(mlir::DialectRegistry &registry) const override {
    registerPipelineDialects(registry);
    registerTranslations(registry);
  }

  bool supportsEmitLevel(EmitLevel) const override { return true; }

  void buildPipeline(mlir::OpPassManager &pm) const override {
    CpuPipelineOptions options;
    // Without the command line (dsk-opt), the pipeline's own default.
    if (cpuOptions.isConstructed()) {
      options.parallel = cpuOptions->parallel;
      options.profileRegions = cpuOptions->profileRegions;
    }
    buildCpuPipeline(pm, options);
  }

  Error emit(mlir::ModuleOp module, EmitLevel level, const EmitOptions &options,
             CompileStages &stages) override;

private:
  static std::string triple() {
    return cpuOptions.isConstructed() ? cpuOptions->triple.getValue() : "";
  }
};

Error CpuBackend::emit(mlir::ModuleOp module, EmitLevel level,
                       const EmitOptions &options, CompileStages &stages) {
  if (level == EmitLevel::MLIRLLVM) {
    auto output = openOutput(options.outputPath);
    if (!output)
      return output.takeError();
    module.print((*output)->os());
    (*output)->keep();
    return Error::success();
  }

  stages.begin("translate to LLVM IR");
  TargetAttr attr = getTarget(module);
  if (!attr)
    return llvm::createStringError("the module has no dsk.target");
  llvm::Expected<CpuTarget> target = cpuTargetFromAttr(attr);
  if (!target)
    return target.takeError();
  auto machine = createTargetMachine(*target, options.optLevel);
  if (!machine)
    return machine.takeError();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateToLLVMIR(module, llvmContext, **machine);
  if (!llvmModule)
    return llvmModule.takeError();
  bool openmp = usesOpenMP(**llvmModule);
  // Large weights would otherwise live twice.
  module.getBody()->clear();
  stages.end();

  stages.begin("optimize LLVM IR (O" + llvm::Twine(options.optLevel) + ")");
  if (Error error = optimize(**llvmModule, **machine, options.optLevel))
    return error;
  stages.end();
  if (level == EmitLevel::LLVMIR) {
    auto output = openOutput(options.outputPath);
    if (!output)
      return output.takeError();
    (*llvmModule)->print((*output)->os(), nullptr);
    (*output)->keep();
    return Error::success();
  }

  // The object goes to the output (obj, asm) or to a temporary file (lib).
  std::string objectPath = options.outputPath;
  std::optional<llvm::FileRemover> removeObject;
  if (level == EmitLevel::Library) {
    llvm::SmallString<128> tempPath;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            llvm::sys::path::stem(options.outputPath), "o", tempPath))
      return llvm::createStringError("cannot create a temporary object file: " +
                                     ec.message());
    objectPath = tempPath.str().str();
    removeObject.emplace(objectPath);
  }
  stages.begin("generate code");
  {
    auto object = openOutput(objectPath);
    if (!object)
      return object.takeError();
    if (Error error = emitObject(**llvmModule, **machine, (*object)->os(),
                                 level == EmitLevel::Assembly))
      return error;
    (*object)->os().close();
    if ((*object)->os().has_error())
      return llvm::createStringError("cannot write " + objectPath + ": " +
                                     (*object)->os().error().message());
    (*object)->keep();
  }
  stages.end();
  if (level != EmitLevel::Library)
    return Error::success();

  stages.begin("link " + options.outputPath);
  LinkOptions linkOptions;
  if (cpuOptions.isConstructed())
    linkOptions.linker = cpuOptions->linker;
  linkOptions.openmp = openmp;
  linkOptions.builtinsArchive = compilerRtBuiltins(*target);
  if (Error error =
          linkSharedLibrary(objectPath, options.outputPath, linkOptions))
    return error;
  stages.end();
  return Error::success();
}

} // namespace

void dsk::registerCpuBackend() {
  TargetBackendRegistry::global().add(std::make_unique<CpuBackend>());
}
