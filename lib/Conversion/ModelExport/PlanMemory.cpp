//===- PlanMemory.cpp - lay out a model's intermediates in its workspace --===//
//
// Static memory planning: the intermediate buffers of the exported run
// function are given offsets in the caller's workspace at compile time, from
// their lifetimes, so that a run allocates nothing for them and buffers whose
// lifetimes do not overlap share memory.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Runtime/ModelABI.h"

#include "ModelABIBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace dsk {
#define GEN_PASS_DEF_DSKPLANMEMORY
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// One intermediate buffer that lives in the workspace.
struct PlannedBuffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  /// Positions in the run function's block between which the buffer is
  /// live, inclusive.
  int64_t first, last;
  int64_t bytes, alignment;
  int64_t offset = 0;
};

/// Bytes of one element as the LLVM lowering of memrefs stores it, or
/// nothing for element types the plan leaves to the allocator.
std::optional<int64_t> elementBytes(Type type) {
  if (!type.isIntOrFloat())
    return std::nullopt;
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
}

/// The positions in `block` of the first and last ops that read or write
/// `buffer` through any of its views (ops nested in a loop count as the
/// loop); (max, -1) when nothing does (a destination whose writer a kernel
/// absorbed). None when a use hides where the memory is used: an op that
/// returns a memref other than a view of it, a region terminator that
/// passes it on, or one that takes its address.
std::optional<std::pair<int64_t, int64_t>>
usedRange(Value buffer, Block &block,
          const DenseMap<Operation *, int64_t> &position) {
  int64_t first = std::numeric_limits<int64_t>::max(), last = -1;
  SmallVector<Value> aliases = {buffer};
  while (!aliases.empty()) {
    Value alias = aliases.pop_back_val();
    for (Operation *user : alias.getUsers()) {
      if (isa<memref::DeallocOp>(user))
        continue;
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (view && view.getViewSource() == alias) {
        llvm::append_range(aliases, user->getResults());
        continue;
      }
      if (user->hasTrait<OpTrait::IsTerminator>() ||
          isa<memref::ExtractAlignedPointerAsIndexOp,
              memref::ExtractStridedMetadataOp>(user) ||
          llvm::any_of(user->getResultTypes(),
                       [](Type type) { return isa<BaseMemRefType>(type); }))
        return std::nullopt;
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      int64_t at = position.lookup(top);
      first = std::min(first, at);
      last = std::max(last, at);
    }
  }
  return std::make_pair(first, last);
}

/// Erases `op` after every op that uses its results (views of a buffer
/// that nothing reads or writes, and their deallocs).
void eraseWithUsers(Operation *op) {
  for (Value result : op->getResults())
    for (Operation *user : llvm::make_early_inc_range(result.getUsers()))
      eraseWithUsers(user);
  op->erase();
}

/// The buffers of `block` that the plan can place: statically shaped
/// allocations in the default memory space with an identity layout, made
/// in the block itself and freed by exactly one dealloc in it. Those that
/// nothing reads or writes go to `unused` instead. A buffer is
/// live from its first to its last use (buffer deallocation puts the
/// deallocs at the end of the block, far after the last use), or from the
/// alloc to the dealloc when its uses cannot be followed.
SmallVector<PlannedBuffer>
collectBuffers(Block &block, SmallVectorImpl<Operation *> &unused) {
  DenseMap<Operation *, int64_t> position;
  for (auto [index, op] : llvm::enumerate(block))
    position[&op] = index;
  SmallVector<PlannedBuffer> buffers;
  for (Operation &op : block) {
    auto alloc = dyn_cast<memref::AllocOp>(op);
    if (!alloc)
      continue;
    MemRefType type = alloc.getType();
    std::optional<int64_t> element = elementBytes(type.getElementType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getMemorySpace() || !element)
      continue;
    SmallVector<memref::DeallocOp> deallocs;
    for (Operation *user : alloc->getUsers())
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user))
        deallocs.push_back(dealloc);
    if (deallocs.size() != 1 || deallocs[0]->getBlock() != &block)
      continue;
    std::optional<std::pair<int64_t, int64_t>> used =
        usedRange(alloc, block, position);
    if (used && used->second < 0) {
      unused.push_back(alloc);
      continue;
    }
    PlannedBuffer buffer;
    buffer.alloc = alloc;
    buffer.dealloc = deallocs[0];
    std::tie(buffer.first, buffer.last) =
        used.value_or(std::make_pair(position[alloc], position[deallocs[0]]));
    buffer.bytes = std::max<int64_t>(1, type.getNumElements() * *element);
    buffer.alignment = std::max<int64_t>(DSK_MODEL_WORKSPACE_ALIGNMENT,
                                         alloc.getAlignment().value_or(1));
    buffers.push_back(buffer);
  }
  return buffers;
}

/// Gives every buffer an offset such that buffers that are live at the
/// same time never overlap: largest first, each at the lowest aligned
/// offset that fits between the buffers already placed whose lifetimes
/// meet its own. Returns the workspace size.
int64_t placeBuffers(MutableArrayRef<PlannedBuffer> buffers) {
  SmallVector<PlannedBuffer *> order =
      llvm::map_to_vector(buffers, [](PlannedBuffer &b) { return &b; });
  llvm::sort(order, [](PlannedBuffer *a, PlannedBuffer *b) {
    return std::make_pair(-a->bytes, a->first) <
           std::make_pair(-b->bytes, b->first);
  });
  SmallVector<PlannedBuffer *> placed;
  int64_t size = 0;
  for (PlannedBuffer *buffer : order) {
    SmallVector<PlannedBuffer *> live;
    for (PlannedBuffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        live.push_back(other);
    llvm::sort(live, [](PlannedBuffer *a, PlannedBuffer *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0;
    for (PlannedBuffer *other : live) {
      if (offset + buffer->bytes <= other->offset)
        break;
      offset =
          std::max<int64_t>(offset, llvm::alignTo(other->offset + other->bytes,
                                                  buffer->alignment));
    }
    buffer->offset = offset;
    placed.push_back(buffer);
    size = std::max(size, offset + buffer->bytes);
  }
  return static_cast<int64_t>(
      llvm::alignTo(size, DSK_MODEL_WORKSPACE_ALIGNMENT));
}

/// Writes `size` into the metadata's workspace line.
LogicalResult recordWorkspaceSize(ModuleOp module, int64_t size) {
  return dsk::model_abi::editMetadata(
      module, [&](std::string &metadata, Operation *global) -> LogicalResult {
        std::string unplanned = "\n" + dsk::model_abi::workspaceLine(0);
        size_t at = metadata.find(unplanned);
        if (at == std::string::npos)
          return global->emitError()
                 << "the metadata has no 'workspace 0' line to fill in";
        metadata.replace(at, unplanned.size(),
                         "\n" + dsk::model_abi::workspaceLine(size));
        return success();
      });
}

struct PlanMemoryPass : public dsk::impl::DskPlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto run = module.lookupSymbol<func::FuncOp>(DSK_MODEL_RUN_SYMBOL);
    if (!run || run.isExternal() || run.getNumArguments() != 2 ||
        !run.getBody().hasOneBlock()) {
      module.emitError() << "the module needs a @" << DSK_MODEL_RUN_SYMBOL
                         << "(buffers, workspace) of one block, as "
                            "dsk-export-model makes it";
      return signalPassFailure();
    }
    Block &block = run.getBody().front();
    SmallVector<Operation *> unused;
    SmallVector<PlannedBuffer> buffers = collectBuffers(block, unused);
    for (Operation *alloc : unused)
      eraseWithUsers(alloc);
    int64_t size = placeBuffers(buffers);
    if (failed(recordWorkspaceSize(module, size)))
      return signalPassFailure();
    if (buffers.empty())
      return;

    OpBuilder b(&block, block.begin());
    Location loc = run.getLoc();
    Value workspace = dsk::model_abi::buildMemRefFromPointer(
        b, loc, run.getArgument(1),
        MemRefType::get({size}, b.getIntegerType(8)));
    for (PlannedBuffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Value offset = arith::ConstantIndexOp::create(b, buffer.alloc.getLoc(),
                                                    buffer.offset);
      Value view = memref::ViewOp::create(b, buffer.alloc.getLoc(),
                                          buffer.alloc.getType(), workspace,
                                          offset, ValueRange{});
      buffer.alloc.replaceAllUsesWith(view);
      buffer.dealloc.erase();
      buffer.alloc.erase();
    }
  }
};

} // namespace
