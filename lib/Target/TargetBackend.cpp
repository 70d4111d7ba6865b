//===- TargetBackend.cpp - the registry of dsk target backends ------------===//

#include "dsk/Target/TargetBackend.h"
#include "dsk/Runtime/ModelABI.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

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

llvm::Error dsk::appendModelFileTrailer(StringRef libraryPath) {
  auto file = llvm::MemoryBuffer::getFile(libraryPath, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError("cannot read " + libraryPath + ": " +
                                   file.getError().message());
  uint64_t size = (*file)->getBufferSize();
  uint64_t checksum = dsk_model_checksum((*file)->getBufferStart(), size);
  file->reset();
  std::error_code error;
  llvm::raw_fd_ostream out(libraryPath, error, llvm::sys::fs::OF_Append);
  if (error)
    return llvm::createStringError("cannot append to " + libraryPath + ": " +
                                   error.message());
  out << DSK_MODEL_TRAILER_MAGIC;
  for (uint64_t field : {size, checksum, uint64_t(0)}) {
    char bytes[8];
    llvm::support::endian::write64le(bytes, field);
    out.write(bytes, sizeof(bytes));
  }
  out.close();
  if (out.has_error())
    return llvm::createStringError("writing " + libraryPath +
                                   " failed: " + out.error().message());
  return llvm::Error::success();
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
