//===- WindowKernels.cpp - depthwise convolution and pooling kernels ------===//
//
// f32 windows over one channel on buffers: depthwise 2-D convolutions and
// max / sum pools. Per (image, channel) task, vectors of output columns
// accumulating one multiply-add (a maximum, a sum) per window tap.
//
//===----------------------------------------------------------------------===//

#include "KernelLowerings.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

/// How a window's taps combine into the output.
enum class Combine { MultiplyAdd, Max, Add };

/// The operands and geometry of a window over one channel on buffers:
/// out[n][c][oh][ow] = combine over (kh, kw) of out[n][c][oh][ow] and
///   in[n][c][oh * sh + kh * dh - top][ow * sw + kw * dw - left]
/// (times w[c][kh][kw] for a depthwise convolution), the input element
/// being the combination's identity outside its `inRows` x `inColumns` (a
/// padding frame the kernel skips; top and left are 0 without one).
struct ChannelWindow {
  Value input, filter, output;
  Combine combine;
  int64_t images, channels, outRows, outColumns, kernelRows, kernelColumns;
  int64_t strides[2], dilations[2];
  int64_t top = 0, left = 0, inRows, inColumns;
  int64_t width;
  bool fused;

  /// The value a tap outside the input contributes: the identity of the
  /// combination (0 for sums, -inf for the maximum).
  double identity() const {
    return combine == Combine::Max ? -std::numeric_limits<double>::infinity()
                                   : 0.0;
  }
  /// Whether a padding frame of `value` changes nothing in the output.
  bool isIdentity(const APFloat &value) const {
    return combine == Combine::Max ? value.isInfinity() && value.isNegative()
                                   : value.isZero();
  }

  /// The input column of lane 0 of output column `column`, tap `kw`.
  int64_t inColumn(int64_t column, int64_t kw) const {
    return column * strides[1] + kw * dilations[1] - left;
  }
  /// Whether output columns [column, column + lanes) read only input
  /// columns inside the input, for every tap.
  bool readsInside(int64_t column, int64_t lanes) const {
    return inColumn(column, 0) >= 0 &&
           inColumn(column + lanes - 1, kernelColumns - 1) < inColumns;
  }
  /// Whether tap row `kh` of output row `row` lies inside the input.
  bool rowInside(int64_t row, int64_t kh) const {
    int64_t inRow = row * strides[0] + kh * dilations[0] - top;
    return inRow >= 0 && inRow < inRows;
  }
};

/// The taps of `op` (a depthwise convolution or a pool: `taps` its filter
/// [C][KH][KW] or its taps shape [KH][KW]) for `kernel`'s tiles.
std::optional<ChannelWindow> matchChannelWindow(linalg::LinalgOp op,
                                                Combine combine, Value taps,
                                                DenseIntElementsAttr strides,
                                                DenseIntElementsAttr dilations,
                                                KernelAttr kernel) {
  if (!op.hasPureBufferSemantics() || kernel.getTiles().size() != 1 ||
      kernel.getTiles()[0] < 1)
    return std::nullopt;
  bool isConv = combine == Combine::MultiplyAdd;
  ChannelWindow window;
  window.combine = combine;
  window.input = op.getDpsInputs()[0];
  window.filter = isConv ? taps : Value();
  window.output = op.getDpsInits()[0];
  if (!isStaticF32Memref(window.input, 4) ||
      !isStaticF32Memref(taps, isConv ? 3 : 2) ||
      !isStaticF32Memref(window.output, 4) ||
      !isInnerContiguous(window.input) || !isInnerContiguous(window.output))
    return std::nullopt;
  ArrayRef<int64_t> out = cast<MemRefType>(window.output.getType()).getShape();
  ArrayRef<int64_t> tapShape =
      cast<MemRefType>(taps.getType()).getShape().take_back(2);
  ArrayRef<int64_t> in = cast<MemRefType>(window.input.getType()).getShape();
  window.images = out[0];
  window.channels = out[1];
  window.outRows = out[2];
  window.outColumns = out[3];
  window.kernelRows = tapShape[0];
  window.kernelColumns = tapShape[1];
  window.inRows = in[2];
  window.inColumns = in[3];
  for (auto [i, v] : llvm::enumerate(strides.getValues<int64_t>()))
    window.strides[i] = v;
  for (auto [i, v] : llvm::enumerate(dilations.getValues<int64_t>()))
    window.dilations[i] = v;
  window.width = kernel.getTiles()[0];
  window.fused = usesFusedMultiplyAdd(kernel);
  return window;
}

/// Emits a window over one channel: tasks (image, channel) on threads when
/// asked; in each, a depthwise convolution's weights broadcast once, then
/// per output row vectors of output columns (the last one masked), each
/// combining one tap at a time, in the reference's tap order. Inputs of unit
/// column stride are loaded, of stride 2 deinterleaved from two loads,
/// others gathered. Around a padding frame, the output rows and column
/// vectors whose taps reach outside the input are built one by one: they
/// skip the rows outside, and give the columns outside the identity; the
/// others run in loops without a check.
class WindowEmitter {
public:
  WindowEmitter(OpBuilder &b, Location loc, const ChannelWindow &window,
                const FusedOps &fusedOps)
      : b(b), loc(loc), window(window), fusedOps(fusedOps),
        vectorType(VectorType::get({window.width}, b.getF32Type())) {
    // Full vectors [firstInsideVector, endInsideVector) of a row read
    // columns inside for every tap (readsInside is monotone along the row:
    // false, true, false).
    int64_t width = window.width, fullVectors = window.outColumns / width;
    while (firstInsideVector < fullVectors &&
           !window.readsInside(firstInsideVector * width, width))
      ++firstInsideVector;
    endInsideVector = firstInsideVector;
    while (endInsideVector < fullVectors &&
           window.readsInside(endInsideVector * width, width))
      ++endInsideVector;
  }

  void emit(bool parallel) {
    buildTaskLoops(b, loc, {window.images, window.channels}, parallel,
                   [&](ValueRange ivs) { emitChannel(ivs[0], ivs[1]); });
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  void emitChannel(Value image, Value channel) {
    weights.clear();
    for (int64_t kh = 0; window.filter && kh < window.kernelRows; ++kh)
      for (int64_t kw = 0; kw < window.kernelColumns; ++kw)
        weights.push_back(vector::BroadcastOp::create(
            b, loc, vectorType,
            memref::LoadOp::create(b, loc, window.filter,
                                   ValueRange{channel, index(kh), index(kw)})));
    // Rows [firstInside, endInside) read input rows inside for every tap.
    int64_t firstInside = std::min(
        window.outRows, llvm::divideCeilSigned(window.top, window.strides[0]));
    int64_t lastTapRow = (window.kernelRows - 1) * window.dilations[0];
    int64_t endInside = std::clamp<int64_t>(
        llvm::divideFloorSigned(window.inRows - 1 + window.top - lastTapRow,
                                window.strides[0]) +
            1,
        firstInside, window.outRows);
    auto emitRow = [&](Value row, std::optional<int64_t> knownRow) {
      emitRowVectors(image, channel, row, knownRow);
    };
    for (int64_t row = 0; row < firstInside; ++row)
      emitRow(index(row), row);
    if (firstInside < endInside)
      buildFor(b, loc, index(firstInside), index(endInside), index(1),
               [&](Value row) { emitRow(row, std::nullopt); });
    for (int64_t row = endInside; row < window.outRows; ++row)
      emitRow(index(row), row);
  }

  /// The vectors of one output row (`knownRow` when built one by one).
  void emitRowVectors(Value image, Value channel, Value row,
                      std::optional<int64_t> knownRow) {
    int64_t width = window.width;
    int64_t fullVectors = window.outColumns / width;
    auto emitKnown = [&](int64_t column, int64_t lanes) {
      emitVector(image, channel, row, knownRow, index(column), lanes,
                 window.readsInside(column, lanes) ? std::nullopt
                                                   : std::optional(column));
    };
    for (int64_t vector = 0; vector < firstInsideVector; ++vector)
      emitKnown(vector * width, width);
    if (firstInsideVector < endInsideVector)
      buildFor(b, loc, index(firstInsideVector * width),
               index(endInsideVector * width), index(width), [&](Value column) {
                 emitVector(image, channel, row, knownRow, column, width,
                            std::nullopt);
               });
    for (int64_t vector = endInsideVector; vector < fullVectors; ++vector)
      emitKnown(vector * width, width);
    if (int64_t rest = window.outColumns % width)
      emitKnown(fullVectors * width, rest);
  }

  /// in[image][channel][row][column + 2 * lane] for each lane: the even
  /// lanes of the two vectors from `column`, loaded through masks that stop
  /// at the row's end (the lanes past it are never needed).
  Value loadEvenLanes(Value image, Value channel, Value row, Value column) {
    int64_t width = window.width;
    auto maskType = VectorType::get({width}, b.getI1Type());
    SmallVector<Value, 2> halves;
    for (int64_t half = 0; half < 2; ++half) {
      Value start = arith::AddIOp::create(b, loc, column, index(half * width));
      // Lanes before the row's end: clamp(inColumns - start, 0, width).
      Value left =
          arith::SubIOp::create(b, loc, index(window.inColumns), start);
      left = arith::MaxSIOp::create(b, loc, left, index(0));
      left = arith::MinSIOp::create(b, loc, left, index(width));
      Value mask = vector::CreateMaskOp::create(b, loc, maskType, left);
      halves.push_back(loadVector(b, loc, vectorType, window.input,
                                  {image, channel, row, start}, mask));
    }
    SmallVector<int64_t> even;
    for (int64_t lane = 0; lane < width; ++lane)
      even.push_back(2 * lane);
    return vector::ShuffleOp::create(b, loc, halves[0], halves[1], even);
  }

  /// The input of tap column `kw` for output columns [column, + lanes) of a
  /// vector some of whose lanes read outside the input: the identity there.
  /// Unit and 2 strides load the columns from the first inside (one or two
  /// masked loads) and move the lanes in place with a shuffle; others
  /// gather. Empty when every lane is outside.
  std::optional<Value> loadAtEdge(Value image, Value channel, Value row,
                                  int64_t column, int64_t lanes, int64_t kw) {
    int64_t width = window.width, stride = window.strides[1];
    int64_t first = window.inColumn(column, kw);
    int64_t start = std::max<int64_t>(first, 0);
    SmallVector<bool> inside;
    SmallVector<int64_t> source;
    for (int64_t lane = 0; lane < width; ++lane) {
      int64_t in = first + lane * stride;
      inside.push_back(lane < lanes && in >= 0 && in < window.inColumns);
      source.push_back(inside.back() ? in - start : 0);
    }
    if (llvm::none_of(inside, [](bool lane) { return lane; }))
      return std::nullopt;
    auto maskType = VectorType::get({width}, b.getI1Type());
    Value insideMask = arith::ConstantOp::create(
        b, loc, maskType, DenseElementsAttr::get(maskType, ArrayRef(inside)));
    Value identity = identityVector();
    if (stride > 2) {
      SmallVector<int32_t> offsets(source.begin(), source.end());
      auto offsetType = VectorType::get({width}, b.getI32Type());
      return vector::GatherOp::create(
                 b, loc, vectorType, window.input,
                 ValueRange{image, channel, row, index(start)},
                 arith::ConstantOp::create(
                     b, loc, offsetType,
                     DenseElementsAttr::get(offsetType, ArrayRef(offsets))),
                 insideMask, identity)
          .getResult();
    }
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    SmallVector<Value, 2> parts;
    for (int64_t part = 0; part < stride; ++part) {
      int64_t from = start + part * width;
      int64_t valid = std::clamp<int64_t>(window.inColumns - from, 0, width);
      parts.push_back(valid == 0
                          ? zeros
                          : loadVector(b, loc, vectorType, window.input,
                                       {image, channel, row, index(from)},
                                       firstLanesMask(b, loc, width, valid)));
    }
    Value x =
        vector::ShuffleOp::create(b, loc, parts.front(), parts.back(), source);
    return arith::SelectOp::create(b, loc, insideMask, x, identity).getResult();
  }

  Value identityVector() {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            vectorType, b.getFloatAttr(b.getF32Type(), window.identity())));
  }

  /// acc combined with the input `x` of tap (kh, kw).
  Value combine(Value x, int64_t kh, int64_t kw, Value acc) {
    switch (window.combine) {
    case Combine::MultiplyAdd:
      return multiplyAdd(b, loc, x, weights[kh * window.kernelColumns + kw],
                         acc, window.fused);
    case Combine::Max:
      return arith::MaximumFOp::create(b, loc, acc, x);
    case Combine::Add:
      return arith::AddFOp::create(b, loc, acc, x);
    }
    llvm_unreachable("unknown combination");
  }

  /// out[image][channel][row][column : column + valid] over all taps: the
  /// taps of rows outside the input skipped when the row is `knownRow`,
  /// the columns outside masked when the vector is at `edgeColumn`.
  void emitVector(Value image, Value channel, Value row,
                  std::optional<int64_t> knownRow, Value column, int64_t valid,
                  std::optional<int64_t> edgeColumn) {
    std::optional<Value> mask;
    if (valid < window.width)
      mask = firstLanesMask(b, loc, window.width, valid);
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    auto load = [&](Value memref, ValueRange at) {
      return loadVector(b, loc, vectorType, memref, at, mask);
    };
    SmallVector<Value, 4> outAt = {image, channel, row, column};
    Value acc = fusedOps.prologue
                    ? evaluateFused(b, loc, *fusedOps.prologue, Value(), outAt,
                                    vectorType, mask)
                    : load(window.output, outAt);
    // Column stride 2: two contiguous vectors, their even lanes. Other
    // strides: gathered lanes, column offsets 0, s, 2s, ... from the first.
    bool deinterleave = window.strides[1] == 2;
    Value offsets;
    if (window.strides[1] != 1 && !deinterleave) {
      SmallVector<int32_t> lanes;
      for (int64_t i = 0; i < window.width; ++i)
        lanes.push_back(static_cast<int32_t>(i * window.strides[1]));
      auto offsetType = VectorType::get({window.width}, b.getI32Type());
      offsets = arith::ConstantOp::create(
          b, loc, offsetType,
          DenseElementsAttr::get(offsetType, ArrayRef(lanes)));
    }
    Value inRow0 = arith::MulIOp::create(b, loc, row, index(window.strides[0]));
    Value inColumn0 =
        arith::MulIOp::create(b, loc, column, index(window.strides[1]));
    Value allLanes = firstLanesMask(b, loc, window.width, window.width);
    for (int64_t kh = 0; kh < window.kernelRows; ++kh) {
      if (knownRow && !window.rowInside(*knownRow, kh))
        continue;
      Value inRow = arith::AddIOp::create(
          b, loc, inRow0, index(kh * window.dilations[0] - window.top));
      for (int64_t kw = 0; kw < window.kernelColumns; ++kw) {
        std::optional<Value> x;
        if (edgeColumn) {
          x = loadAtEdge(image, channel, inRow, *edgeColumn, valid, kw);
        } else {
          Value inColumn = arith::AddIOp::create(
              b, loc, inColumn0, index(kw * window.dilations[1] - window.left));
          SmallVector<Value, 4> inAt = {image, channel, inRow, inColumn};
          x = deinterleave ? loadEvenLanes(image, channel, inRow, inColumn)
              : offsets
                  ? vector::GatherOp::create(b, loc, vectorType, window.input,
                                             inAt, offsets,
                                             mask ? *mask : allLanes, zeros)
                        .getResult()
                  : load(window.input, inAt);
        }
        if (x)
          acc = combine(*x, kh, kw, acc);
      }
    }
    if (fusedOps.epilogue)
      storeWithEpilogue(b, loc, *fusedOps.epilogue, acc, outAt, mask);
    else
      storeVector(b, loc, acc, window.output, outAt, mask);
  }

  OpBuilder &b;
  Location loc;
  const ChannelWindow &window;
  /// The elementwise ops computed with the kernel (KernelEpilogue.cpp).
  const FusedOps &fusedOps;
  VectorType vectorType;
  /// The full vectors of a row that need no edge handling.
  int64_t firstInsideVector = 0, endInsideVector = 0;
  /// A depthwise convolution's weights, one broadcast per tap, in the
  /// current task.
  SmallVector<Value> weights;
};

} // namespace

/// Replaces `op` with the window kernel of `window`, its padding frame (a
/// value that changes nothing in the output) skipped.
static void lowerChannelWindow(RewriterBase &rewriter, linalg::LinalgOp op,
                               ChannelWindow window,
                               const ThreadingOptions &options) {
  SmallVector<Value, 2> inputs = {window.input};
  if (window.filter)
    inputs.push_back(window.filter);
  FusedOps fused = FusedOps::match(op, window.output, inputs);
  rewriter.setInsertionPoint(op);
  if (std::optional<FilledFrame> frame =
          matchFilledFrame(window.input, op, [&](const APFloat &value) {
            return window.isIdentity(value);
          })) {
    window.input =
        buildFrameInterior(rewriter, op.getLoc(), window.input, *frame);
    window.top = frame->top;
    window.left = frame->left;
    window.inRows = frame->rows;
    window.inColumns = frame->columns;
  }
  int64_t work = window.images * window.channels * window.outRows *
                 window.outColumns * window.kernelRows * window.kernelColumns;
  WindowEmitter(rewriter, op.getLoc(), window, fused)
      .emit(options.parallel && work >= options.minParallelFlops &&
            window.images * window.channels > 1);
  fused.erase(rewriter);
  rewriter.eraseOp(op);
}

bool dsk::cpu::lowerDepthwiseConv(RewriterBase &rewriter,
                                  linalg::DepthwiseConv2DNchwChwOp op,
                                  KernelAttr kernel,
                                  const ThreadingOptions &options) {
  std::optional<ChannelWindow> window =
      matchChannelWindow(op, Combine::MultiplyAdd, op.getInputs()[1],
                         op.getStrides(), op.getDilations(), kernel);
  if (!window)
    return false;
  lowerChannelWindow(rewriter, op, *window, options);
  return true;
}

bool dsk::cpu::lowerPool(RewriterBase &rewriter, linalg::LinalgOp op,
                         KernelAttr kernel, const ThreadingOptions &options) {
  std::optional<ChannelWindow> window;
  if (auto max = dyn_cast<linalg::PoolingNchwMaxOp>(op.getOperation()))
    window = matchChannelWindow(op, Combine::Max, max.getInputs()[1],
                                max.getStrides(), max.getDilations(), kernel);
  else if (auto sum = dyn_cast<linalg::PoolingNchwSumOp>(op.getOperation()))
    window = matchChannelWindow(op, Combine::Add, sum.getInputs()[1],
                                sum.getStrides(), sum.getDilations(), kernel);
  if (!window)
    return false;
  lowerChannelWindow(rewriter, op, *window, options);
  return true;
}
