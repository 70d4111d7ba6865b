//===- NodeSignature.cpp - nodes checked against ONNX's op schemas --------===//
//
// Before a converter runs, its node is checked against the signature ONNX
// declares for the op at the model's opset: how many inputs and outputs,
// which inputs may be left out, the element types each input accepts (and
// which inputs must share one), and the type of every attribute. Converters
// can then read every required input and attribute without checking them;
// a model that breaks the schema gets an error naming the node, the input or
// attribute, and what the schema asks for, instead of a crash or a silently
// ignored attribute.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

/// One formal input or output of an op version.
struct OnnxFormal {
  const char *name;
  /// Option: 0 single, 1 optional, 2 variadic of one type, 3 variadic of any
  /// types (one formal, the last, covers all remaining positions).
  int8_t option;
  /// The index of its type parameter, or -1 for a literal type.
  int8_t param;
  /// Bit `c` set: TensorProto data type `c` is accepted; 0: no tensor type
  /// (sequences, maps), which no value of the importer has.
  uint32_t types;
  int32_t minArity;
};

/// One attribute of an op version.
struct OnnxAttribute {
  const char *name;
  /// AttributeProto::AttributeType.
  int32_t type;
  bool required;
};

/// One version of an op: its formals and attributes are ranges of kFormals
/// and kAttributes.
struct OnnxSchema {
  const char *domain, *opType;
  int32_t sinceVersion;
  int32_t firstInput, numInputs, firstOutput, numOutputs;
  int32_t firstAttribute, numAttributes;
  int32_t minInputs, maxInputs, minOutputs, maxOutputs;
};

enum FormalOption : int8_t {
  kSingle = 0,
  kOptional = 1,
  kVariadic = 2,
  kHeterogeneousVariadic = 3
};

#include "OnnxSchemas.inc"

/// The version of `opType` in force at `opset`; null when ONNX does not
/// define the op in that domain at all. `firstVersion` is set to the op's
/// first version when it exists but only after `opset`.
const OnnxSchema *findSchema(StringRef domain, StringRef opType, int64_t opset,
                             int32_t &firstVersion) {
  auto key = [](const OnnxSchema &s) {
    return std::make_pair(StringRef(s.domain), StringRef(s.opType));
  };
  auto [first, last] = std::equal_range(
      std::begin(kSchemas), std::end(kSchemas), std::make_pair(domain, opType),
      llvm::makeVisitor(
          [&](const OnnxSchema &s, std::pair<StringRef, StringRef> k) {
            return key(s) < k;
          },
          [&](std::pair<StringRef, StringRef> k, const OnnxSchema &s) {
            return k < key(s);
          }));
  firstVersion = first == last ? 0 : first->sinceVersion;
  const OnnxSchema *found = nullptr;
  for (const OnnxSchema *s = first; s != last; ++s)
    if (s->sinceVersion <= opset)
      found = s;
  return found;
}

/// "tensor(float)"-style name of a data type, as ONNX's schemas write it.
std::string typeName(int32_t dataType) {
  return "tensor(" + StringRef(dataTypeName(dataType)).lower() + ")";
}

/// The type names whose bits `mask` sets, comma-separated.
std::string typeNames(uint32_t mask) {
  std::string names;
  for (int32_t code = 1; code < 32; ++code)
    if (mask & (1u << code))
      names += (names.empty() ? "" : ", ") + typeName(code);
  return names;
}

/// The kind of value an attribute carries: its declared type, or for models
/// that leave it unset (IR version 1), the field that is set.
int32_t attributeType(const onnx::AttributeProto &a) {
  using Attr = onnx::AttributeProto;
  if (a.type() != Attr::UNDEFINED)
    return a.type();
  if (a.has_f())
    return Attr::FLOAT;
  if (a.has_i())
    return Attr::INT;
  if (a.has_s())
    return Attr::STRING;
  if (a.has_t())
    return Attr::TENSOR;
  if (a.has_g())
    return Attr::GRAPH;
  if (a.has_sparse_tensor())
    return Attr::SPARSE_TENSOR;
  if (a.floats_size())
    return Attr::FLOATS;
  if (a.ints_size())
    return Attr::INTS;
  if (a.strings_size())
    return Attr::STRINGS;
  if (a.tensors_size())
    return Attr::TENSORS;
  if (a.graphs_size())
    return Attr::GRAPHS;
  return Attr::UNDEFINED;
}

std::string attributeTypeName(int32_t type) {
  StringRef name = onnx::AttributeProto::AttributeType_Name(
      static_cast<onnx::AttributeProto::AttributeType>(type));
  return name.empty() ? "type " + std::to_string(type) : name.lower();
}

class SignatureChecker {
public:
  SignatureChecker(const NodeContext &ctx, const OnnxSchema &schema)
      : ctx(ctx), schema(schema) {}

  LogicalResult check() {
    if (failed(checkCounts()))
      return failure();
    for (size_t i = 0; i < ctx.numInputs(); ++i)
      if (failed(checkInput(i)))
        return failure();
    return checkAttributes();
  }

private:
  /// The formal that position `i` of the inputs or outputs binds to: the
  /// i-th, or the last when that one is variadic.
  const OnnxFormal *formalAt(int32_t first, int32_t count, size_t i) const {
    if (count == 0)
      return nullptr;
    const OnnxFormal *last = &kFormals[first + count - 1];
    if (i >= static_cast<size_t>(count) - 1 &&
        (last->option == kVariadic || last->option == kHeterogeneousVariadic))
      return last;
    return i < static_cast<size_t>(count) ? &kFormals[first + i] : nullptr;
  }

  std::string version() const {
    return "version " + std::to_string(schema.sinceVersion) + " of " +
           schema.opType;
  }

  LogicalResult checkCounts() {
    auto outOfRange = [](size_t n, int32_t least, int32_t most) {
      return n < static_cast<size_t>(least) || n > static_cast<size_t>(most);
    };
    auto range = [](int32_t least, int32_t most) {
      if (least == most)
        return std::to_string(least);
      if (most == std::numeric_limits<int32_t>::max())
        return "at least " + std::to_string(least);
      return std::to_string(least) + " to " + std::to_string(most);
    };
    if (outOfRange(ctx.numInputs(), schema.minInputs, schema.maxInputs))
      return ctx.emitError() << "the node has " << ctx.numInputs()
                             << " inputs, but " << version() << " takes "
                             << range(schema.minInputs, schema.maxInputs),
             failure();
    if (outOfRange(ctx.numOutputs(), schema.minOutputs, schema.maxOutputs))
      return ctx.emitError() << "the node has " << ctx.numOutputs()
                             << " outputs, but " << version() << " has "
                             << range(schema.minOutputs, schema.maxOutputs),
             failure();
    return success();
  }

  LogicalResult checkInput(size_t i) {
    const OnnxFormal *formal = formalAt(schema.firstInput, schema.numInputs, i);
    if (!formal)
      return success();
    if (!ctx.hasInput(i)) {
      // Only optional inputs and the arguments of a variadic of any types
      // (Loop's, Scan's) may be left empty.
      if (formal->option == kOptional ||
          formal->option == kHeterogeneousVariadic)
        return success();
      return ctx.emitError()
                 << "input #" << i << " ('" << formal->name << "') of "
                 << version() << " is required, but the node leaves it empty",
             failure();
    }
    auto type = dyn_cast<RankedTensorType>(ctx.input(i).getType());
    if (!type || formal->types == 0)
      return success();
    int32_t dataType = dataTypeOf(type.getElementType(), ctx.isUnsigned(i));
    if (dataType == 0)
      return success();
    if (!(formal->types & (1u << dataType)))
      return ctx.emitError()
                 << "input #" << i << " ('" << formal->name << "') is a "
                 << typeName(dataType) << ", but " << version()
                 << " accepts only " << typeNames(formal->types),
             failure();
    // Inputs of one type parameter (a variadic of one type included) must
    // agree: the first of them sets it.
    if (formal->param < 0 || formal->option == kHeterogeneousVariadic)
      return success();
    auto [it, inserted] =
        boundTypes.try_emplace(formal->param, std::make_pair(dataType, i));
    if (!inserted && it->second.first != dataType)
      return ctx.emitError()
                 << "input #" << i << " ('" << formal->name << "') is a "
                 << typeName(dataType) << ", but input #" << it->second.second
                 << " is a " << typeName(it->second.first) << " and "
                 << version() << " requires one type for both",
             failure();
    return success();
  }

  LogicalResult checkAttributes() {
    ArrayRef<OnnxAttribute> declared(&kAttributes[schema.firstAttribute],
                                     schema.numAttributes);
    for (const onnx::AttributeProto &a : ctx.node.attribute()) {
      // A reference to an attribute of an enclosing function: its value is
      // not known here.
      if (!a.ref_attr_name().empty())
        continue;
      const OnnxAttribute *spec = llvm::find_if(
          declared, [&](const OnnxAttribute &d) { return a.name() == d.name; });
      if (spec == declared.end())
        return ctx.emitError()
                   << "the node has the attribute '" << a.name() << "', which "
                   << version() << " does not define",
               failure();
      int32_t type = attributeType(a);
      if (type != spec->type)
        return ctx.emitError() << "attribute '" << a.name() << "' must be "
                               << attributeTypeName(spec->type) << ", not "
                               << attributeTypeName(type),
               failure();
    }
    for (const OnnxAttribute &spec : declared)
      if (spec.required && !ctx.hasAttr(spec.name))
        return ctx.emitError() << "attribute '" << spec.name << "' of "
                               << version() << " is required",
               failure();
    return success();
  }

  const NodeContext &ctx;
  const OnnxSchema &schema;
  /// Type parameter -> (data type, the input that bound it).
  llvm::SmallDenseMap<int8_t, std::pair<int32_t, size_t>> boundTypes;
};

} // namespace

LogicalResult checkNodeSignature(const NodeContext &ctx, StringRef domain) {
  int32_t firstVersion = 0;
  const OnnxSchema *schema =
      findSchema(domain, ctx.node.op_type(), ctx.opset, firstVersion);
  if (schema)
    return SignatureChecker(ctx, *schema).check();
  if (firstVersion > 0)
    return ctx.emitError() << "the op is not defined at opset " << ctx.opset
                           << " (its first version is " << firstVersion << ")",
           failure();
  // Ops of other domains (dsk's own) check their nodes in their converters.
  return success();
}

} // namespace dsk::onnx_import
