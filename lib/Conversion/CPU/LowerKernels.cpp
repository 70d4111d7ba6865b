//===- LowerKernels.cpp - the selected CPU kernels' code on buffers -------===//
//
// Generates the code of the CPU kernels that dsk-select-kernels chose, after
// bufferization: explicit loops and vector-dialect microkernels whose
// register blocking comes from the kernel's tiles. The generators live in
// one file per kernel family (KernelLowerings.h).
//
//===----------------------------------------------------------------------===//

#include "KernelLowerings.h"

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPULOWERKERNELS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;

namespace {

struct LowerKernelsPass
    : public dsk::impl::DskCpuLowerKernelsBase<LowerKernelsPass> {
  using DskCpuLowerKernelsBase::DskCpuLowerKernelsBase;

  void runOnOperation() override {
    cpu::ThreadingOptions options;
    options.parallel = parallel;
    options.minParallelFlops = minParallelFlops;
    options.rowBlock = rowBlock;
    options.columnGroup = columnGroup;
    options.minTasks = minTasks;
    // Collected first: the generators replace ops.
    SmallVector<std::pair<Operation *, KernelAttr>> selected;
    getOperation().walk([&](Operation *op) {
      if (auto kernel =
              op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName))
        selected.push_back({op, kernel});
    });
    IRRewriter rewriter(&getContext());
    // An op whose buffers the kernel cannot address (hand-written IR: the
    // pipeline's own ops always fit) keeps its loops, and says so: the
    // kernel report promised the kernel.
    auto keepLoops = [](Operation *op, StringRef name) {
      op->emitWarning() << "kernel '" << name
                        << "' does not fit this op; it keeps its reference "
                           "lowering";
      op->removeAttr(DskDialect::kKernelAttrName);
    };
    for (auto [op, kernel] : selected) {
      StringRef name = kernel.getName();
      if (auto generic = dyn_cast<linalg::GenericOp>(op);
          generic && (kernels::isGemmF32(name) || kernels::isConv2dF32(name))) {
        if (!cpu::lowerPackedGemm(rewriter, generic, kernel, options))
          keepLoops(op, name);
        continue;
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(op);
          generic && kernels::isConv2dChannelsF32(name)) {
        if (!cpu::lowerChannelsConv(rewriter, generic, kernel, options))
          keepLoops(op, name);
        continue;
      }
      if (auto conv = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op);
          conv && kernels::isDepthwiseConv2dF32(name)) {
        if (!cpu::lowerDepthwiseConv(rewriter, conv, kernel, options))
          keepLoops(op, name);
        continue;
      }
      if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op) &&
          kernels::isPool2dF32(name)) {
        if (!cpu::lowerPool(rewriter, cast<linalg::LinalgOp>(op), kernel,
                            options))
          keepLoops(op, name);
        continue;
      }
      // Unlike the ops above, an attention kernel op has no loops of its
      // own to fall back to.
      if (auto attention = dyn_cast<AttentionKernelOp>(op)) {
        if (!kernels::isAttentionF32(name) ||
            !cpu::lowerAttention(rewriter, attention, kernel, options)) {
          attention.emitOpError()
              << "cannot be lowered with kernel '" << name
              << "' (the f32 attention kernels need buffers of static "
                 "shapes and tiles [rows, vector width])";
          return signalPassFailure();
        }
      }
    }
    // Padding borders that the kernels skip are no longer read.
    cpu::eraseUnreadFills(rewriter, getOperation());
    // An attention kernel op without a kernel cannot be lowered either.
    WalkResult unlowered = getOperation().walk([](AttentionKernelOp op) {
      op.emitOpError() << "has no #dsk.kernel to lower it with "
                          "(dsk-select-kernels chooses one)";
      return WalkResult::interrupt();
    });
    if (unlowered.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace
