//===- Targets.cpp - registration of every dsk target backend -------------===//

#include "dsk/Target/Targets.h"

void dsk::registerAllTargetBackends() { registerCpuBackend(); }
