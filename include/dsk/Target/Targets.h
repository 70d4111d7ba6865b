//===- Targets.h - registration of every dsk target backend -----*- C++ -*-===//

#ifndef DSK_TARGET_TARGETS_H
#define DSK_TARGET_TARGETS_H

namespace dsk {

/// Adds the CPU backend (LLVM, x86-64 and any CPU LLVM knows) to the global
/// TargetBackendRegistry.
void registerCpuBackend();

/// Adds every backend this build has to the global TargetBackendRegistry.
void registerAllTargetBackends();

} // namespace dsk

#endif // DSK_TARGET_TARGETS_H
