//===- DskOps.h - dsk operations --------------------------------*- C++ -*-===//

#ifndef DSK_DIALECT_DSK_IR_DSKOPS_H
#define DSK_DIALECT_DSK_IR_DSKOPS_H

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dsk/Dialect/Dsk/IR/DskOps.h.inc"

#endif // DSK_DIALECT_DSK_IR_DSKOPS_H
