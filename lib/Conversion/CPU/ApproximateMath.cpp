//===- ApproximateMath.cpp - vectorizable math functions ------------------===//
//
// LLVM lowers math.erf, math.exp and math.tanh to calls of libm's scalar
// functions (erff, expf, tanhf) when it has no vector library, which keeps
// the loops around them (GELU, softmax, sigmoid) scalar. MLIR's polynomial
// approximations are plain arithmetic that vectorizes like the rest of the
// loop body.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPUAPPROXIMATEMATH
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

struct ApproximateMathPass
    : public dsk::impl::DskCpuApproximateMathBase<ApproximateMathPass> {
  using DskCpuApproximateMathBase::DskCpuApproximateMathBase;

  void runOnOperation() override {
    // The approximations are chains of math.fma, which a CPU without FMA
    // computes by calling libm's fmaf per element: slower than the
    // functions they replace.
    if (dsk::TargetAttr target = dsk::getTarget(getOperation());
        target && !target.hasFeature("fma"))
      return;
    llvm::StringSet<> selected;
    for (const std::string &name : functions)
      selected.insert(name);
    if (functions.empty())
      for (StringRef name :
           {math::ErfOp::getOperationName(), math::ExpOp::getOperationName(),
            math::TanhOp::getOperationName()})
        selected.insert(name);
    // Only the selected ops and what their rewrites create are visited: a
    // whole-module greedy rewrite costs time superlinear in the size of a
    // deep model's lowered code, which is mostly kernels.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (selected.contains(op->getName().getStringRef()))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return selected.contains(name); });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
