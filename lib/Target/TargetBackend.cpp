//===- TargetBackend.cpp - the registry of dsk target backends ------------===//

#include "dsk/Target/TargetBackend.h"

using namespace dsk;
using llvm::StringRef;

CompileStages::~CompileStages() = default;
TargetBackend::~TargetBackend() = default;

StringRef dsk::stringifyEmitLevel(EmitLevel level) {
  switch (level) {
  case EmitLevel::MLIRLLVM:
    return "mlir-llvm";
  case EmitLevel::LLVMIR:
    return "llvm";
  case EmitLevel::Assembly:
    return "asm";
  case EmitLevel::Object:
    return "obj";
  case EmitLevel::Library:
    return "lib";
  }
  llvm_unreachable("unknown emit level");
}

TargetBackendRegistry &TargetBackendRegistry::global() {
  static TargetBackendRegistry registry;
  return registry;
}

void TargetBackendRegistry::add(std::unique_ptr<TargetBackend> backend) {
  if (lookup(backend->getName()))
    return;
  backends.push_back(std::move(backend));
}

TargetBackend *TargetBackendRegistry::lookup(StringRef name) const {
  for (const std::unique_ptr<TargetBackend> &backend : backends)
    if (backend->getName() == name)
      return backend.get();
  return nullptr;
}

TargetBackend *
TargetBackendRegistry::findForTarget(StringRef targetName) const {
  for (const std::unique_ptr<TargetBackend> &backend : backends)
    if (backend->acceptsTarget(targetName))
      return backend.get();
  return nullptr;
}
