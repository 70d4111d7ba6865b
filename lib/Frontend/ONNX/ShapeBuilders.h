//===- ShapeBuilders.h - shape arithmetic of tensor converters -*- C++ -*-===//
//
// What the data-movement converters (ShapeOps, SliceOps, GatherScatterOps,
// GenerateOps) share: index arithmetic that folds as it goes, import-time
// folding of constant tensors, 1-D integer tensors known element by element
// (shape computations: the result of Shape on a tensor with dynamic dims is
// kept as scalars, so that Gather, Concat, Slice, Unsqueeze and Squeeze of
// it stay known and Reshape can tell which output dims copy which input
// dims), reshape planning, and linalg.generic builders over index spaces.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_FRONTEND_ONNX_SHAPEBUILDERS_H
#define DSK_LIB_FRONTEND_ONNX_SHAPEBUILDERS_H

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

namespace dsk::onnx_import {

/// 1-D integer tensors up to this length are tracked element by element.
constexpr int64_t kMaxKnownElements = 64;

constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Index arithmetic that folds constants as it goes
//===----------------------------------------------------------------------===//

struct IndexArith {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value c(int64_t v) const {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  mlir::Value add(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::AddIOp>(loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::SubIOp>(loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::MulIOp>(loc, x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::DivSIOp>(loc, x, y);
  }
  mlir::Value ceilDiv(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::CeilDivSIOp>(loc, x, y);
  }
  mlir::Value rem(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::RemSIOp>(loc, x, y);
  }
  mlir::Value min(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::MinSIOp>(loc, x, y);
  }
  mlir::Value max(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::MaxSIOp>(loc, x, y);
  }
  mlir::Value cmp(mlir::arith::CmpIPredicate p, mlir::Value x,
                  mlir::Value y) const {
    return b.createOrFold<mlir::arith::CmpIOp>(loc, p, x, y);
  }
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::SelectOp>(loc, cond, x, y);
  }
  /// An integer scalar as an index (sign-extended).
  mlir::Value toIndex(mlir::Value v) const {
    if (v.getType().isIndex())
      return v;
    return b.createOrFold<mlir::arith::IndexCastOp>(loc, b.getIndexType(), v);
  }
  mlir::Value toI64(mlir::Value v) const {
    return b.createOrFold<mlir::arith::IndexCastOp>(loc, b.getI64Type(), v);
  }
  mlir::Value boolean(bool v) const {
    return mlir::arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
  }
  mlir::Value orI(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::OrIOp>(loc, x, y);
  }
  mlir::Value andI(mlir::Value x, mlir::Value y) const {
    return b.createOrFold<mlir::arith::AndIOp>(loc, x, y);
  }
  mlir::Value notI(mlir::Value x) const {
    return b.createOrFold<mlir::arith::XOrIOp>(loc, x, boolean(true));
  }
  mlir::Value eq(mlir::Value x, mlir::Value y) const {
    return cmp(mlir::arith::CmpIPredicate::eq, x, y);
  }
  /// x < 0 ? x + n : x
  mlir::Value wrapNegative(mlir::Value x, mlir::Value n) const {
    return select(cmp(mlir::arith::CmpIPredicate::slt, x, c(0)), add(x, n), x);
  }
};

std::optional<int64_t> constantInt(mlir::Value v);

mlir::Value dimValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                     int64_t i);

llvm::SmallVector<mlir::OpFoldResult> dimsOf(mlir::OpBuilder &b,
                                             mlir::Location loc, mlir::Value x);

/// The static shape of a list of sizes (kDynamic where not constant).
llvm::SmallVector<int64_t>
staticShape(llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The product of `values`, saturating at INT64_MAX (which every element
/// count limit rejects).
int64_t product(llvm::ArrayRef<int64_t> values);

//===----------------------------------------------------------------------===//
// Import-time folding
//===----------------------------------------------------------------------===//

/// An integer constant of at most `maxElements` elements (the import's
/// maxFoldElements), small enough to fold.
bool isFoldable(mlir::DenseElementsAttr attr, int64_t maxElements);

/// Row-major strides of a static shape (outer strides are 0 past a dynamic
/// dim or a product that overflows; callers fold only static shapes).
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// result[index] = source[sourceIndex(index)] over the static `shape`;
/// null when the result would have more than `maxElements` elements.
mlir::DenseElementsAttr
remap(mlir::DenseElementsAttr source, llvm::ArrayRef<int64_t> shape,
      int64_t maxElements,
      llvm::function_ref<int64_t(llvm::ArrayRef<int64_t>)> sourceLinear);

llvm::SmallVector<int64_t> intValues(mlir::DenseElementsAttr attr);

//===----------------------------------------------------------------------===//
// Element-wise known small integer tensors
//===----------------------------------------------------------------------===//

/// The scalars of a small 0-D/1-D integer tensor whose elements are known
/// one by one: a constant or a tensor.from_elements.
std::optional<llvm::SmallVector<mlir::Value>>
knownElements(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
              mlir::DenseElementsAttr constant);

std::optional<llvm::SmallVector<mlir::Value>> knownElements(NodeContext &ctx,
                                                            size_t i);

/// Output `i` made of known scalars: a constant when all of them are,
/// else tensor.from_elements.
void setElementsOutput(NodeContext &ctx, size_t i,
                       llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                       llvm::ArrayRef<mlir::Value> scalars, bool isUnsigned);

/// If `scalar` is known to be the size of dim j of `x` (an index_cast of
/// tensor.dim), returns j.
std::optional<int64_t> dimOfValue(mlir::Value scalar, mlir::Value x);

//===----------------------------------------------------------------------===//
// Reshapes
//===----------------------------------------------------------------------===//

/// A result dim of a reshape: static, equal to (dynamic) dim `symbol` of the
/// input, or computed at runtime.
struct TargetDim {
  int64_t size = kDynamic;
  int64_t symbol = -1;
  mlir::Value runtime;

  static TargetDim fixed(int64_t size) { return {size, -1, {}}; }
  static TargetDim copyOf(int64_t symbol) { return {kDynamic, symbol, {}}; }
  static TargetDim computed(mlir::Value v) { return {kDynamic, -1, v}; }
  bool isStatic() const { return !mlir::ShapedType::isDynamic(size); }
};

/// A product of dims: a static factor and the symbols multiplied in. A
/// factor that overflows int64 (sizes from a model's shape operand) marks
/// the product, which then equals nothing.
struct DimProduct {
  int64_t factor = 1;
  bool overflowed = false;
  llvm::SmallVector<int64_t> symbols;
  void multiply(const TargetDim &d) {
    if (d.isStatic())
      overflowed |= llvm::MulOverflow(factor, d.size, factor);
    else
      symbols.push_back(d.symbol);
  }
  bool operator==(const DimProduct &other) const {
    if (overflowed || other.overflowed)
      return false;
    llvm::SmallVector<int64_t> a = symbols, b = other.symbols;
    llvm::sort(a);
    llvm::sort(b);
    return factor == other.factor && a == b;
  }
};

/// Reshapes `x` to `target`, with collapse_shape/expand_shape where the
/// dims allow, else tensor.reshape.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      llvm::ArrayRef<TargetDim> target);

/// Output `i` as `x` reshaped to `shape` (static dims or kDynamic where the
/// dim is a copy of the dim `copies[k]` of x). Folds constants and known
/// elements.
void setReshapedOutput(NodeContext &ctx, size_t i, mlir::Value x,
                       mlir::DenseElementsAttr constant, bool isUnsigned,
                       llvm::ArrayRef<TargetDim> target);

//===----------------------------------------------------------------------===//
// Generic builders
//===----------------------------------------------------------------------===//

using IndexBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange ivs,
    mlir::ValueRange args)>;

/// A parallel linalg.generic producing a tensor of `sizes`: `inputs` read
/// through `inputMaps`; the body gets the iteration indices (linalg.index)
/// and the input scalars.
mlir::Value buildIndexedGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                llvm::ArrayRef<mlir::OpFoldResult> sizes,
                                mlir::Type elementType, mlir::ValueRange inputs,
                                llvm::ArrayRef<mlir::AffineMap> inputMaps,
                                IndexBodyFn body);

/// tensor.extract_slice, or tensor.empty when a static size is 0 (the
/// verifier rejects slices at the end of a static dim).
mlir::Value sliceOrEmpty(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         llvm::ArrayRef<mlir::OpFoldResult> offsets,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         llvm::ArrayRef<mlir::OpFoldResult> strides);

/// Reverses `x` along `axes`.
mlir::Value reverse(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    llvm::ArrayRef<int64_t> axes);

/// A scalar from a 0-D or one-element tensor input, or from its constant.
mlir::Value scalarInput(NodeContext &ctx, size_t i);

/// Elements of a 1-D integer input of static length as index values
/// (constants where known).
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
indexElements(NodeContext &ctx, size_t i, llvm::StringRef what,
              int64_t maxLength = kMaxRank);

/// Axes from the attribute (before `inputSince`) or input #`index`; empty
/// when absent.
mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
axesOperand(NodeContext &ctx, int64_t inputSince, size_t index);

/// Normalized, duplicate-free axes.
mlir::FailureOr<llvm::SmallVector<int64_t>>
normalizeAxes(NodeContext &ctx, llvm::ArrayRef<int64_t> axes, int64_t rank);

/// Axes only known at runtime, normalized against `rank`.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
runtimeAxes(NodeContext &ctx, size_t i, int64_t rank);

} // namespace dsk::onnx_import

#endif // DSK_LIB_FRONTEND_ONNX_SHAPEBUILDERS_H
