//===- MarkProfileRegions.cpp - bracket the model's ops for a profiler ----===//
//
// Every op that does the work of a graph node (a linalg op, a memref.copy)
// gets a call to @__dsk_profile_mark(region, 0) before it and (region, 1)
// after it. The mark calls the library's exported hook variable when a
// profiler has set it (ModelABI.h), so a run that nobody profiles pays one
// load and one branch per op. The metadata gets one `region` line per
// region: what the runtime needs to name the time it measures.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskDialect.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"
#include "dsk/Runtime/ModelABI.h"

#include "ModelABIBuilders.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/raw_ostream.h"

namespace dsk {
#define GEN_PASS_DEF_DSKMARKPROFILEREGIONS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

constexpr StringLiteral kMarkFunction = "__dsk_profile_mark";

/// One profiling region as the metadata's `region` line describes it.
struct RegionInfo {
  std::string op;
  std::string kernel;
  std::string node;
  std::string shapes;
};

/// Names `op` for a reader of the profile: linalg.generic says whether it
/// reduces, as that is most of what tells one generic from another.
std::string describeOp(Operation *op) {
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return generic.getNumReductionLoops() > 0 ? "linalg.generic(reduction)"
                                              : "linalg.generic(parallel)";
  return op->getName().getStringRef().str();
}

/// "in0,in1->out" for the op's operands.
std::string describeShapes(Operation *op) {
  auto join = [](ValueRange values) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::interleave(
        values, os, [&](Value v) { os << dsk::describeType(v.getType()); },
        ",");
    return text;
  };
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return dsk::describeType(copy.getSource().getType()) + "->" +
           dsk::describeType(copy.getTarget().getType());
  auto dpsOp = cast<DestinationStyleOpInterface>(op);
  return join(dpsOp.getDpsInputs()) + "->" +
         join(ValueRange(dpsOp.getDpsInits()));
}

RegionInfo describeRegion(Operation *op) {
  RegionInfo info;
  info.op = describeOp(op);
  if (auto kernel =
          op->getAttrOfType<dsk::KernelAttr>(dsk::DskDialect::kKernelAttrName))
    info.kernel = kernel.getName().str();
  if (std::optional<StringRef> node = dsk::getNodeName(op->getLoc()))
    info.node = node->str();
  info.shapes = describeShapes(op);
  return info;
}

std::string regionLine(const RegionInfo &region) {
  auto field = [](StringRef text) {
    return text.empty() ? std::string("-") : dsk::model_abi::encodeName(text);
  };
  return "region " + field(region.op) + " " + field(region.kernel) + " " +
         field(region.node) + " " + field(region.shapes) + "\n";
}

/// Whether code in `op` runs on the calling thread only: marks inside a
/// parallel loop would come from the workers.
bool runsOnCallingThread(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent;
       parent = parent->getParentOp())
    if (isa<scf::ParallelOp, scf::ForallOp, omp::ParallelOp>(parent))
      return false;
  return true;
}

/// Builds the exported hook variable (NULL) and the mark function that calls
/// it when set.
LLVM::LLVMFuncOp buildMarkFunction(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i32 = b.getI32Type();
  auto hookType =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {i32, i32});

  auto hook = LLVM::GlobalOp::create(b, loc, ptrType, /*isConstant=*/false,
                                     LLVM::Linkage::External,
                                     DSK_MODEL_PROFILE_HOOK_SYMBOL,
                                     /*value=*/Attribute());
  b.setInsertionPointToStart(b.createBlock(&hook.getInitializerRegion()));
  LLVM::ReturnOp::create(b, loc, LLVM::ZeroOp::create(b, loc, ptrType));

  b.setInsertionPointAfter(hook);
  auto mark = LLVM::LLVMFuncOp::create(b, loc, kMarkFunction, hookType,
                                       LLVM::Linkage::Internal);
  Block *entry = mark.addEntryBlock(b);
  Block *call = b.createBlock(&mark.getBody());
  Block *done = b.createBlock(&mark.getBody());
  b.setInsertionPointToStart(entry);
  Value address = LLVM::AddressOfOp::create(b, loc, hook);
  Value function = LLVM::LoadOp::create(b, loc, ptrType, address);
  Value isNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, function,
                                      LLVM::ZeroOp::create(b, loc, ptrType));
  LLVM::CondBrOp::create(b, loc, isNull, done, call);
  b.setInsertionPointToStart(call);
  SmallVector<Value> operands = {function};
  llvm::append_range(operands, entry->getArguments());
  LLVM::CallOp::create(b, loc, hookType, operands);
  LLVM::BrOp::create(b, loc, done);
  b.setInsertionPointToStart(done);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  return mark;
}

struct MarkProfileRegionsPass
    : public dsk::impl::DskMarkProfileRegionsBase<MarkProfileRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.lookupSymbol(DSK_MODEL_PROFILE_HOOK_SYMBOL) ||
        module.lookupSymbol(kMarkFunction)) {
      module.emitError() << "the module is already marked for profiling (it "
                            "has @"
                         << DSK_MODEL_PROFILE_HOOK_SYMBOL << ")";
      return signalPassFailure();
    }

    SmallVector<Operation *> marked;
    for (auto func : module.getOps<func::FuncOp>()) {
      func.walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (!isa<linalg::LinalgOp, memref::CopyOp, dsk::AttentionKernelOp>(op))
          return WalkResult::advance();
        if (runsOnCallingThread(op))
          marked.push_back(op);
        return WalkResult::skip();
      });
    }

    std::string lines;
    for (Operation *op : marked)
      lines += regionLine(describeRegion(op));
    if (failed(dsk::model_abi::editMetadata(
            module,
            [&](std::string &metadata, Operation *global) -> LogicalResult {
              size_t at = metadata.find("\nworkspace ");
              if (at != std::string::npos)
                at = metadata.find('\n', at + 1);
              if (at == std::string::npos)
                return global->emitError() << "the metadata has no "
                                              "'workspace' line for the "
                                              "region lines to follow";
              metadata.insert(at + 1, lines);
              return success();
            })))
      return signalPassFailure();

    LLVM::LLVMFuncOp mark = buildMarkFunction(module);
    auto i32 = IntegerType::get(module.getContext(), 32);
    for (auto [index, op] : llvm::enumerate(marked)) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      auto constant = [&](int64_t value) -> Value {
        return LLVM::ConstantOp::create(b, loc, i32, value);
      };
      Value region = constant(static_cast<int64_t>(index));
      LLVM::CallOp::create(b, loc, mark, ValueRange{region, constant(0)});
      b.setInsertionPointAfter(op);
      LLVM::CallOp::create(b, loc, mark, ValueRange{region, constant(1)});
    }
  }
};

} // namespace
