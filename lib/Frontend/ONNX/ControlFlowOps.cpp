//===- ControlFlowOps.cpp - ONNX If and Scan ------------------------------===//
//
// If becomes scf.if on its scalar condition, each branch an imported
// subgraph whose results are cast to the type both branches allow; Scan
// becomes an scf.for over the scan axis that carries the state variables and
// inserts each iteration's scan outputs. Subgraphs are imported through
// NodeContext::importSubgraph, which bounds their nesting.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace dsk::onnx_import {
namespace {

/// The type both `a` and `b` can be cast to: dims that differ become
/// dynamic. None when element types or ranks differ.
std::optional<RankedTensorType> generalize(RankedTensorType a,
                                           RankedTensorType b) {
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

/// If: scf.if on the scalar condition, each branch an imported subgraph.
LogicalResult convertIf(NodeContext &ctx) {
  const onnx::AttributeProto *thenAttr = ctx.attr("then_branch");
  const onnx::AttributeProto *elseAttr = ctx.attr("else_branch");
  if (!thenAttr || !elseAttr || !thenAttr->has_g() || !elseAttr->has_g())
    return ctx.emitError() << "needs then_branch and else_branch graphs";
  if (!ctx.hasInput(0) || ctx.inputType(0).getNumElements() != 1 ||
      !ctx.inputType(0).getElementType().isInteger(1))
    return ctx.emitError() << "the condition must be a single bool";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value cond = ctx.input(0);
  SmallVector<Value> zeros(ctx.inputType(0).getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  Value flag = tensor::ExtractOp::create(b, loc, cond, zeros);

  // Import both branches into a result-less scf.if first: the result types
  // are known only once both are imported.
  auto draft = scf::IfOp::create(b, loc, TypeRange{}, flag,
                                 /*withElseRegion=*/true);
  SmallVector<SmallVector<ImportedValue>> branches;
  for (auto [region, graph] :
       {std::make_pair(&draft.getThenRegion(), &thenAttr->g()),
        std::make_pair(&draft.getElseRegion(), &elseAttr->g())}) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(region->front().getTerminator());
    FailureOr<SmallVector<ImportedValue>> outputs =
        ctx.importSubgraph(*graph, {});
    if (failed(outputs)) {
      draft->erase();
      return failure();
    }
    branches.push_back(std::move(*outputs));
  }
  if (branches[0].size() != branches[1].size() ||
      branches[0].size() != ctx.numOutputs()) {
    draft->erase();
    return ctx.emitError() << "the branches and the node have different "
                              "numbers of outputs";
  }
  SmallVector<Type> resultTypes;
  for (auto [index, pair] :
       llvm::enumerate(llvm::zip(branches[0], branches[1]))) {
    auto [a, c] = pair;
    std::optional<RankedTensorType> type =
        generalize(cast<RankedTensorType>(a.value.getType()),
                   cast<RankedTensorType>(c.value.getType()));
    if (!type) {
      draft->erase();
      return ctx.emitError()
             << "output #" << index << ": the branches produce "
             << a.value.getType() << " and " << c.value.getType();
    }
    resultTypes.push_back(*type);
  }
  auto ifOp = scf::IfOp::create(b, loc, resultTypes, flag,
                                /*withElseRegion=*/true);
  for (auto [regionIndex, target, source] : llvm::enumerate(
           SmallVector<Region *>{&ifOp.getThenRegion(), &ifOp.getElseRegion()},
           SmallVector<Region *>{&draft.getThenRegion(),
                                 &draft.getElseRegion()})) {
    target->takeBody(*source);
    Block &block = target->front();
    block.getTerminator()->erase();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&block);
    SmallVector<Value> yielded;
    for (auto [value, type] : llvm::zip(branches[regionIndex], resultTypes)) {
      Value v = value.value;
      if (v.getType() != type)
        v = tensor::CastOp::create(b, loc, type, v);
      yielded.push_back(v);
    }
    scf::YieldOp::create(b, loc, yielded);
  }
  draft->erase();
  for (size_t i = 0; i < ctx.numOutputs(); ++i)
    ctx.setOutput(i, ifOp.getResult(i), branches[0][i].isUnsigned);
  return success();
}

/// Scan (opset >= 9): an scf.for over the scan axis. The state variables
/// are loop-carried; each iteration imports the body on one slice of every
/// scan input and inserts its scan outputs into stacked results.
LogicalResult convertScan(NodeContext &ctx) {
  if (ctx.opset < 9)
    return ctx.emitError() << "the batched Scan of opset 8 is not supported";
  const onnx::AttributeProto *bodyAttr = ctx.attr("body");
  if (!bodyAttr || !bodyAttr->has_g())
    return ctx.emitError() << "needs a body graph";
  const onnx::GraphProto &body = bodyAttr->g();
  int64_t numScanInputs = ctx.intAttr("num_scan_inputs", -1);
  int64_t numInputs = ctx.numInputs();
  int64_t numStates = numInputs - numScanInputs;
  int64_t numScanOutputs = static_cast<int64_t>(ctx.numOutputs()) - numStates;
  if (numScanInputs < 1 || numStates < 0 || numScanOutputs < 0)
    return ctx.emitError() << "num_scan_inputs " << numScanInputs
                           << " does not fit " << numInputs << " inputs and "
                           << ctx.numOutputs() << " outputs";
  for (int64_t i = 0; i < numInputs; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  auto axesOr = [&](StringRef name, int64_t count) {
    SmallVector<int64_t> values = ctx.intsAttr(name);
    if (values.empty())
      values.assign(count, 0);
    return values;
  };
  SmallVector<int64_t> inputAxes = axesOr("scan_input_axes", numScanInputs);
  SmallVector<int64_t> inputDirs =
      axesOr("scan_input_directions", numScanInputs);
  SmallVector<int64_t> outputAxes = axesOr("scan_output_axes", numScanOutputs);
  SmallVector<int64_t> outputDirs =
      axesOr("scan_output_directions", numScanOutputs);
  if (static_cast<int64_t>(inputAxes.size()) != numScanInputs ||
      static_cast<int64_t>(inputDirs.size()) != numScanInputs ||
      static_cast<int64_t>(outputAxes.size()) != numScanOutputs ||
      static_cast<int64_t>(outputDirs.size()) != numScanOutputs)
    return ctx.emitError() << "scan axis and direction lists do not match "
                              "the scan inputs and outputs";

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  // The trip count: every scan input's length along its axis.
  int64_t tripCount = ShapedType::kDynamic;
  for (int64_t j = 0; j < numScanInputs; ++j) {
    RankedTensorType type = ctx.inputType(numStates + j);
    int64_t rank = type.getRank();
    int64_t &axis = inputAxes[j];
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << "scan input axis " << axis
                             << " is out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
    int64_t length = type.getDimSize(axis);
    if (ShapedType::isDynamic(length))
      return ctx.emitError() << "scan inputs must have a static length along "
                                "the scan axis";
    if (!ShapedType::isDynamic(tripCount) && tripCount != length)
      return ctx.emitError() << "scan inputs have different lengths ("
                             << tripCount << " and " << length << ")";
    tripCount = length;
  }

  // One slice of each scan input at `index` (the axis dropped).
  auto sliceInputs = [&](Value index) {
    SmallVector<ImportedValue> args;
    for (int64_t i = 0; i < numStates; ++i)
      args.push_back({Value(), ctx.isUnsigned(i), DenseElementsAttr()});
    for (int64_t j = 0; j < numScanInputs; ++j) {
      Value input = ctx.input(numStates + j);
      RankedTensorType type = ctx.inputType(numStates + j);
      Value at = index;
      if (inputDirs[j])
        at = arith::SubIOp::create(
            b, loc, arith::ConstantIndexOp::create(b, loc, tripCount - 1),
            index);
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
          sizes, strides(type.getRank(), b.getIndexAttr(1));
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(tensor::getMixedSize(b, loc, input, d));
      offsets[inputAxes[j]] = at;
      sizes[inputAxes[j]] = b.getIndexAttr(1);
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + inputAxes[j]);
      auto sliceType = RankedTensorType::get(shape, type.getElementType());
      Value slice = tensor::ExtractSliceOp::create(b, loc, sliceType, input,
                                                   offsets, sizes, strides);
      args.push_back(
          {slice, ctx.isUnsigned(numStates + j), DenseElementsAttr()});
    }
    return args;
  };

  // Draft import, to learn the scan outputs' element types.
  SmallVector<Value> initialStates;
  for (int64_t i = 0; i < numStates; ++i)
    initialStates.push_back(ctx.input(i));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value upper = arith::ConstantIndexOp::create(b, loc, tripCount);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<RankedTensorType> elementTypes;
  {
    auto draft = scf::ForOp::create(b, loc, zero, upper, one, initialStates);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(draft.getBody());
    SmallVector<ImportedValue> args = sliceInputs(draft.getInductionVar());
    for (int64_t i = 0; i < numStates; ++i)
      args[i].value = draft.getRegionIterArgs()[i];
    FailureOr<SmallVector<ImportedValue>> outputs =
        ctx.importSubgraph(body, args);
    // The count first: the body is the model's, and may produce fewer
    // outputs than the node declares.
    bool ok = succeeded(outputs) && static_cast<int64_t>(outputs->size()) ==
                                        numStates + numScanOutputs;
    if (ok)
      for (int64_t k = 0; k < numScanOutputs; ++k)
        elementTypes.push_back(
            cast<RankedTensorType>((*outputs)[numStates + k].value.getType()));
    draft->erase();
    if (!ok)
      return ctx.emitError()
             << "the body does not produce the " << numStates + numScanOutputs
             << " outputs the node needs";
  }

  // Stacked scan outputs, the scan axis inserted at each output's axis.
  SmallVector<Value> inits(initialStates);
  for (int64_t k = 0; k < numScanOutputs; ++k) {
    RankedTensorType element = elementTypes[k];
    if (!element.hasStaticShape())
      return ctx.emitError()
             << "scan output #" << k << " has a dynamic shape " << element;
    int64_t rank = element.getRank() + 1;
    int64_t &axis = outputAxes[k];
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << "scan output axis " << axis
                             << " is out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
    SmallVector<int64_t> shape(element.getShape());
    shape.insert(shape.begin() + axis, tripCount);
    inits.push_back(
        tensor::EmptyOp::create(b, loc, shape, element.getElementType()));
  }
  auto loop = scf::ForOp::create(b, loc, zero, upper, one, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value index = loop.getInductionVar();
    SmallVector<ImportedValue> args = sliceInputs(index);
    for (int64_t i = 0; i < numStates; ++i)
      args[i].value = loop.getRegionIterArgs()[i];
    FailureOr<SmallVector<ImportedValue>> outputs =
        ctx.importSubgraph(body, args);
    if (failed(outputs))
      return failure();
    SmallVector<Value> yielded;
    for (int64_t i = 0; i < numStates; ++i) {
      Value state = (*outputs)[i].value;
      Type carried = loop.getRegionIterArgs()[i].getType();
      if (state.getType() != carried) {
        if (failed(verifyCompatibleShape(state.getType(), carried)) ||
            getElementTypeOrSelf(state) != getElementTypeOrSelf(carried))
          return ctx.emitError() << "state #" << i << " changes type from "
                                 << carried << " to " << state.getType();
        state = tensor::CastOp::create(b, loc, carried, state);
      }
      yielded.push_back(state);
    }
    for (int64_t k = 0; k < numScanOutputs; ++k) {
      Value element = (*outputs)[numStates + k].value;
      Value acc = loop.getRegionIterArgs()[numStates + k];
      auto accType = cast<RankedTensorType>(acc.getType());
      Value at = index;
      if (outputDirs[k])
        at = arith::SubIOp::create(
            b, loc, arith::ConstantIndexOp::create(b, loc, tripCount - 1),
            index);
      SmallVector<OpFoldResult> offsets(accType.getRank(), b.getIndexAttr(0)),
          sizes, strides(accType.getRank(), b.getIndexAttr(1));
      for (int64_t d = 0; d < accType.getRank(); ++d)
        sizes.push_back(b.getIndexAttr(accType.getDimSize(d)));
      offsets[outputAxes[k]] = at;
      sizes[outputAxes[k]] = b.getIndexAttr(1);
      yielded.push_back(tensor::InsertSliceOp::create(b, loc, element, acc,
                                                      offsets, sizes, strides));
    }
    scf::YieldOp::create(b, loc, yielded);
  }
  for (int64_t i = 0; i < static_cast<int64_t>(ctx.numOutputs()); ++i)
    ctx.setOutput(i, loop.getResult(i),
                  i < numStates ? ctx.isUnsigned(i) : false);
  return success();
}

} // namespace

void registerControlFlowOps(OpRegistry &registry) {
  registry.add("", "If", convertIf);
  registry.add("", "Scan", convertScan);
}

} // namespace dsk::onnx_import
