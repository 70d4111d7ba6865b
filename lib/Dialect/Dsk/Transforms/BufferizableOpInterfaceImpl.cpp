//===- BufferizableOpInterfaceImpl.cpp - bufferizing dsk ops --------------===//

#include "dsk/Dialect/Dsk/Transforms/BufferizableOpInterfaceImpl.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

/// dsk.attention_kernel on tensors becomes the same op on the buffers of
/// its operands, writing the init's buffer in place.
struct AttentionKernelOpInterface
    : public DstBufferizableOpInterfaceExternalModel<AttentionKernelOpInterface,
                                                     dsk::AttentionKernelOp> {
  /// The init is only written: its contents need not be copied in.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &state) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto attention = cast<dsk::AttentionKernelOp>(op);
    if (attention.hasPureBufferSemantics())
      return success();
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OperationState bufferized(op->getLoc(), op->getName(), buffers, TypeRange(),
                              op->getAttrs());
    rewriter.create(bufferized);
    replaceOpWithBufferizedValues(rewriter, op, buffers.back());
    return success();
  }
};

} // namespace

void dsk::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, dsk::DskDialect *) {
    dsk::AttentionKernelOp::attachInterface<AttentionKernelOpInterface>(*ctx);
  });
}
