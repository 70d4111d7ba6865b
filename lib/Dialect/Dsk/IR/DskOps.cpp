//===- DskOps.cpp - dsk dialect and operations ----------------------------===//
//
// Dialect registration, verification of the dialect's discardable attributes
// and the operation verifiers. Verifiers accept dynamic dimensions wherever a
// static one would be accepted, and reject every mismatch they can prove.
//
//===----------------------------------------------------------------------===//

#include "dsk/Dialect/Dsk/IR/DskOps.h"
#include "dsk/Dialect/Dsk/Utils/QuantMath.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dsk;

#include "dsk/Dialect/Dsk/IR/DskOpsDialect.cpp.inc"

#define GET_OP_CLASSES
#include "dsk/Dialect/Dsk/IR/DskOps.cpp.inc"

void DskDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dsk/Dialect/Dsk/IR/DskOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

namespace {

/// A shape printed as `[2, ?, 4]` for diagnostics.
std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return text;
}

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// True if `from` broadcasts (NumPy rules) to exactly `to`: it has no more
/// dimensions and each of its dimensions, aligned from the right, is 1 or
/// matches.
bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  for (auto [fromDim, toDim] :
       llvm::zip(llvm::reverse(from), llvm::reverse(to)))
    if (fromDim != 1 && !dimsCompatible(fromDim, toDim))
      return false;
  return true;
}

/// Emits an error if `value`'s shape is not compatible with `expected`.
LogicalResult expectShape(Operation *op, Value value, StringRef name,
                          ArrayRef<int64_t> expected) {
  if (succeeded(verifyCompatibleShape(shapeOf(value), expected)))
    return success();
  return op->emitOpError() << name << " must have shape " << shapeStr(expected)
                           << ", got " << shapeStr(shapeOf(value));
}

std::optional<double> optionalScale(FloatAttr scale) {
  if (!scale)
    return std::nullopt;
  return scale.getValueAsDouble();
}

bool hasEncoding(Value value) {
  return static_cast<bool>(
      cast<RankedTensorType>(value.getType()).getEncoding());
}

bool isQuantized(Value value) {
  return isQuantEncoding(cast<RankedTensorType>(value.getType()).getEncoding());
}

/// Checks the operands of the attention family: q [B, H, Sq, D],
/// k [B, H, Sk, D], v [B, H, Sk, Dv] and result [B, H, Sq, Dv], all of one
/// float type and without encodings.
LogicalResult verifyAttentionOperands(Operation *op, Value query, Value key,
                                      Value value, Value result,
                                      std::optional<double> scale) {
  Type elementType = getElementTypeOrSelf(query);
  for (Value v : {key, value, result})
    if (getElementTypeOrSelf(v) != elementType)
      return op->emitOpError(
          "query, key, value and result must have the same element type");
  for (Value v : {query, key, value, result})
    if (cast<RankedTensorType>(v.getType()).getEncoding())
      return op->emitOpError("attention operands must not carry an encoding");
  ArrayRef<int64_t> q = shapeOf(query), k = shapeOf(key), v = shapeOf(value);
  for (int i = 0; i < 2; ++i)
    if (!dimsCompatible(q[i], k[i]) || !dimsCompatible(q[i], v[i]))
      return op->emitOpError("query, key and value must agree on the batch "
                             "and head dimensions, got ")
             << shapeStr(q) << ", " << shapeStr(k) << ", " << shapeStr(v);
  if (!dimsCompatible(k[2], v[2]))
    return op->emitOpError("key and value must have the same sequence length");
  if (!dimsCompatible(q[3], k[3]))
    return op->emitOpError("query and key must have the same head dimension");
  if (failed(expectShape(op, result, "result", {q[0], q[1], q[2], v[3]})))
    return failure();
  if (scale && !(std::isfinite(*scale) && *scale > 0))
    return op->emitOpError("scale must be finite and positive");
  return success();
}

/// Checks a list of global token positions against a sequence length.
LogicalResult verifyTokens(Operation *op, ArrayRef<int64_t> tokens,
                           int64_t seqLen) {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t token : tokens) {
    if (token < 0 || !seen.insert(token).second)
      return op->emitOpError("global tokens must be distinct and non-negative");
    if (!ShapedType::isDynamic(seqLen) && token >= seqLen)
      return op->emitOpError("global token ")
             << token << " is out of range for sequence length " << seqLen;
  }
  return success();
}

/// Checks `input [..., K]`, bias `[N]` and `result [..., N]` of the
/// single-weight products (low-rank and sparse).
LogicalResult verifyWeightProduct(Operation *op, Value input, Value bias,
                                  Value result, int64_t k, int64_t n) {
  ArrayRef<int64_t> in = shapeOf(input);
  if (in.empty())
    return op->emitOpError("input must have rank >= 1");
  if (!dimsCompatible(in.back(), k))
    return op->emitOpError("input's last dimension (")
           << in.back() << ") must match the weight's rows (" << k << ")";
  SmallVector<int64_t> expected(in.drop_back());
  expected.push_back(n);
  if (failed(expectShape(op, result, "result", expected)))
    return failure();
  if (bias && failed(expectShape(op, bias, "bias", {n})))
    return failure();
  for (Value v : op->getOperands())
    if (hasEncoding(v))
      return op->emitOpError("operands must not carry a tensor encoding");
  if (hasEncoding(result))
    return op->emitOpError("result must not carry an encoding");
  Type elementType = getElementTypeOrSelf(input);
  for (Value v : op->getOperands())
    if (isa<FloatType>(getElementTypeOrSelf(v)) &&
        getElementTypeOrSelf(v) != elementType)
      return op->emitOpError("float operands and result must have the same "
                             "element type");
  if (getElementTypeOrSelf(result) != elementType)
    return op->emitOpError("float operands and result must have the same "
                           "element type");
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Dialect attributes and constants
//===----------------------------------------------------------------------===//

Operation *DskDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (!arith::ConstantOp::isBuildableWith(value, type))
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(value));
}

bool dsk::isDskComputeOp(Operation *op) {
  return isa<MatmulOp, LowRankMatmulOp, SparseMatmulOp, AttentionOp,
             MultiScaleAttentionOp, SparseAttentionOp>(op);
}

/// Compute operations that a selection pass may annotate with a kernel: the
/// dsk compute ops, and what the reference lowering makes of them for their
/// kernels (linalg convolutions and packed products, dsk.attention_kernel).
static bool isKernelAnnotatable(Operation *op) {
  return isDskComputeOp(op) || isa<linalg::LinalgOp, AttentionKernelOp>(op);
}

TargetAttr dsk::getTarget(Operation *op) {
  for (Operation *scope = op; scope; scope = scope->getParentOp())
    if (auto module = dyn_cast<ModuleOp>(scope))
      if (auto target =
              module->getAttrOfType<TargetAttr>(DskDialect::kTargetAttrName))
        return target;
  return {};
}

std::string dsk::describeType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank()) {
    os << type;
    return text;
  }
  for (int64_t dim : shaped.getShape()) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
    os << "x";
  }
  os << shaped.getElementType();
  return text;
}

std::optional<StringRef> dsk::getNodeName(Location loc) {
  if (auto name = loc->findInstanceOf<NameLoc>())
    return name.getName().getValue();
  return std::nullopt;
}

LogicalResult DskDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kTargetAttrName) {
    if (!isa<TargetAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a #dsk.target attribute";
    if (!isa<ModuleOp>(op))
      return op->emitError()
             << "'" << name << "' is only valid on a builtin.module";
    return success();
  }
  if (name == kKernelAttrName) {
    auto kernel = dyn_cast<KernelAttr>(attr.getValue());
    if (!kernel)
      return op->emitError()
             << "'" << name << "' must be a #dsk.kernel attribute";
    if (!isKernelAnnotatable(op))
      return op->emitError() << "'" << name
                             << "' is only valid on a dsk compute operation or "
                                "a linalg operation";
    // A kernel may only need what the module's target provides.
    TargetAttr target = getTarget(op);
    if (!target)
      return success();
    for (StringAttr feature : kernel.getRequiredFeatures())
      if (!target.hasFeature(feature.getValue()))
        return op->emitError()
               << "kernel '" << kernel.getName() << "' requires feature '"
               << feature.getValue() << "' that the target does not provide";
    return success();
  }
  return op->emitError() << "unknown dsk attribute '" << name << "'";
}

/// Verifies a dsk.onnx.* attribute of value `index` (an argument or result,
/// `kind`) of type `type` on function-like `op`.
static LogicalResult verifyValueAttribute(Operation *op, StringRef kind,
                                          unsigned index, Type type,
                                          NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto error = [&]() {
    return op->emitError() << "'" << name << "' on " << kind << " #" << index
                           << " ";
  };
  if (name == DskDialect::kOnnxNameAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return error() << "must be a string attribute";
    return success();
  }
  if (name == DskDialect::kOnnxUnsignedAttrName) {
    if (!isa<UnitAttr>(attr.getValue()))
      return error() << "must be a unit attribute";
    auto shaped = dyn_cast<ShapedType>(type);
    Type element = shaped ? shaped.getElementType() : type;
    if (!element.isSignlessInteger() || element.isInteger(1))
      return error() << "needs an integer (not bool) element type, got "
                     << type;
    return success();
  }
  if (name == DskDialect::kOnnxDimParamsAttrName) {
    auto params = dyn_cast<ArrayAttr>(attr.getValue());
    if (!params || !llvm::all_of(params, llvm::IsaPred<StringAttr>))
      return error() << "must be an array of strings";
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || !shaped.hasRank() ||
        shaped.getRank() != static_cast<int64_t>(params.size()))
      return error() << "must have one entry per dimension of " << type;
    for (auto [dim, param] : llvm::enumerate(params))
      if (!cast<StringAttr>(param).getValue().empty() &&
          !shaped.isDynamicDim(dim))
        return error() << "names static dimension " << dim << " ('"
                       << cast<StringAttr>(param).getValue() << "')";
    return success();
  }
  return error() << "is not a dsk argument or result attribute";
}

LogicalResult DskDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function || regionIndex != 0)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' is only valid on a function's arguments";
  return verifyValueAttribute(op, "argument", argIndex,
                              function.getArgumentTypes()[argIndex], attr);
}

LogicalResult DskDialect::verifyRegionResultAttribute(Operation *op,
                                                      unsigned regionIndex,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function || regionIndex != 0)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' is only valid on a function's results";
  return verifyValueAttribute(op, "result", resultIndex,
                              function.getResultTypes()[resultIndex], attr);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

Type MatmulOp::getAccumulatorType() {
  if (std::optional<Type> acc = getAccType())
    return *acc;
  Type lhsElement = getElementTypeOrSelf(getLhs());
  if (isa<FloatType>(lhsElement))
    return Float32Type::get(getContext());
  return IntegerType::get(getContext(), 32);
}

LogicalResult MatmulOp::verify() {
  ArrayRef<int64_t> lhs = shapeOf(getLhs()), rhs = shapeOf(getRhs());
  if (lhs.size() < 2 || rhs.size() < 2)
    return emitOpError("lhs and rhs must have rank >= 2");
  if (isQuantized(getLhs()))
    return emitOpError("lhs must not be quantized; dequantize it first");
  if (hasEncoding(getLhs()))
    return emitOpError("lhs must not carry a tensor encoding");
  if (hasEncoding(getRhs()) && !isQuantized(getRhs()))
    return emitOpError("rhs may only carry a dsk quantization encoding");
  if (hasEncoding(getResult()))
    return emitOpError("result must not carry an encoding");

  int64_t m = lhs[lhs.size() - 2], lhsK = lhs.back();
  if (getTransposeLhs())
    std::swap(m, lhsK);
  int64_t rhsK = rhs[rhs.size() - 2], n = rhs.back();
  if (getTransposeRhs())
    std::swap(rhsK, n);
  if (!dimsCompatible(lhsK, rhsK))
    return emitOpError("contracting dimensions differ: lhs has K = ")
           << lhsK << ", rhs has K = " << rhsK;

  SmallVector<int64_t> batch;
  if (!OpTrait::util::getBroadcastedShape(lhs.drop_back(2), rhs.drop_back(2),
                                          batch))
    return emitOpError("batch dimensions ")
           << shapeStr(lhs.drop_back(2)) << " and "
           << shapeStr(rhs.drop_back(2)) << " do not broadcast";
  SmallVector<int64_t> expected(batch);
  expected.append({m, n});
  if (failed(expectShape(*this, getResult(), "result", expected)))
    return failure();

  // Element types: float products, integer products, or a float lhs with a
  // quantized rhs that is dequantized on the fly.
  Type lhsElement = getElementTypeOrSelf(getLhs());
  Type rhsElement = getElementTypeOrSelf(getRhs());
  Type resultElement = getElementTypeOrSelf(getResult());
  Type acc = getAccumulatorType();
  bool floatProduct = isa<FloatType>(lhsElement);
  if (isQuantized(getRhs())) {
    if (!floatProduct)
      return emitOpError("a quantized rhs requires a float lhs");
  } else if (floatProduct != isa<FloatType>(rhsElement)) {
    return emitOpError("lhs and rhs must both be float or both be integer "
                       "tensors (or rhs quantized)");
  } else if (floatProduct && lhsElement != rhsElement) {
    return emitOpError("lhs and rhs element types differ (")
           << lhsElement << " vs " << rhsElement << ")";
  }
  if (floatProduct) {
    if (!isa<FloatType>(acc))
      return emitOpError("float operands need a float accumulator, got ")
             << acc;
    if (!isa<FloatType>(resultElement))
      return emitOpError("a float product needs a float result, got ")
             << resultElement;
  } else {
    if (!isa<IntegerType>(acc))
      return emitOpError("integer operands need an integer accumulator, got ")
             << acc;
    if (acc.getIntOrFloatBitWidth() <
        std::max(lhsElement.getIntOrFloatBitWidth(),
                 rhsElement.getIntOrFloatBitWidth()))
      return emitOpError("accumulator ")
             << acc << " is narrower than the operands";
    if (resultElement != acc)
      return emitOpError("an integer product's result must have the "
                         "accumulator type ")
             << acc << ", got " << resultElement;
  }

  if (Value bias = getBias()) {
    if (!broadcastsTo(shapeOf(bias), expected))
      return emitOpError("bias shape ")
             << shapeStr(shapeOf(bias)) << " does not broadcast to the result "
             << shapeStr(expected);
    Type biasElement = getElementTypeOrSelf(bias);
    if (isa<FloatType>(biasElement) != floatProduct)
      return emitOpError("bias must be ")
             << (floatProduct ? "a float" : "an integer")
             << " tensor like the product";
    if (hasEncoding(bias))
      return emitOpError("bias must not carry an encoding");
    if (biasElement.getIntOrFloatBitWidth() > acc.getIntOrFloatBitWidth())
      return emitOpError("bias type ")
             << biasElement << " is wider than the accumulator " << acc;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LowRankMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult LowRankMatmulOp::verify() {
  ArrayRef<int64_t> u = shapeOf(getU()), v = shapeOf(getV());
  if (!dimsCompatible(u[1], v[0]))
    return emitOpError("rank dimensions of u and v differ (")
           << u[1] << " vs " << v[0] << ")";
  return verifyWeightProduct(*this, getInput(), getBias(), getResult(), u[0],
                             v[1]);
}

//===----------------------------------------------------------------------===//
// SparseMatmulOp
//===----------------------------------------------------------------------===//

/// Reads a constant integer tensor as unsigned values, if it is a constant.
static std::optional<SmallVector<uint64_t>> constantIndices(Value value) {
  DenseIntElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  // Values past 64 bits saturate, so that range checks still reject them.
  return llvm::to_vector(
      llvm::map_range(attr.getValues<APInt>(), [](const APInt &v) {
        return v.getActiveBits() > 64 ? std::numeric_limits<uint64_t>::max()
                                      : v.getZExtValue();
      }));
}

LogicalResult SparseMatmulOp::verifyConstantSparsity(int64_t numBlocks,
                                                     int64_t numColBlocks) {
  std::optional<SmallVector<uint64_t>> rows = constantIndices(getRowOffsets());
  std::optional<SmallVector<uint64_t>> cols = constantIndices(getColIndices());
  if (cols)
    for (auto [position, col] : llvm::enumerate(*cols))
      if (col >= static_cast<uint64_t>(numColBlocks))
        return emitOpError("col_indices[")
               << position << "] = " << col << " is out of range [0, "
               << numColBlocks << ")";
  if (!rows)
    return success();
  bool monotonic = llvm::is_sorted(*rows);
  if (rows->front() != 0 || !monotonic ||
      (!ShapedType::isDynamic(numBlocks) &&
       rows->back() != static_cast<uint64_t>(numBlocks)) ||
      (cols && rows->back() != cols->size()))
    return emitOpError("row_offsets must start at 0, never decrease and end "
                       "at the number of stored blocks");
  if (!cols)
    return success();
  for (size_t row = 0; row + 1 < rows->size(); ++row) {
    llvm::SmallSet<uint64_t, 8> seen;
    for (uint64_t entry = (*rows)[row]; entry < (*rows)[row + 1]; ++entry)
      if (!seen.insert((*cols)[entry]).second)
        return emitOpError("block row ")
               << row << " stores column block " << (*cols)[entry] << " twice";
  }
  return success();
}

LogicalResult SparseMatmulOp::verify() {
  ArrayRef<int64_t> weight = getWeightShape(), block = getBlock();
  if (weight.size() != 2 || weight[0] <= 0 || weight[1] <= 0)
    return emitOpError("weight_shape must be two positive sizes [K, N]");
  if (block.size() != 2 || block[0] <= 0 || block[1] <= 0)
    return emitOpError("block must be two positive sizes [BK, BN]");
  if (weight[0] % block[0] != 0 || weight[1] % block[1] != 0)
    return emitOpError("block ")
           << shapeStr(block) << " does not divide weight_shape "
           << shapeStr(weight);
  ArrayRef<int64_t> values = shapeOf(getValues());
  int64_t numBlocks = values[0];
  if (failed(expectShape(*this, getValues(), "values",
                         {numBlocks, block[0], block[1]})))
    return failure();
  if (failed(expectShape(*this, getColIndices(), "col_indices", {numBlocks})))
    return failure();
  if (failed(expectShape(*this, getRowOffsets(), "row_offsets",
                         {weight[0] / block[0] + 1})))
    return failure();
  if (failed(verifyConstantSparsity(numBlocks, weight[1] / block[1])))
    return failure();
  return verifyWeightProduct(*this, getInput(), getBias(), getResult(),
                             weight[0], weight[1]);
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(),
                                     getResult(),
                                     optionalScale(getScaleAttr()))))
    return failure();
  Value mask = getMask();
  if (!mask)
    return success();
  if (hasEncoding(mask))
    return emitOpError("mask must not carry an encoding");
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey());
  SmallVector<int64_t> scores = {q[0], q[1], q[2], k[2]};
  if (!broadcastsTo(shapeOf(mask), scores))
    return emitOpError("mask shape ")
           << shapeStr(shapeOf(mask)) << " does not broadcast to the scores "
           << shapeStr(scores);
  Type maskElement = getElementTypeOrSelf(mask);
  if (isa<FloatType>(maskElement) &&
      maskElement != getElementTypeOrSelf(getQuery()))
    return emitOpError("a float mask must have the query's element type");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionKernelOp
//===----------------------------------------------------------------------===//

/// On memrefs, reads the inputs and writes the init; on tensors, nothing.
void AttentionKernelOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

LogicalResult AttentionKernelOp::verify() {
  if (!hasPureTensorSemantics() && !hasPureBufferSemantics())
    return emitOpError("operands must be all tensors or all memrefs");
  auto init = cast<ShapedType>(getInit().getType());
  if (hasPureTensorSemantics()
          ? getNumResults() != 1 || getResult()[0].getType() != init
          : getNumResults() != 0)
    return emitOpError("has one result of the init's type on tensors and "
                       "none on memrefs");
  auto shape = [](Value v) { return cast<ShapedType>(v.getType()).getShape(); };
  ArrayRef<int64_t> q = shape(getQuery()), k = shape(getKey()),
                    v = shape(getValue()), out = init.getShape();
  if (q.size() != 4 || k.size() != 4 || v.size() != 4 || out.size() != 4)
    return emitOpError("query, key, value and init must have rank 4");
  SmallVector<int64_t> wantKey = {q[0], q[1], k[2], q[3]};
  SmallVector<int64_t> wantValue = {q[0], q[1], k[2], v[3]};
  SmallVector<int64_t> wantInit = {q[0], q[1], q[2], v[3]};
  if (ArrayRef<int64_t>(wantKey) != k || ArrayRef<int64_t>(wantValue) != v ||
      ArrayRef<int64_t>(wantInit) != out)
    return emitOpError("shapes must be query [B, H, Sq, D], key [B, H, Sk, "
                       "D], value [B, H, Sk, Dv] and init [B, H, Sq, Dv]; "
                       "got ")
           << shapeStr(q) << ", " << shapeStr(k) << ", " << shapeStr(v)
           << " and " << shapeStr(out);
  if (Value mask = getMask()) {
    SmallVector<int64_t> scores = {q[0], q[1], q[2], k[2]};
    if (!broadcastsTo(shape(mask), scores))
      return emitOpError("mask shape ")
             << shapeStr(shape(mask)) << " does not broadcast to the scores "
             << shapeStr(scores);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MultiScaleAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult MultiScaleAttentionOp::verify() {
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(),
                                     getResult(),
                                     optionalScale(getScaleAttr()))))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQuery());
  for (Value v : {getKey(), getValue()})
    if (failed(verifyCompatibleShape(shapeOf(v), q)))
      return emitOpError("query, key and value must have the same shape "
                         "[B, H, S, D]");

  ArrayAttr scales = getScales();
  int64_t numScales = scales.size();
  if (numScales < 2)
    return emitOpError("needs at least two scales, got ") << numScales;
  int64_t gates = numScales == 2 ? 1 : numScales;
  if (failed(expectShape(*this, getGateWeight(), "gate_weight [H, D, G]",
                         {q[1], q[3], gates})) ||
      failed(
          expectShape(*this, getGateBias(), "gate_bias [H, G]", {q[1], gates})))
    return failure();
  Type elementType = getElementTypeOrSelf(getQuery());
  if (getElementTypeOrSelf(getGateWeight()) != elementType ||
      getElementTypeOrSelf(getGateBias()) != elementType)
    return emitOpError("gate_weight and gate_bias must have the query's "
                       "element type");

  bool readsSegmentIds = false;
  for (ScaleAttr scale : scales.getAsRange<ScaleAttr>()) {
    readsSegmentIds |= scale.usesSegmentIds();
    if (failed(verifyTokens(*this, scale.getTokens(), q[2])))
      return failure();
  }
  Value segmentIds = getSegmentIds();
  if (readsSegmentIds && !segmentIds)
    return emitOpError("a #dsk.scale<segment> without length needs the "
                       "segment_ids operand");
  if (!readsSegmentIds && segmentIds)
    return emitOpError("segment_ids is given but no scale reads it");
  if (segmentIds && failed(expectShape(*this, segmentIds, "segment_ids [B, S]",
                                       {q[0], q[2]})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SparseAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SparseAttentionOp::verify() {
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(),
                                     getResult(),
                                     optionalScale(getScaleAttr()))))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey());
  if (!dimsCompatible(q[2], k[2]))
    return emitOpError("needs as many queries as keys (")
           << q[2] << " vs " << k[2] << ")";
  std::optional<int64_t> window = getWindow();
  std::optional<ArrayRef<int64_t>> tokens = getGlobalTokens();
  if (!window && !tokens && !getLogStrides())
    return emitOpError("needs at least one of window, global_tokens and "
                       "log_strides");
  if (window && *window < 0)
    return emitOpError("window must be non-negative, got ") << *window;
  if (tokens && failed(verifyTokens(*this, *tokens, q[2])))
    return failure();

  Value lowrankKey = getLowrankKey(), lowrankValue = getLowrankValue();
  if (!lowrankKey != !lowrankValue)
    return emitOpError("lowrank_key and lowrank_value must be given together");
  if (!lowrankKey)
    return success();
  int64_t rank = shapeOf(lowrankKey)[1];
  for (Value projection : {lowrankKey, lowrankValue}) {
    if (failed(expectShape(*this, projection, "low-rank projections [H, R, S]",
                           {q[1], rank, q[2]})))
      return failure();
    if (getElementTypeOrSelf(projection) != getElementTypeOrSelf(getQuery()))
      return emitOpError("low-rank projections must have the query's element "
                         "type");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Checks a float tensor `real` and an encoded integer tensor `quantized` of
/// the same shape.
static LogicalResult verifyQuantPair(Operation *op, Value real,
                                     Value quantized) {
  if (cast<RankedTensorType>(real.getType()).getEncoding())
    return op->emitOpError("the float side must not carry an encoding");
  if (!isQuantized(quantized))
    return op->emitOpError("the integer side must be a quantized tensor "
                           "(#dsk.uniform, #dsk.log2 or #dsk.codebook "
                           "encoding)");
  if (failed(verifyCompatibleShape(shapeOf(real), shapeOf(quantized))))
    return op->emitOpError("input and result shapes differ: ")
           << shapeStr(shapeOf(op->getOperand(0))) << " vs "
           << shapeStr(shapeOf(op->getResult(0)));
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantPair(*this, getInput(), getResult());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<DenseFPElementsAttr>(adaptor.getInput());
  RankedTensorType type = getResult().getType();
  if (!input || !type.hasStaticShape())
    return {};
  Attribute encoding = type.getEncoding();
  auto storage = cast<IntegerType>(type.getElementType());
  unsigned bits = storage.getWidth();

  // The channel of the element at linear index i along the encoding's axis.
  std::optional<int64_t> axis = getQuantAxis(encoding);
  int64_t stride = 1, channels = 1;
  if (axis) {
    ArrayRef<int64_t> shape = type.getShape();
    channels = shape[*axis];
    for (int64_t dim : shape.drop_front(*axis + 1))
      stride *= dim;
  }
  auto channelOf = [&](int64_t index) {
    return axis ? (index / stride) % channels : 0;
  };

  SmallVector<APInt> codes;
  codes.reserve(type.getNumElements());
  for (auto [index, value] : llvm::enumerate(input.getValues<APFloat>())) {
    bool losesInfo;
    APFloat single = value;
    single.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                   &losesInfo);
    float x = single.convertToFloat();
    int64_t channel = channelOf(index);
    uint64_t code;
    if (auto uniform = dyn_cast<UniformAttr>(encoding)) {
      quant::IntRange range = quant::storageRange(bits, !storage.isUnsigned());
      code = static_cast<uint64_t>(quant::quantizeUniform(
          x, static_cast<float>(uniform.getScales()[channel]),
          uniform.getZeroPoints()[channel], range));
    } else if (auto log2 = dyn_cast<Log2Attr>(encoding)) {
      code = quant::quantizeLog2(
          x, static_cast<float>(log2.getScales()[channel]), bits);
    } else {
      auto codebook = cast<CodebookAttr>(encoding);
      code = quant::quantizeCodebook(x, codebook.getTable(channel).data(),
                                     codebook.getNumEntries());
    }
    codes.push_back(
        APInt(bits, code, /*isSigned=*/false, /*implicitTrunc=*/true));
  }
  return DenseIntElementsAttr::get(type, codes);
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantPair(*this, getResult(), getInput());
}

//===----------------------------------------------------------------------===//
// PrecisionRegionOp
//===----------------------------------------------------------------------===//

LogicalResult PrecisionRegionOp::verifyRegions() {
  Block &body = getBody().front();
  Type precision = getPrecision();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body must take one argument per input (")
           << body.getNumArguments() << " vs " << getInputs().size() << ")";
  for (auto [index, input, arg] :
       llvm::enumerate(getInputs(), body.getArguments())) {
    auto inputType = cast<RankedTensorType>(input.getType());
    Type expected = inputType;
    if (isa<FloatType>(inputType.getElementType())) {
      if (!isa<FloatType>(precision))
        return emitOpError("float input #")
               << index << " must be quantized before entering an " << precision
               << " region";
      expected = RankedTensorType::get(inputType.getShape(), precision);
    }
    if (arg.getType() != expected)
      return emitOpError("body argument #")
             << index << " must have type " << expected << ", got "
             << arg.getType();
  }

  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end in dsk.yield");
  if (yield.getValues().size() != getNumResults())
    return emitOpError("body must yield one value per result (")
           << yield.getValues().size() << " vs " << getNumResults() << ")";
  for (auto [index, yielded, result] :
       llvm::enumerate(yield.getValues(), getResults())) {
    auto yieldedType = dyn_cast<RankedTensorType>(yielded.getType());
    auto resultType = cast<RankedTensorType>(result.getType());
    bool ok = yieldedType && yieldedType.getShape() == resultType.getShape() &&
              (isa<FloatType>(yieldedType.getElementType())
                   ? isa<FloatType>(resultType.getElementType()) &&
                         !resultType.getEncoding()
                   : yieldedType == resultType);
    if (!ok)
      return emitOpError("result #")
             << index << " of type " << resultType
             << " cannot be the boundary conversion of yielded type "
             << yielded.getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DynamicPrecisionOp
//===----------------------------------------------------------------------===//

LogicalResult DynamicPrecisionOp::verifyRegions() {
  PrecisionPolicyAttr policy = getPolicy();
  size_t numAlternatives = getAlternatives().size();
  if (numAlternatives < 2)
    return emitOpError("needs at least two alternatives");
  if (policy.getChoices().size() != numAlternatives)
    return emitOpError("policy has ")
           << policy.getChoices().size() << " choices but the op has "
           << numAlternatives << " alternatives";
  if (policy.getInput() >= static_cast<int64_t>(getInputs().size()))
    return emitOpError("policy selects on input #")
           << policy.getInput() << " but the op has " << getInputs().size()
           << " inputs";
  Value selected = getInputs()[policy.getInput()];
  if (!isa<FloatType>(getElementTypeOrSelf(selected)))
    return emitOpError("policy input #")
           << policy.getInput() << " must be a float tensor";

  for (auto [index, region] : llvm::enumerate(getAlternatives())) {
    Block &block = region.front();
    if (block.getArgumentTypes() != getInputs().getTypes())
      return emitOpError("alternative #")
             << index << " must take one argument of each input's type";
    auto yield = dyn_cast<YieldOp>(block.getTerminator());
    if (!yield)
      return emitOpError("alternative #") << index << " must end in dsk.yield";
    if (yield.getValues().getTypes() != getResultTypes())
      return emitOpError("alternative #")
             << index << " must yield values of the result types";
  }
  return success();
}
