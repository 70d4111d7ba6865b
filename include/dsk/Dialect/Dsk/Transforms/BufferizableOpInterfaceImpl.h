//===- BufferizableOpInterfaceImpl.h - bufferizing dsk ops ------*- C++ -*-===//
//
// One-shot bufferization of the dsk ops in destination-passing style
// (dsk.attention_kernel), registered as external models so that the
// dialect itself does not depend on bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define DSK_DIALECT_DSK_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace dsk {
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace dsk

#endif // DSK_DIALECT_DSK_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
