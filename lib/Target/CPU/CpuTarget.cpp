//===- CpuTarget.cpp - the CPU backend: LLVM dialect to a shared library --===//

#include "dsk/Target/CPU/CpuTarget.h"
#include "dsk/Runtime/ModelABI.h"
#include "dsk/Target/TargetBackend.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
#include <mutex>

using namespace dsk::cpu;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

namespace {

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

Expected<const llvm::Target *> lookupTarget(const llvm::Triple &triple) {
  initializeLLVMTargets();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for triple '" +
                                   triple.str() + "': " + error);
  return target;
}

} // namespace

Error dsk::cpu::checkTriple(StringRef triple) {
  Expected<const llvm::Target *> target = lookupTarget(llvm::Triple(
      triple.empty() ? llvm::sys::getDefaultTargetTriple() : triple.str()));
  return target ? Error::success() : target.takeError();
}

dsk::TargetAttr CpuTarget::toAttr(mlir::MLIRContext *context) const {
  llvm::SmallVector<mlir::StringAttr> features;
  for (const std::string &feature : enabledFeatures)
    features.push_back(mlir::StringAttr::get(context, feature));
  return dsk::TargetAttr::get(context, dsk::TargetKind::CPU, arch, cpu,
                              features, std::nullopt, triple);
}

Expected<CpuTarget> dsk::cpu::cpuTargetFromAttr(dsk::TargetAttr attr) {
  if (attr.getKind() != dsk::TargetKind::CPU)
    return llvm::createStringError("the module's target is not a CPU target");
  CpuTarget result;
  llvm::Triple triple(attr.getTriple().empty()
                          ? llvm::sys::getDefaultTargetTriple()
                          : attr.getTriple().str());
  result.triple = triple.str();
  result.arch = attr.getArch().str();
  if (triple.getArchName() != attr.getArch())
    return llvm::createStringError("the target's arch '" + attr.getArch() +
                                   "' is not the architecture of the triple '" +
                                   triple.str() + "'");
  result.cpu = attr.getChip().empty() ? "generic" : attr.getChip().str();
  Expected<const llvm::Target *> target = lookupTarget(triple);
  if (!target)
    return target.takeError();
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      (*target)->createMCSubtargetInfo(triple, "", ""));
  if (!generic || !generic->isCPUStringValid(result.cpu))
    return llvm::createStringError("the target's cpu '" + result.cpu +
                                   "' is not a CPU that LLVM knows for " +
                                   triple.str());

  // The listed features are exactly the enabled ones: what the CPU enables
  // by default but the list lacks is turned off first, then every listed
  // feature is turned on (which re-enables what it implies).
  llvm::StringSet<> listed;
  for (mlir::StringAttr feature : attr.getFeatures()) {
    listed.insert(feature.getValue());
    result.enabledFeatures.push_back(feature.getValue().str());
  }
  std::unique_ptr<llvm::MCSubtargetInfo> byCpu(
      (*target)->createMCSubtargetInfo(triple, result.cpu, ""));
  llvm::SmallVector<std::string> flags;
  for (const llvm::SubtargetFeatureKV &feature :
       byCpu->getAllProcessorFeatures())
    if (byCpu->getFeatureBits().test(feature.Value) &&
        !listed.contains(feature.Key))
      flags.push_back(std::string("-") + feature.Key);
  for (const std::string &feature : result.enabledFeatures) {
    bool known = llvm::any_of(
        byCpu->getAllProcessorFeatures(),
        [&](const llvm::SubtargetFeatureKV &kv) { return feature == kv.Key; });
    if (!known)
      return llvm::createStringError(
          "the target lists the feature '" + feature +
          "', which LLVM does not know for " + triple.str());
    flags.push_back("+" + feature);
  }
  result.featureFlags = llvm::join(flags, ",");
  return result;
}

Expected<CpuTarget> dsk::cpu::resolveCpuTarget(StringRef name,
                                               StringRef tripleName) {
  CpuTarget result;
  llvm::Triple triple(tripleName.empty() ? llvm::sys::getDefaultTargetTriple()
                                         : tripleName.str());
  result.triple = triple.str();
  result.arch = triple.getArchName().str();
  Expected<const llvm::Target *> target = lookupTarget(triple);
  if (!target)
    return target.takeError();

  if (name == "host") {
    result.cpu = llvm::sys::getHostCPUName().str();
    llvm::SmallVector<std::string> flags;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      flags.push_back((feature.second ? "+" : "-") + feature.first().str());
    llvm::sort(flags);
    result.featureFlags = llvm::join(flags, ",");
  } else {
    result.cpu = name.str();
  }

  // Asked of a generic subtarget first: creating one for an unknown CPU
  // prints LLVM's own warning.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      (*target)->createMCSubtargetInfo(triple, "", ""));
  if (!generic || !generic->isCPUStringValid(result.cpu))
    return llvm::createStringError(
        "unknown target '" + name +
        "': not 'host' and not a CPU "
        "that LLVM knows for " +
        triple.str() +
        " (try x86-64, x86-64-v2, x86-64-v3, x86-64-v4, haswell, "
        "skylake-avx512, znver4, ...)");
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      (*target)->createMCSubtargetInfo(triple, result.cpu,
                                       result.featureFlags));
  for (const llvm::SubtargetFeatureKV &feature :
       subtarget->getAllProcessorFeatures())
    if (subtarget->getFeatureBits().test(feature.Value))
      result.enabledFeatures.push_back(feature.Key);
  return result;
}

Expected<std::unique_ptr<llvm::TargetMachine>>
dsk::cpu::createTargetMachine(const CpuTarget &target, unsigned optLevel) {
  llvm::Triple triple(target.triple);
  Expected<const llvm::Target *> llvmTarget = lookupTarget(triple);
  if (!llvmTarget)
    return llvmTarget.takeError();
  std::optional<llvm::CodeGenOptLevel> level =
      llvm::CodeGenOpt::getLevel(static_cast<int>(optLevel));
  if (!level)
    return llvm::createStringError(
        "optimization level " + llvm::Twine(optLevel) + " is not 0, 1, 2 or 3");
  llvm::TargetOptions options;
  // a * b + c becomes one fused multiply-add where the CPU has FMA: one
  // rounding instead of two (as ONNX Runtime's and BLAS kernels compute),
  // and half the instructions in every contraction's inner loop.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  std::unique_ptr<llvm::TargetMachine> machine(
      (*llvmTarget)
          ->createTargetMachine(triple, target.cpu, target.featureFlags,
                                options, llvm::Reloc::PIC_, std::nullopt,
                                *level));
  if (!machine)
    return llvm::createStringError("LLVM cannot create a target machine for " +
                                   target.triple + " " + target.cpu);
  return machine;
}

void dsk::cpu::registerTranslations(mlir::DialectRegistry &registry) {
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry);
}

std::string dsk::cpu::compilerRtBuiltins(const CpuTarget &target) {
  llvm::SmallString<128> path(DSK_COMPILER_RT_DIR);
  llvm::sys::path::append(path, "libclang_rt.builtins-" + target.arch + ".a");
  return path.str().str();
}

bool dsk::cpu::usesOpenMP(const llvm::Module &module) {
  // Every parallel region is forked through this entry point of libomp.
  const llvm::Function *fork = module.getFunction("__kmpc_fork_call");
  return fork && !fork->use_empty();
}

Expected<std::unique_ptr<llvm::Module>>
dsk::cpu::translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                            llvm::TargetMachine &machine) {
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "dsk_model");
  if (!llvmModule)
    return llvm::createStringError(
        "translation to LLVM IR failed (see the diagnostics "
        "above)");
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());

  for (StringRef symbol :
       {StringRef(DSK_MODEL_RUN_SYMBOL), StringRef(DSK_MODEL_METADATA_SYMBOL)})
    if (!llvmModule->getNamedValue(symbol))
      return llvm::createStringError("the module does not define @" + symbol +
                                     "; it must come from dsk-cpu-pipeline");
  // Only the ABI (with the profiler's hook) is exported; everything else may be
  // inlined, renamed or dropped by the optimizer.
  for (llvm::GlobalValue &value : llvmModule->global_values()) {
    if (value.isDeclaration())
      continue;
    StringRef valueName = value.getName();
    if (valueName == DSK_MODEL_RUN_SYMBOL ||
        valueName == DSK_MODEL_METADATA_SYMBOL ||
        valueName == DSK_MODEL_PROFILE_HOOK_SYMBOL) {
      value.setVisibility(llvm::GlobalValue::DefaultVisibility);
      continue;
    }
    value.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  // The cpu and features of the machine become function attributes, so the
  // optimizer vectorizes for them.
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", machine.getTargetCPU());
    if (!machine.getTargetFeatureString().empty())
      function.addFnAttr("target-features", machine.getTargetFeatureString());
  }
  return llvmModule;
}

Error dsk::cpu::optimize(llvm::Module &module, llvm::TargetMachine &machine,
                         unsigned optLevel) {
  auto transformer =
      mlir::makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine);
  return transformer(&module);
}

Error dsk::cpu::emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                           llvm::raw_pwrite_stream &os, bool assembly) {
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, os, nullptr,
                                  assembly ? llvm::CodeGenFileType::AssemblyFile
                                           : llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError(llvm::Twine("LLVM cannot emit ") +
                                   (assembly ? "assembly" : "an object file") +
                                   " for " + machine.getTargetTriple().str());
  codegen.run(module);
  return Error::success();
}

Error dsk::cpu::linkSharedLibrary(StringRef objectPath, StringRef outputPath,
                                  const LinkOptions &options) {
  StringRef linker = options.linker;
  std::string driver;
  if (!linker.empty()) {
    // A path must exist as given; a bare name is looked up on PATH.
    if (llvm::sys::fs::can_execute(linker)) {
      driver = linker.str();
    } else if (!linker.contains('/')) {
      if (auto found = llvm::sys::findProgramByName(linker))
        driver = *found;
    }
    if (driver.empty())
      return llvm::createStringError("the linker '" + linker +
                                     "' was not found");
  } else {
    llvm::SmallVector<std::string> candidates;
    if (const char *cc = std::getenv("CC"); cc && *cc)
      candidates.push_back(cc);
    candidates.append({"cc", "clang-22", "clang", "gcc"});
    for (const std::string &candidate : candidates)
      if (auto found = llvm::sys::findProgramByName(candidate)) {
        driver = *found;
        break;
      }
    if (driver.empty())
      return llvm::createStringError(
          "no C compiler driver to link with ($CC, cc, clang-22, "
          "clang, gcc); install one or pass --linker");
  }

  llvm::SmallVector<std::string> args = {driver,
                                         "-shared",
                                         "-o",
                                         outputPath.str(),
                                         objectPath.str(),
                                         "-Wl,-z,noexecstack",
                                         "-Wl,-z,relro,-z,now",
                                         "-lm"};
  // compiler-rt's builtins: LLVM lowers some conversions (f32 -> bf16 in
  // promoted bf16 arithmetic) to calls that libgcc does not have. Only the
  // members the object needs are linked, into the library itself.
  if (!options.builtinsArchive.empty()) {
    if (!llvm::sys::fs::exists(options.builtinsArchive))
      return llvm::createStringError(
          "compiler-rt's builtins (" + options.builtinsArchive +
          ") do not exist; install libclang-rt-22-dev");
    args.push_back(options.builtinsArchive);
  }
  if (options.openmp) {
    // LLVM's OpenMP runtime, found at run time through the rpath.
    StringRef dir = DSK_OPENMP_LIBRARY_DIR;
    llvm::SmallString<128> library(dir);
    llvm::sys::path::append(library, "libomp.so");
    if (!llvm::sys::fs::exists(library))
      return llvm::createStringError(
          "the model runs loops on OpenMP threads, but " + library +
          " does not exist; install libomp-22-dev or compile "
          "with --parallel=false");
    args.append({"-L" + dir.str(), "-Wl,-rpath," + dir.str(), "-lomp"});
  }
  std::string message;
  llvm::SmallVector<StringRef> argRefs(args.begin(), args.end());
  int status = llvm::sys::ExecuteAndWait(driver, argRefs, std::nullopt, {}, 0,
                                         0, &message);
  if (status != 0)
    return llvm::createStringError(
        "linking " + outputPath + " with " + driver + " failed" +
        (message.empty() ? "" : ": " + message) + " (exit status " +
        llvm::Twine(status) + ")");
  return appendModelFileTrailer(outputPath);
}
