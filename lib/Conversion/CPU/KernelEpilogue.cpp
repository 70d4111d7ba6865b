//===- FusedElementwise.cpp - elementwise consumers in a kernel's store
//-----===//
//
// After bufferization, a GEMM or convolution kernel's output is often read
// once more by an elementwise op (bias, ReLU / Clip, a residual add) that
// makes its own pass over memory. When that op directly follows the kernel
// and nothing else can observe the kernel's raw output, the kernel computes
// the op in its last store instead: the op's body on vectors of the
// accumulators, its other operands read at the same output element.
//
//===----------------------------------------------------------------------===//

#include "KernelLowerings.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

constexpr StringLiteral kProfileMark = "__dsk_profile_mark";

bool isProfileMark(Operation *op) {
  auto call = dyn_cast<LLVM::CallOp>(op);
  return call && call.getCallee() == kProfileMark;
}

/// The buffer a view is of (through subviews, reshapes, casts).
Value rootOf(Value buffer) {
  while (Operation *def = buffer.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    buffer = view.getViewSource();
  }
  return buffer;
}

/// Whether `op` neither reads nor writes buffer contents, so that a kernel
/// and the op after it stay adjacent across it.
bool isInert(Operation *op) {
  return isProfileMark(op) || isa<ViewLikeOpInterface>(op) ||
         isa<memref::AllocOp, memref::GetGlobalOp, arith::ConstantOp,
             LLVM::ConstantOp>(op);
}

/// The dimensions of the epilogue's iteration space (the kernel output's
/// original shape) that each dimension of the kernel's output covers:
/// `kernelOutput` is `value`, its collapse, or collapses into an expand of
/// it. Row-major order is kept by reshapes, so consecutive columns of the
/// kernel are consecutive elements of the epilogue's innermost dimension.
std::optional<SmallVector<ReassociationIndices>> groupsOf(Value kernelOutput,
                                                          Value value) {
  auto kernelType = cast<MemRefType>(kernelOutput.getType());
  if (kernelOutput == value) {
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < kernelType.getRank(); ++d)
      groups.push_back({d});
    return groups;
  }
  if (auto collapse = kernelOutput.getDefiningOp<memref::CollapseShapeOp>();
      collapse && collapse.getSrc() == value)
    return collapse.getReassociationIndices();
  if (auto expand = value.getDefiningOp<memref::ExpandShapeOp>();
      expand && expand.getSrc() == kernelOutput)
    return expand.getReassociationIndices();
  return std::nullopt;
}

/// Makes `value` available before `kernelOp`: a static allocation, a view
/// of one or a constant, defined between the kernel and its epilogue, moves
/// up.
bool hoistBefore(Value value, Operation *kernelOp) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != kernelOp->getBlock() ||
      def->isBeforeInBlock(kernelOp))
    return true;
  bool movable = (isa<memref::AllocOp>(def) && def->getNumOperands() == 0) ||
                 isa<ViewLikeOpInterface>(def) ||
                 def->hasTrait<OpTrait::ConstantLike>();
  if (!movable)
    return false;
  for (Value operand : def->getOperands())
    if (!hoistBefore(operand, kernelOp))
      return false;
  def->moveBefore(kernelOp);
  return true;
}

} // namespace

/// Whether `op` overwrites all of `root` (through an init that covers it)
/// without reading it.
static bool overwrites(Operation *op, Value root) {
  auto generic = dyn_cast<linalg::LinalgOp>(op);
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0)
    return false;
  OpOperand *init = generic.getDpsInitOperand(0);
  auto initType = cast<MemRefType>(init->get().getType());
  if (rootOf(init->get()) != root ||
      generic.payloadUsesValueFromOperand(init) ||
      !generic.getMatchingIndexingMap(init).isIdentity() ||
      initType.getNumElements() !=
          cast<MemRefType>(root.getType()).getNumElements() ||
      !initType.getLayout().isIdentity())
    return false;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (rootOf(input->get()) == root)
      return false;
  return true;
}

/// Whether nothing reads the kernel's raw output (buffer `root`) after its
/// epilogue `epilogue`: it is an allocation of the function's own, its other
/// users are views and deallocations, and the first op after the epilogue
/// that uses it overwrites it all.
static bool rawOutputIsDead(Operation *kernelOp, Operation *epilogue,
                            Value root) {
  // Only a buffer of the function's own: its caller sees the others.
  if (!root.getDefiningOp<memref::AllocOp>())
    return false;
  Operation *firstLater = nullptr;
  SmallVector<Value> pending = {root};
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == epilogue || user == kernelOp || isa<memref::DeallocOp>(user))
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value) {
        pending.push_back(view->getResult(0));
        continue;
      }
      // A use inside loops (an earlier kernel's code) counts where its
      // outermost op in this block is.
      Operation *at = epilogue->getBlock()->findAncestorOpInBlock(*user);
      if (!at)
        return false;
      // Users before the kernel ran before it; between the kernel and the
      // epilogue there are none (matchEpilogue's scan).
      if (at->isBeforeInBlock(kernelOp))
        continue;
      if (at != user)
        return false;
      if (!firstLater || user->isBeforeInBlock(firstLater))
        firstLater = user;
    }
  }
  return !firstLater || overwrites(firstLater, root);
}

/// Whether the static subviews `a` and `b` of one buffer share no element.
static bool areDisjoint(Value a, Value b) {
  auto subA = a.getDefiningOp<memref::SubViewOp>();
  auto subB = b.getDefiningOp<memref::SubViewOp>();
  if (!subA || !subB || subA.getSource() != subB.getSource() ||
      !subA.hasUnitStride() || !subB.hasUnitStride() ||
      subA.getSourceType().getRank() != subA.getType().getRank() ||
      subB.getSourceType().getRank() != subB.getType().getRank())
    return false;
  for (auto [offsetA, sizeA, offsetB, sizeB] :
       llvm::zip_equal(subA.getStaticOffsets(), subA.getStaticSizes(),
                       subB.getStaticOffsets(), subB.getStaticSizes())) {
    if (ShapedType::isDynamic(offsetA) || ShapedType::isDynamic(sizeA) ||
        ShapedType::isDynamic(offsetB) || ShapedType::isDynamic(sizeB))
      return false;
    if (offsetA + sizeA <= offsetB || offsetB + sizeB <= offsetA)
      return true;
  }
  return false;
}

/// Whether `op` reads or writes (through views) a buffer whose root is in
/// `roots`.
static bool touches(Operation *op, ArrayRef<Value> roots) {
  for (Value operand : op->getOperands())
    if (isa<MemRefType>(operand.getType()) &&
        llvm::is_contained(roots, rootOf(operand)))
      return true;
  return false;
}

/// How each input of the elementwise op `op` is read at a kernel output
/// element (`result`: the input that is the kernel's output, if any); none
/// when an input fits no way.
static std::optional<SmallVector<FusedElementwise::Input>>
classifyInputs(linalg::GenericOp op, OpOperand *result,
               ArrayRef<ReassociationIndices> groups) {
  SmallVector<FusedElementwise::Input> inputs;
  auto outputType = cast<MemRefType>(op.getDpsInits()[0].getType());
  int64_t rank = outputType.getRank();
  // The kernel's result, a value per row or column of the kernel's
  // output, or the same element of a buffer of the output's shape.
  int64_t columnDims = groups.back().size();
  for (OpOperand *input : op.getDpsInputOperands()) {
    FusedElementwise::Input in;
    in.buffer = input->get();
    AffineMap map = op.getMatchingIndexingMap(input);
    auto type = cast<MemRefType>(in.buffer.getType());
    if (input == result) {
      in.source = FusedElementwise::Source::Result;
    } else if (map.isIdentity() && type.getShape() == outputType.getShape() &&
               isInnerContiguous(in.buffer)) {
      in.source = FusedElementwise::Source::Same;
    } else {
      // Indexed by some loops: all before the kernel's columns (a value per
      // row), or just the innermost when the columns are one dimension (a
      // vector per column).
      bool rowsOnly = true, innermostOnly = columnDims == 1;
      for (AffineExpr expr : map.getResults()) {
        if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
          if (constant.getValue() != 0)
            return std::nullopt;
          continue;
        }
        auto dim = dyn_cast<AffineDimExpr>(expr);
        if (!dim)
          return std::nullopt;
        int64_t position = dim.getPosition();
        rowsOnly &= position < rank - columnDims;
        innermostOnly &= position == rank - 1;
      }
      if (rowsOnly)
        in.source = FusedElementwise::Source::Row;
      else if (innermostOnly && isInnerContiguous(in.buffer))
        in.source = FusedElementwise::Source::Column;
      else
        return std::nullopt;
      in.map = map;
    }
    inputs.push_back(in);
  }
  return inputs;
}

/// Whether `op`'s body is elementwise ops on f32 values that do not read
/// the output's contents.
static bool isElementwiseBody(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (!body.getArgument(body.getNumArguments() - 1).use_empty())
    return false;
  for (Operation &bodyOp : body.without_terminator())
    if (!bodyOp.hasTrait<OpTrait::Elementwise>() &&
        !isa<arith::ConstantOp>(bodyOp))
      return false;
  return llvm::all_of(body.getArgumentTypes(),
                      [](Type type) { return type.isF32(); });
}

/// The nearest op after (`forward`) or before `kernelOp` that touches
/// `root`, past inert ops; the linalg ops and copies stepped over on the way
/// (which touch other buffers) go into `between`. Null when an op of any
/// other kind, or the block's end, comes first.
static Operation *nearestUse(Operation *kernelOp, Value root, bool forward,
                             SmallVectorImpl<Operation *> &between) {
  for (Operation *op = forward ? kernelOp->getNextNode()
                               : kernelOp->getPrevNode();
       op; op = forward ? op->getNextNode() : op->getPrevNode()) {
    if (isInert(op))
      continue;
    if (touches(op, {root}) || !isa<linalg::LinalgOp, memref::CopyOp>(op))
      return op;
    between.push_back(op);
  }
  return nullptr;
}

static std::optional<FusedElementwise>
matchEpilogue(Operation *kernelOp, Value kernelOutput,
              ArrayRef<Value> kernelInputs) {
  // The first op after the kernel that uses its output; those in between
  // must not touch the buffers it uses (checked below).
  SmallVector<Operation *> between;
  Operation *next = nearestUse(kernelOp, rootOf(kernelOutput),
                               /*forward=*/true, between);
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 ||
      op->hasAttr(DskDialect::kKernelAttrName))
    return std::nullopt;
  SmallVector<Value> opRoots =
      llvm::map_to_vector(op->getOperands(), [](Value v) { return rootOf(v); });
  // Ops in between may write other parts of the epilogue's output buffer
  // (a padded buffer's border, while the epilogue writes its interior).
  SmallVector<Value> inputRoots =
      llvm::map_to_vector(op.getDpsInputs(), [](Value v) { return rootOf(v); });
  Value output0 = op.getDpsInits()[0];
  for (Operation *other : between) {
    if (touches(other, inputRoots))
      return std::nullopt;
    for (Value operand : other->getOperands())
      if (isa<MemRefType>(operand.getType()) &&
          rootOf(operand) == rootOf(output0) && !areDisjoint(operand, output0))
        return std::nullopt;
  }
  // The body: elementwise ops on the inputs, not on the output's contents.
  if (!isElementwiseBody(op))
    return std::nullopt;

  FusedElementwise epilogue;
  epilogue.op = op;
  Value output = op.getDpsInits()[0];
  auto outputType = cast<MemRefType>(output.getType());
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !isInnerContiguous(output))
    return std::nullopt;
  // The kernel's output, read once with the identity map.
  OpOperand *result = nullptr;
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (rootOf(input->get()) != rootOf(kernelOutput))
      continue;
    if (result || !op.getMatchingIndexingMap(input).isIdentity())
      return std::nullopt;
    result = input;
  }
  if (!result)
    return std::nullopt;
  std::optional<SmallVector<ReassociationIndices>> groups =
      groupsOf(kernelOutput, result->get());
  if (!groups || outputType.getShape() !=
                     cast<MemRefType>(result->get().getType()).getShape())
    return std::nullopt;
  epilogue.groups = *groups;
  // Vectors of consecutive columns cross at most one more loop.
  if (epilogue.groups.back().size() > 2)
    return std::nullopt;

  // The output: no buffer the kernel reads, and, unless it is the kernel's
  // own output, that output read by nobody else (its raw values are never
  // stored).
  Value outputRoot = rootOf(output);
  for (Value input : kernelInputs)
    if (rootOf(input) == outputRoot)
      return std::nullopt;
  if (outputRoot != rootOf(kernelOutput) &&
      !rawOutputIsDead(kernelOp, op, rootOf(kernelOutput)))
    return std::nullopt;
  epilogue.output = output;

  std::optional<SmallVector<FusedElementwise::Input>> inputs =
      classifyInputs(op, result, epilogue.groups);
  if (!inputs)
    return std::nullopt;
  epilogue.inputs = std::move(*inputs);
  // Checked last: hoisting changes the IR. The kernel computes the body
  // where it stands, so the values the body captures are needed too.
  SetVector<Value> needed;
  needed.insert(output);
  for (const FusedElementwise::Input &in : epilogue.inputs)
    if (in.source != FusedElementwise::Source::Result)
      needed.insert(in.buffer);
  getUsedValuesDefinedAbove(op.getRegion(), needed);
  for (Value value : needed)
    if (!hoistBefore(value, kernelOp))
      return std::nullopt;
  return epilogue;
}

static std::optional<FusedElementwise> matchPrologue(Operation *kernelOp,
                                                     Value kernelOutput) {
  // The last op before the kernel that uses its output; those in between
  // must not write what it reads (checked below).
  Value root = rootOf(kernelOutput);
  SmallVector<Operation *> between;
  Operation *prev = nearestUse(kernelOp, root, /*forward=*/false, between);
  // A fill: the accumulators start from its value.
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(prev);
      fill && overwrites(fill, root) &&
      fill.getDpsInputs()[0].getType().isF32()) {
    FusedElementwise prologue;
    prologue.op = fill;
    prologue.fillValue = fill.getDpsInputs()[0];
    prologue.output = fill.getDpsInits()[0];
    return prologue;
  }
  auto op = dyn_cast_or_null<linalg::GenericOp>(prev);
  if (!op || !overwrites(op, root) || !isElementwiseBody(op) ||
      op->hasAttr(DskDialect::kKernelAttrName))
    return std::nullopt;
  SmallVector<Value> inputRoots =
      llvm::map_to_vector(op.getDpsInputs(), [](Value v) { return rootOf(v); });
  for (Operation *other : between)
    if (touches(other, inputRoots))
      return std::nullopt;
  FusedElementwise prologue;
  prologue.op = op;
  prologue.output = op.getDpsInits()[0];
  std::optional<SmallVector<ReassociationIndices>> groups =
      groupsOf(kernelOutput, prologue.output);
  if (!groups || groups->back().size() > 2)
    return std::nullopt;
  prologue.groups = *groups;
  std::optional<SmallVector<FusedElementwise::Input>> inputs =
      classifyInputs(op, nullptr, prologue.groups);
  if (!inputs)
    return std::nullopt;
  prologue.inputs = std::move(*inputs);
  return prologue;
}

/// The index of epilogue loop `dim` at kernel output element `at` (the row
/// and image indices are delinearized over their group's sizes).
static Value loopIndex(OpBuilder &b, Location loc,
                       const FusedElementwise &epilogue, ValueRange at,
                       int64_t dim) {
  ArrayRef<int64_t> shape =
      cast<MemRefType>(epilogue.output.getType()).getShape();
  for (auto [group, index] : llvm::zip_equal(epilogue.groups, at)) {
    auto it = llvm::find(group, dim);
    if (it == group.end())
      continue;
    int64_t inner = 1;
    for (int64_t d : llvm::make_range(std::next(it), group.end()))
      inner *= shape[d];
    Value value = index;
    if (inner > 1)
      value = arith::DivUIOp::create(
          b, loc, value, arith::ConstantIndexOp::create(b, loc, inner));
    if (it != group.begin())
      value = arith::RemUIOp::create(
          b, loc, value, arith::ConstantIndexOp::create(b, loc, shape[dim]));
    return value;
  }
  llvm_unreachable("every loop of the epilogue is in a group");
}

/// Where the vector of columns at kernel output element `at` (lanes of
/// `mask`) lies in `buffer`, shaped as the epilogue's iteration space (unit
/// innermost stride). When the columns are one loop, or two (a
/// convolution's output rows and columns) whose inner size is a multiple of
/// the vector width, it is one part: vectors start at multiples of the
/// width. So it is when the buffer's rows are contiguous (no padding
/// between them): the two loops are read as one, in a collapsed view of the
/// buffer. Otherwise the vector may reach several output rows: part p is
/// the lanes that fall in the p-th of them, addressed from a column that
/// may lie before 0 (the lanes of earlier rows, which its mask leaves out).
class ColumnParts {
public:
  ColumnParts(OpBuilder &b, Location loc, const FusedElementwise &epilogue,
              Value buffer, ValueRange at, VectorType vectorType,
              std::optional<Value> mask)
      : b(b), loc(loc), mask(mask), view(buffer) {
    ArrayRef<int64_t> shape =
        cast<MemRefType>(epilogue.output.getType()).getShape();
    int64_t rank = shape.size();
    int64_t columnLoops = epilogue.groups.back().size();
    for (int64_t d = 0; d < rank - columnLoops; ++d)
      indices.push_back(loopIndex(b, loc, epilogue, at, d));
    if (columnLoops == 1) {
      indices.push_back(at.back());
      return;
    }
    width = shape[rank - 1];
    lastRow = shape[rank - 2] - 1;
    lanes = vectorType.getNumElements();
    SmallVector<ReassociationIndices> rowsAsOne;
    for (int64_t d = 0; d < rank - 2; ++d)
      rowsAsOne.push_back({d});
    rowsAsOne.push_back({rank - 2, rank - 1});
    // Collapsed rows need a unit inner stride too (rows of one element of a
    // strided view collapse to the row stride).
    auto bufferType = cast<MemRefType>(buffer.getType());
    if (width % lanes != 0 &&
        memref::CollapseShapeOp::isGuaranteedCollapsible(bufferType,
                                                         rowsAsOne) &&
        isUnitInnerStride(memref::CollapseShapeOp::computeCollapsedType(
            bufferType, rowsAsOne))) {
      view = memref::CollapseShapeOp::create(b, loc, buffer, rowsAsOne);
      indices.push_back(at.back());
      return;
    }
    row0 = loopIndex(b, loc, epilogue, at, rank - 2);
    column0 = loopIndex(b, loc, epilogue, at, rank - 1);
    if (width % lanes == 0) {
      indices.append({row0, column0});
      return;
    }
    count = rowsReached(lanes, width);
  }

  int64_t size() const { return count; }

  /// The buffer the parts address: a view of the given one.
  Value buffer() const { return view; }

  /// The indices and mask of part `part`.
  std::pair<SmallVector<Value>, std::optional<Value>> part(int64_t part) {
    if (count == 1)
      return {indices, mask};
    Value inRow = rowPartMask(b, loc, lanes, column0, part, width, mask);
    // A part past the last output row holds only lanes past the kernel's
    // last column, all masked off; its row is clamped so that the address
    // stays inside the buffer.
    Value row = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, row0, index(part)),
        index(lastRow));
    SmallVector<Value> at(indices);
    at.push_back(row);
    at.push_back(arith::SubIOp::create(b, loc, column0, index(part * width)));
    return {at, inRow};
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  OpBuilder &b;
  Location loc;
  std::optional<Value> mask;
  SmallVector<Value> indices;
  int64_t width = 0, lastRow = 0, lanes = 0, count = 1;
  Value row0, column0;
  Value view;
};

/// The vector of `buffer` (shaped as the epilogue's iteration space) at
/// kernel output element `at`; zeros in the lanes off `mask`.
static Value loadColumns(OpBuilder &b, Location loc,
                         const FusedElementwise &epilogue, Value buffer,
                         ValueRange at, VectorType vectorType,
                         std::optional<Value> mask) {
  ColumnParts parts(b, loc, epilogue, buffer, at, vectorType, mask);
  auto [indices, partMask] = parts.part(0);
  Value value =
      loadVector(b, loc, vectorType, parts.buffer(), indices, partMask);
  for (int64_t p = 1; p < parts.size(); ++p) {
    auto [partIndices, nextMask] = parts.part(p);
    value = vector::MaskedLoadOp::create(b, loc, vectorType, parts.buffer(),
                                         partIndices, *nextMask, value);
  }
  return value;
}

/// Stores `value` into `buffer` (shaped as the epilogue's iteration space)
/// at kernel output element `at`, the lanes of `mask`.
static void storeColumns(OpBuilder &b, Location loc,
                         const FusedElementwise &epilogue, Value value,
                         Value buffer, ValueRange at,
                         std::optional<Value> mask) {
  auto vectorType = cast<VectorType>(value.getType());
  ColumnParts parts(b, loc, epilogue, buffer, at, vectorType, mask);
  for (int64_t p = 0; p < parts.size(); ++p) {
    auto [indices, partMask] = parts.part(p);
    storeVector(b, loc, value, parts.buffer(), indices, partMask);
  }
}

Value dsk::cpu::evaluateFused(OpBuilder &b, Location loc,
                              const FusedElementwise &epilogue,
                              Value accumulator, ValueRange at,
                              VectorType vectorType,
                              std::optional<Value> mask) {
  if (epilogue.fillValue)
    return vector::BroadcastOp::create(b, loc, vectorType, epilogue.fillValue);
  auto op = cast<linalg::GenericOp>(epilogue.op);
  Block &body = op.getRegion().front();
  IRMapping mapping;
  for (auto [position, in] : llvm::enumerate(epilogue.inputs)) {
    Value value;
    switch (in.source) {
    case FusedElementwise::Source::Result:
      value = accumulator;
      break;
    case FusedElementwise::Source::Same:
      value = loadColumns(b, loc, epilogue, in.buffer, at, vectorType, mask);
      break;
    case FusedElementwise::Source::Row:
    case FusedElementwise::Source::Column: {
      SmallVector<Value> indices;
      for (AffineExpr expr : in.map.getResults()) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr))
          indices.push_back(
              dim.getPosition() ==
                          static_cast<unsigned>(
                              cast<MemRefType>(epilogue.output.getType())
                                  .getRank() -
                              1) &&
                      in.source == FusedElementwise::Source::Column
                  ? at.back()
                  : loopIndex(b, loc, epilogue, at, dim.getPosition()));
        else
          indices.push_back(arith::ConstantIndexOp::create(b, loc, 0));
      }
      if (in.source == FusedElementwise::Source::Column) {
        value = loadVector(b, loc, vectorType, in.buffer, indices, mask);
      } else {
        value = vector::BroadcastOp::create(
            b, loc, vectorType,
            memref::LoadOp::create(b, loc, in.buffer, indices));
      }
      break;
    }
    }
    mapping.map(body.getArgument(position), value);
  }
  // The body on vectors: scalars from outside it and its constants are
  // broadcast.
  auto vectorOf = [&](Value scalar) -> Value {
    if (Value mapped = mapping.lookupOrNull(scalar))
      return mapped;
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get(vectorType.getShape(), scalar.getType()),
        scalar);
    mapping.map(scalar, splat);
    return splat;
  };
  for (Operation &bodyOp : body.without_terminator()) {
    if (isa<arith::ConstantOp>(bodyOp)) {
      Value constant = b.clone(bodyOp)->getResult(0);
      mapping.map(bodyOp.getResult(0), vectorOf(constant));
      continue;
    }
    SmallVector<Value> operands =
        llvm::map_to_vector(bodyOp.getOperands(), vectorOf);
    SmallVector<Type> types =
        llvm::map_to_vector(bodyOp.getResultTypes(), [&](Type type) -> Type {
          return VectorType::get(vectorType.getShape(), type);
        });
    OperationState state(loc, bodyOp.getName(), operands, types,
                         bodyOp.getAttrs());
    Operation *vectorOp = b.create(state);
    mapping.map(bodyOp.getResults(), vectorOp->getResults());
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

void dsk::cpu::storeWithEpilogue(OpBuilder &b, Location loc,
                                 const FusedElementwise &epilogue,
                                 Value accumulator, ValueRange at,
                                 std::optional<Value> mask) {
  auto vectorType = cast<VectorType>(accumulator.getType());
  Value result =
      evaluateFused(b, loc, epilogue, accumulator, at, vectorType, mask);
  storeColumns(b, loc, epilogue, result, epilogue.output, at, mask);
}

void dsk::cpu::eraseWithProfileMarks(RewriterBase &rewriter, Operation *op) {
  SmallVector<Operation *> marks;
  for (Operation *before = op->getPrevNode(); before && isInert(before);
       before = before->getPrevNode())
    if (isProfileMark(before)) {
      marks.push_back(before);
      break;
    }
  for (Operation *after = op->getNextNode(); after && isInert(after);
       after = after->getNextNode())
    if (isProfileMark(after)) {
      marks.push_back(after);
      break;
    }
  for (Operation *mark : marks)
    rewriter.eraseOp(mark);
  rewriter.eraseOp(op);
}

FusedOps dsk::cpu::FusedOps::match(Operation *kernelOp, Value kernelOutput,
                                   ArrayRef<Value> kernelInputs) {
  FusedOps fused;
  fused.prologue = matchPrologue(kernelOp, kernelOutput);
  fused.epilogue = matchEpilogue(kernelOp, kernelOutput, kernelInputs);
  return fused;
}

void dsk::cpu::FusedOps::erase(RewriterBase &rewriter) {
  for (std::optional<FusedElementwise> *op : {&prologue, &epilogue})
    if (*op)
      // Its profiling marks go with it: the kernel's region holds its time.
      eraseWithProfileMarks(rewriter, (*op)->op);
}
