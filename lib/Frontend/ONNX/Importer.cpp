//===- Importer.cpp - ONNX graphs to dsk and upstream MLIR ----------------===//
//
// Reads a ModelProto, checks its structure (opsets, graph nesting, value
// names, topological order) and imports the main graph into a func.func whose
// body is built by the per-op converters.
//
//===----------------------------------------------------------------------===//

#include "dsk/Frontend/ONNX/Import.h"

#include "ImporterImpl.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <deque>
#include <limits>

using namespace mlir;

namespace dsk::onnx_import {

void registerDialects(DialectRegistry &registry) {
  registry.insert<DskDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
}

const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerShapeOps(r);
    registerSliceOps(r);
    registerGatherScatterOps(r);
    registerGenerateOps(r);
    registerMatMulOps(r);
    registerConvolutionOps(r);
    registerNormalizationOps(r);
    registerActivationOps(r);
    registerQuantizationOps(r);
    registerReductionOps(r);
    registerDskDomainOps(r);
    registerAttentionOps(r);
    registerLossOps(r);
    registerImageOps(r);
    registerControlFlowOps(r);
    registerRecurrentOps(r);
    registerRandomOps(r);
    return r;
  }();
  return registry;
}

/// The most precise type that two descriptions of one value allow: each
/// dimension static if either knows it. None when they contradict.
static std::optional<RankedTensorType> joinTypes(RankedTensorType a,
                                                 RankedTensorType b) {
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape())) {
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return std::nullopt;
    shape.push_back(ShapedType::isDynamic(x) ? y : x);
  }
  return RankedTensorType::get(shape, a.getElementType(), a.getEncoding());
}

/// Adds to `reads` the names that `node`'s subgraphs read from enclosing
/// graphs (used but not defined inside them), recursively.
static void collectOuterReads(const onnx::NodeProto &node,
                              llvm::SetVector<StringRef> &reads) {
  auto visitGraph = [&](const onnx::GraphProto &graph) {
    llvm::StringSet<> local;
    for (const onnx::ValueInfoProto &input : graph.input())
      local.insert(input.name());
    for (const onnx::TensorProto &init : graph.initializer())
      local.insert(init.name());
    for (const onnx::NodeProto &inner : graph.node())
      for (const std::string &output : inner.output())
        local.insert(output);
    llvm::SetVector<StringRef> inner;
    for (const onnx::NodeProto &n : graph.node()) {
      for (const std::string &input : n.input())
        inner.insert(input);
      collectOuterReads(n, inner);
    }
    for (const onnx::ValueInfoProto &output : graph.output())
      inner.insert(output.name());
    for (StringRef name : inner)
      if (!name.empty() && !local.contains(name))
        reads.insert(name);
  };
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.has_g())
      visitGraph(attr.g());
    for (const onnx::GraphProto &graph : attr.graphs())
      visitGraph(graph);
  }
}

/// ONNX spells its default domain "" or "ai.onnx".
static StringRef normalizeDomain(StringRef domain) {
  return domain == "ai.onnx" ? StringRef() : domain;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, StringRef sourceName,
                std::string modelDir, const ImportOptions &options)
      : context(context), sourceName(sourceName.str()),
        fileLoc(FileLineColLoc::get(&context, sourceName, 0, 0)),
        reader(&context, std::move(modelDir)), options(options) {}

  OwningOpRef<ModuleOp> importModel(const onnx::ModelProto &model);

  /// Diagnostics about the model as a whole.
  InFlightDiagnostic emitError() { return mlir::emitError(fileLoc); }

  const ImportedValue *lookup(StringRef name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
  void define(StringRef name, ImportedValue value) { values[name] = value; }
  TensorReader &getReader() { return reader; }
  const ImportOptions &getOptions() const { return options; }
  MLIRContext &getContext() { return context; }

private:
  LogicalResult checkOpsets(const onnx::ModelProto &model);
  LogicalResult checkDepth(const onnx::GraphProto &graph, unsigned depth);
  FailureOr<RankedTensorType>
  convertValueInfo(const onnx::ValueInfoProto &info, bool &isUnsigned,
                   SmallVectorImpl<std::string> &dimParams);
  FailureOr<SmallVector<size_t>> sortNodes(const onnx::GraphProto &graph,
                                           const llvm::StringSet<> &defined);
  LogicalResult importNode(const onnx::GraphProto &graph, size_t index,
                           OpBuilder &builder);

public:
  /// Imports a subgraph (a branch or loop body) at the builder's insertion
  /// point with its inputs bound to `arguments`; the enclosing graph's values
  /// stay visible, the subgraph's own names do not leak out. Returns the
  /// subgraph's outputs.
  FailureOr<SmallVector<ImportedValue>>
  importSubgraph(const onnx::GraphProto &graph,
                 ArrayRef<ImportedValue> arguments, OpBuilder &builder);

private:
  MLIRContext &context;
  std::string sourceName;
  Location fileLoc;
  TensorReader reader;
  const ImportOptions &options;
  llvm::StringMap<int64_t> opsets;
  llvm::StringMap<ImportedValue> values;
  /// Declared types of intermediate values (value_info), to refine
  /// inferred types.
  llvm::StringMap<RankedTensorType> declaredTypes;

public:
  /// Every dim_param name seen in the model's value infos.
  llvm::StringSet<> dimParamNames;
};

LogicalResult GraphImporter::checkOpsets(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    StringRef domain = normalizeDomain(opset.domain());
    if (opset.version() < 1)
      return emitError() << "opset_import for domain '" << opset.domain()
                         << "' has invalid version " << opset.version();
    opsets[domain] = opset.version();
  }
  // IR version 1/2 models may omit opset_import: they are opset 1. Later
  // models that import no default domain may still use other domains; a
  // default-domain node in them is reported where it is imported.
  if (model.ir_version() < 3 && !opsets.count(""))
    opsets[""] = 1;
  return success();
}

LogicalResult GraphImporter::checkDepth(const onnx::GraphProto &graph,
                                        unsigned depth) {
  if (depth > options.maxGraphDepth)
    return emitError() << "subgraphs are nested more than "
                       << options.maxGraphDepth << " levels deep";
  for (const onnx::NodeProto &node : graph.node())
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g() && failed(checkDepth(attr.g(), depth + 1)))
        return failure();
      for (const onnx::GraphProto &g : attr.graphs())
        if (failed(checkDepth(g, depth + 1)))
          return failure();
    }
  return success();
}

FailureOr<RankedTensorType>
GraphImporter::convertValueInfo(const onnx::ValueInfoProto &info,
                                bool &isUnsigned,
                                SmallVectorImpl<std::string> &dimParams) {
  auto error = [&]() {
    return emitError() << "value '" << info.name() << "': ";
  };
  if (!info.has_type() || !info.type().has_tensor_type()) {
    if (info.has_type() &&
        (info.type().has_sequence_type() || info.type().has_map_type() ||
         info.type().has_optional_type()))
      return error() << "sequence, map and optional values are not supported",
             failure();
    return error() << "has no tensor type", failure();
  }
  const onnx::TypeProto_Tensor &tensor = info.type().tensor_type();
  FailureOr<ElementType> element =
      convertDataType(&context, tensor.elem_type(), error);
  if (failed(element))
    return failure();
  isUnsigned = element->isUnsigned;
  SmallVector<int64_t> shape;
  if (!tensor.has_shape()) {
    return error() << "has no shape (unknown rank is not supported)", failure();
  }
  for (const onnx::TensorShapeProto_Dimension &dim : tensor.shape().dim()) {
    if (dim.has_dim_param())
      dimParamNames.insert(dim.dim_param());
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        return error() << "has a negative dimension (" << dim.dim_value()
                       << ")",
               failure();
      shape.push_back(dim.dim_value());
      dimParams.push_back("");
    } else if (auto size = dim.has_dim_param()
                               ? options.dimSizes.find(dim.dim_param())
                               : options.dimSizes.end();
               size != options.dimSizes.end()) {
      shape.push_back(size->second);
      dimParams.push_back("");
    } else {
      shape.push_back(ShapedType::kDynamic);
      dimParams.push_back(dim.has_dim_param() ? dim.dim_param() : "?");
    }
  }
  auto type = RankedTensorType::get(shape, element->type);
  if (failed(checkTensorBounds(type, error)))
    return failure();
  return type;
}

FailureOr<SmallVector<size_t>>
GraphImporter::sortNodes(const onnx::GraphProto &graph,
                         const llvm::StringSet<> &defined) {
  // Kahn's algorithm over value names: ONNX requires topological order, but
  // exporters get it wrong, and a cycle or an undefined name must be an
  // error rather than a crash.
  size_t numNodes = graph.node_size();
  llvm::StringMap<size_t> producer;
  for (size_t i = 0; i < numNodes; ++i)
    for (const std::string &output : graph.node(i).output()) {
      if (output.empty())
        continue;
      if (defined.contains(output) || !producer.try_emplace(output, i).second)
        return emitError() << "value '" << output
                           << "' is defined more than once",
               failure();
    }
  std::vector<size_t> pending(numNodes, 0);
  std::vector<SmallVector<size_t>> users(numNodes);
  for (size_t i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    // A node depends on its inputs and on the enclosing values its
    // subgraphs read.
    llvm::SetVector<StringRef> reads;
    for (const std::string &input : node.input())
      reads.insert(input);
    collectOuterReads(node, reads);
    for (StringRef input : reads) {
      if (input.empty() || defined.contains(input))
        continue;
      auto it = producer.find(input);
      if (it == producer.end())
        return emitError() << "node '" << node.name() << "' (" << node.op_type()
                           << ") reads value '" << input
                           << "', which no node, initializer or graph input "
                              "defines",
               failure();
      ++pending[i];
      users[it->second].push_back(i);
    }
  }
  std::deque<size_t> ready;
  for (size_t i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push_back(i);
  SmallVector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (size_t user : users[i])
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if (order.size() != numNodes) {
    for (size_t i = 0; i < numNodes; ++i)
      if (pending[i] != 0)
        return emitError() << "the graph has a cycle through node '"
                           << graph.node(i).name() << "' ("
                           << graph.node(i).op_type() << ")",
               failure();
  }
  return order;
}

LogicalResult GraphImporter::importNode(const onnx::GraphProto &graph,
                                        size_t index, OpBuilder &builder) {
  const onnx::NodeProto &node = graph.node(index);
  std::string label =
      node.name().empty() ? "#" + std::to_string(index) : node.name();
  StringRef domain = normalizeDomain(node.domain());
  Location loc = NameLoc::get(StringAttr::get(&context, label), fileLoc);
  auto opsetIt = opsets.find(domain);
  if (opsetIt == opsets.end())
    return mlir::emitError(loc)
           << "node '" << label << "' (" << node.op_type() << ", domain '"
           << node.domain() << "'): the model imports no version of domain '"
           << node.domain() << "'";
  NodeContext ctx(*this, node, label, opsetIt->second, builder, loc);
  ConverterFn convert = OpRegistry::get().lookup(domain, node.op_type());
  if (!convert)
    return ctx.emitError() << "unsupported operator";
  for (const std::string &input : node.input())
    if (!input.empty() && !lookup(input))
      return ctx.emitError() << "input '" << input << "' is not defined";
  if (failed(checkNodeSignature(ctx, domain)) || failed(convert(ctx)))
    return failure();

  for (auto [index, output] : llvm::enumerate(node.output())) {
    if (output.empty())
      continue;
    auto it = values.find(output);
    if (it == values.end())
      return ctx.emitError() << "the converter did not produce output #"
                             << index << " ('" << output << "')";
    auto inferred = cast<RankedTensorType>(it->second.value.getType());
    const std::string &name = output;
    if (failed(checkTensorBounds(inferred, [&] {
          return ctx.emitError() << "output '" << name << "' ";
        })))
      return failure();
    // Refine the inferred type with what the model declares.
    auto declared = declaredTypes.find(output);
    if (declared == declaredTypes.end())
      continue;
    std::optional<RankedTensorType> joined =
        joinTypes(inferred, declared->second);
    if (!joined)
      return ctx.emitError()
             << "output '" << output << "' has type " << inferred
             << " but the model declares " << declared->second;
    if (*joined != inferred)
      it->second.value =
          tensor::CastOp::create(builder, loc, *joined, it->second.value);
  }
  return success();
}

OwningOpRef<ModuleOp>
GraphImporter::importModel(const onnx::ModelProto &model) {
  if (!model.has_graph()) {
    emitError() << "the model has no graph";
    return {};
  }
  const onnx::GraphProto &graph = model.graph();
  if (failed(checkOpsets(model)) || failed(checkDepth(graph, 0)))
    return {};

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  OpBuilder builder(&context);
  builder.setInsertionPointToEnd(module->getBody());

  // Initializers are constants; a graph input with an initializer of the
  // same name (old exporters list weights as inputs) is that constant.
  llvm::StringSet<> initialized, defined;
  for (const onnx::TensorProto &init : graph.initializer()) {
    if (init.name().empty() || !initialized.insert(init.name()).second) {
      emitError() << "initializer '" << init.name()
                  << "' is unnamed or defined more than once";
      return {};
    }
  }

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<DictionaryAttr> argAttrs;
  auto describe = [&](const onnx::ValueInfoProto &info, bool isUnsigned,
                      ArrayRef<std::string> dimParams) {
    NamedAttrList attrs;
    attrs.append(DskDialect::kOnnxNameAttrName,
                 builder.getStringAttr(info.name()));
    if (isUnsigned)
      attrs.append(DskDialect::kOnnxUnsignedAttrName, builder.getUnitAttr());
    if (llvm::any_of(dimParams,
                     [](const std::string &p) { return !p.empty(); }))
      attrs.append(DskDialect::kOnnxDimParamsAttrName,
                   builder.getStrArrayAttr(SmallVector<StringRef>(
                       dimParams.begin(), dimParams.end())));
    return attrs.getDictionary(&context);
  };
  SmallVector<bool> argUnsigned;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initialized.contains(input.name()))
      continue;
    if (input.name().empty() || !defined.insert(input.name()).second) {
      emitError() << "graph input '" << input.name()
                  << "' is unnamed or defined more than once";
      return {};
    }
    bool isUnsigned = false;
    SmallVector<std::string> dimParams;
    FailureOr<RankedTensorType> type =
        convertValueInfo(input, isUnsigned, dimParams);
    if (failed(type))
      return {};
    argTypes.push_back(*type);
    args.push_back(&input);
    argUnsigned.push_back(isUnsigned);
    argAttrs.push_back(describe(input, isUnsigned, dimParams));
  }
  for (const onnx::ValueInfoProto &info : graph.value_info()) {
    bool isUnsigned;
    SmallVector<std::string> dimParams;
    // value_info is advisory: entries we cannot represent are ignored.
    if (!info.has_type() || !info.type().has_tensor_type() ||
        !info.type().tensor_type().has_shape())
      continue;
    ScopedDiagnosticHandler quiet(&context,
                                  [](Diagnostic &) { return success(); });
    FailureOr<RankedTensorType> type =
        convertValueInfo(info, isUnsigned, dimParams);
    if (succeeded(type))
      declaredTypes[info.name()] = *type;
  }

  // Outputs' declared types, for the signature.
  SmallVector<RankedTensorType> outputTypes;
  SmallVector<DictionaryAttr> resultAttrs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    bool isUnsigned = false;
    SmallVector<std::string> dimParams;
    FailureOr<RankedTensorType> type =
        convertValueInfo(output, isUnsigned, dimParams);
    if (failed(type))
      return {};
    outputTypes.push_back(*type);
    resultAttrs.push_back(describe(output, isUnsigned, dimParams));
  }

  auto func = func::FuncOp::create(builder, fileLoc, options.functionName,
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [index, info] : llvm::enumerate(args))
    define(info->name(), {entry->getArgument(index), argUnsigned[index],
                          DenseElementsAttr()});

  for (const onnx::TensorProto &init : graph.initializer()) {
    auto error = [&]() {
      return emitError() << "initializer '" << init.name() << "': ";
    };
    FailureOr<DenseElementsAttr> data = reader.read(init, error);
    if (failed(data))
      return {};
    FailureOr<ElementType> element =
        convertDataType(&context, init.data_type(), error);
    Value value = arith::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(init.name()), fileLoc),
        *data);
    define(init.name(), {value, element->isUnsigned, *data});
    defined.insert(init.name());
  }

  FailureOr<SmallVector<size_t>> order = sortNodes(graph, defined);
  if (failed(order))
    return {};
  for (size_t index : *order)
    if (failed(importNode(graph, index, builder)))
      return {};

  // Results: the graph outputs, cast to their declared types.
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (auto [index, output] : llvm::enumerate(graph.output())) {
    const ImportedValue *value = lookup(output.name());
    if (!value) {
      emitError() << "graph output '" << output.name()
                  << "' is not defined by any node, initializer or input";
      return {};
    }
    Value result = value->value;
    auto inferred = cast<RankedTensorType>(result.getType());
    RankedTensorType declared = outputTypes[index];
    std::optional<RankedTensorType> joined = joinTypes(inferred, declared);
    if (!joined) {
      emitError() << "graph output '" << output.name() << "' has type "
                  << inferred << " but the model declares " << declared;
      return {};
    }
    if (*joined != inferred)
      result = tensor::CastOp::create(builder, fileLoc, *joined, result);
    // Symbolic dims that the import resolved are no longer symbolic.
    if (auto params = resultAttrs[index].getAs<ArrayAttr>(
            DskDialect::kOnnxDimParamsAttrName)) {
      SmallVector<Attribute> kept(params.getValue());
      for (auto [dim, size] : llvm::enumerate(joined->getShape()))
        if (!ShapedType::isDynamic(size))
          kept[dim] = builder.getStringAttr("");
      NamedAttrList attrs(resultAttrs[index]);
      if (llvm::all_of(kept, [](Attribute a) {
            return cast<StringAttr>(a).getValue().empty();
          }))
        attrs.erase(DskDialect::kOnnxDimParamsAttrName);
      else
        attrs.set(DskDialect::kOnnxDimParamsAttrName,
                  builder.getArrayAttr(kept));
      resultAttrs[index] = attrs.getDictionary(&context);
    }
    results.push_back(result);
    resultTypes.push_back(*joined);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);

  if (failed(verify(*module)))
    return {};
  return module;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
                         std::string label, int64_t opset, OpBuilder &builder,
                         Location loc)
    : node(node), opset(opset), b(builder), loc(loc), importer(importer),
      label(std::move(label)) {}

InFlightDiagnostic NodeContext::emitError() const {
  InFlightDiagnostic diag = mlir::emitError(loc);
  diag << "node '" << label << "' (" << node.op_type() << ", domain '"
       << (node.domain().empty() ? "ai.onnx" : node.domain()) << "', opset "
       << opset << "): ";
  return diag;
}

bool NodeContext::hasInput(size_t i) const {
  return i < numInputs() && !node.input(i).empty();
}

Value NodeContext::input(size_t i) const {
  return importer.lookup(node.input(i))->value;
}

RankedTensorType NodeContext::inputType(size_t i) const {
  return cast<RankedTensorType>(input(i).getType());
}

bool NodeContext::isUnsigned(size_t i) const {
  return importer.lookup(node.input(i))->isUnsigned;
}

int64_t NodeContext::maxFoldElements() const {
  return importer.getOptions().maxFoldElements;
}

DenseElementsAttr NodeContext::constantInput(size_t i) const {
  if (!hasInput(i))
    return {};
  return importer.lookup(node.input(i))->constant;
}

FailureOr<SmallVector<int64_t>>
NodeContext::requireConstantInts(size_t i, StringRef what) const {
  DenseElementsAttr constant = constantInput(i);
  auto ints = dyn_cast_or_null<DenseIntElementsAttr>(constant);
  if (!ints || ints.getElementType().isInteger(1)) {
    emitError() << what << " (input #" << i
                << ") must be an integer tensor known at import time";
    return failure();
  }
  return llvm::to_vector(
      llvm::map_range(ints.getValues<APInt>(),
                      [](const APInt &v) { return v.getSExtValue(); }));
}

FailureOr<int64_t> NodeContext::requireConstantInt(size_t i,
                                                   StringRef what) const {
  FailureOr<SmallVector<int64_t>> values = requireConstantInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return emitError() << what << " (input #" << i
                       << ") must hold one integer, got " << values->size(),
           failure();
  return values->front();
}

FailureOr<int64_t> NodeContext::shapeOperandLength(size_t i, StringRef what,
                                                   int64_t maxLength) const {
  auto type = inputType(i);
  if (type.getRank() != 1 || type.isDynamicDim(0) ||
      !isa<IntegerType>(type.getElementType()))
    return emitError() << what
                       << " must be a 1-D integer tensor of static length, got "
                       << type,
           failure();
  if (type.getDimSize(0) > maxLength)
    return emitError() << what << " has " << type.getDimSize(0)
                       << " elements, more than the " << maxLength
                       << " that tensors of at most " << kMaxRank
                       << " dimensions need",
           failure();
  return type.getDimSize(0);
}

LogicalResult checkTensorBounds(RankedTensorType type, EmitErrorFn emitError) {
  if (type.getRank() > kMaxRank)
    return emitError() << "has " << type.getRank()
                       << " dimensions, but tensors have at most " << kMaxRank,
           failure();
  Type element = type.getElementType();
  int64_t bits = element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 8;
  // Bits, then bytes: sub-byte types pack.
  // A zero dim empties the tensor, but the other dims still size every
  // computation on its shape: they are bounded as if it were not there.
  int64_t total = bits;
  for (int64_t dim : type.getShape()) {
    if (ShapedType::isDynamic(dim))
      continue;
    if (dim < 0)
      return emitError() << "has the type " << type << ", whose dimension "
                         << dim << " is negative",
             failure();
    if (llvm::MulOverflow(total, std::max<int64_t>(dim, 1), total) ||
        total / 8 > kMaxTensorBytes)
      return emitError() << "has the type " << type << ", more than the "
                         << kMaxTensorBytes << " bytes a process can address",
             failure();
  }
  return success();
}

int32_t NodeContext::dataTypeAttr(StringRef name, int32_t defaultValue) const {
  int64_t value = intAttr(name, defaultValue);
  return static_cast<int32_t>(
      std::clamp<int64_t>(value, std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max()));
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

int64_t NodeContext::intAttr(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_i() ? a->i() : defaultValue;
}

float NodeContext::floatAttr(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_f() ? a->f() : defaultValue;
}

std::string NodeContext::stringAttr(StringRef name,
                                    StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_s() ? a->s() : defaultValue.str();
}

SmallVector<int64_t> NodeContext::intsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

SmallVector<float> NodeContext::floatsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

FailureOr<DenseElementsAttr>
NodeContext::tensorAttr(const onnx::AttributeProto &attribute) const {
  auto error = [&]() {
    return emitError() << "attribute '" << attribute.name() << "': ";
  };
  return importer.getReader().read(attribute.t(), error);
}

bool NodeContext::hasOutput(size_t i) const {
  return i < numOutputs() && !node.output(i).empty();
}

void NodeContext::setOutput(size_t i, Value value, bool isUnsigned,
                            DenseElementsAttr constant) {
  if (hasOutput(i))
    importer.define(node.output(i), {value, isUnsigned, constant});
}

FailureOr<SmallVector<ImportedValue>>
NodeContext::importSubgraph(const onnx::GraphProto &graph,
                            ArrayRef<ImportedValue> arguments) {
  return importer.importSubgraph(graph, arguments, b);
}

FailureOr<SmallVector<ImportedValue>>
GraphImporter::importSubgraph(const onnx::GraphProto &graph,
                              ArrayRef<ImportedValue> arguments,
                              OpBuilder &builder) {
  if (static_cast<size_t>(graph.input_size()) != arguments.size())
    return emitError() << "subgraph '" << graph.name() << "' takes "
                       << graph.input_size() << " inputs, given "
                       << arguments.size(),
           failure();
  // Scoping: the outer values stay visible and come back unchanged.
  llvm::StringMap<ImportedValue> outer = values;
  llvm::scope_exit restore([&] { values = std::move(outer); });
  for (auto [info, argument] : llvm::zip(graph.input(), arguments))
    define(info.name(), argument);
  for (const onnx::TensorProto &init : graph.initializer()) {
    auto error = [&]() {
      return emitError() << "initializer '" << init.name() << "': ";
    };
    FailureOr<DenseElementsAttr> data = reader.read(init, error);
    if (failed(data))
      return failure();
    FailureOr<ElementType> element =
        convertDataType(&context, init.data_type(), error);
    Value value = arith::ConstantOp::create(builder, fileLoc, *data);
    define(init.name(), {value, element->isUnsigned, *data});
  }
  llvm::StringSet<> defined;
  for (const auto &entry : values)
    defined.insert(entry.getKey());
  FailureOr<SmallVector<size_t>> order = sortNodes(graph, defined);
  if (failed(order))
    return failure();
  for (size_t index : *order)
    if (failed(importNode(graph, index, builder)))
      return failure();
  SmallVector<ImportedValue> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    const ImportedValue *value = lookup(output.name());
    if (!value)
      return emitError() << "subgraph output '" << output.name()
                         << "' is not defined",
             failure();
    results.push_back(*value);
  }
  return results;
}

void NodeContext::setConstantOutput(size_t i, DenseElementsAttr constant,
                                    bool isUnsigned) {
  Value value = arith::ConstantOp::create(b, loc, constant);
  setOutput(i, value, isUnsigned, constant);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> importModelBuffer(MLIRContext &context, StringRef bytes,
                                        StringRef sourceName,
                                        StringRef modelDir,
                                        const ImportOptions &options) {
  Location fileLoc = FileLineColLoc::get(&context, sourceName, 0, 0);
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    emitError(fileLoc) << "models over 2 GiB must keep their weights in "
                          "external data files";
    return {};
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()),
      static_cast<int>(bytes.size()));
  // Nesting of messages, not of subgraphs (checked separately): bounded so
  // that a hostile file cannot exhaust the stack while parsing.
  stream.SetRecursionLimit(256);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    emitError(fileLoc) << "not a valid ONNX model (protobuf parsing failed: "
                          "truncated, corrupt or nested too deeply)";
    return {};
  }
  context.loadDialect<DskDialect, arith::ArithDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                      tensor::TensorDialect>();
  GraphImporter importer(context, sourceName, modelDir.str(), options);
  OwningOpRef<ModuleOp> module = importer.importModel(model);
  if (!module)
    return {};
  // A size for a dimension the model does not have is a typo, not a no-op.
  for (const auto &entry : options.dimSizes)
    if (!importer.dimParamNames.contains(entry.first())) {
      SmallVector<StringRef> known;
      for (const auto &name : importer.dimParamNames)
        known.push_back(name.first());
      llvm::sort(known);
      emitError(fileLoc) << "the model has no symbolic dimension named '"
                         << entry.first() << "' (its symbolic dimensions: "
                         << (known.empty() ? std::string("none")
                                           : llvm::join(known, ", "))
                         << ")";
      return {};
    }
  return module;
}

OwningOpRef<ModuleOp> importModelFile(MLIRContext &context, StringRef path,
                                      const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(&context, path, 0, 0))
        << "cannot read the model: " << buffer.getError().message();
    return {};
  }
  SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  return importModelBuffer(context, (*buffer)->getBuffer(), path, dir, options);
}

} // namespace dsk::onnx_import
