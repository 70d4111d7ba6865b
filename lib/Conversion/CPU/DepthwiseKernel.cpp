//===- DepthwiseKernel.cpp - the depthwise convolution kernels ------------===//
//
// f32 depthwise 2-D convolutions on buffers: per (image, channel) task,
// vectors of output columns accumulating one multiply-add per filter tap.
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

/// The operands and geometry of a depthwise convolution on buffers:
/// out[n][c][oh][ow] += sum_{kh,kw} w[c][kh][kw] *
///   in[n][c][oh * sh + kh * dh][ow * sw + kw * dw].
struct DepthwiseConv {
  Value input, filter, output;
  int64_t images, channels, outRows, outColumns, kernelRows, kernelColumns;
  int64_t strides[2], dilations[2];
  int64_t width;
  bool fused;
};

std::optional<DepthwiseConv>
matchDepthwiseConv(linalg::DepthwiseConv2DNchwChwOp op, KernelAttr kernel) {
  if (!op.hasPureBufferSemantics() || kernel.getTiles().size() != 1 ||
      kernel.getTiles()[0] < 1)
    return std::nullopt;
  DepthwiseConv conv;
  conv.input = op.getInputs()[0];
  conv.filter = op.getInputs()[1];
  conv.output = op.getOutputs()[0];
  if (!isStaticF32Memref(conv.input, 4) || !isStaticF32Memref(conv.filter, 3) ||
      !isStaticF32Memref(conv.output, 4) || !isInnerContiguous(conv.input) ||
      !isInnerContiguous(conv.output))
    return std::nullopt;
  ArrayRef<int64_t> out = cast<MemRefType>(conv.output.getType()).getShape();
  ArrayRef<int64_t> filter = cast<MemRefType>(conv.filter.getType()).getShape();
  conv.images = out[0];
  conv.channels = out[1];
  conv.outRows = out[2];
  conv.outColumns = out[3];
  conv.kernelRows = filter[1];
  conv.kernelColumns = filter[2];
  for (auto [i, v] : llvm::enumerate(op.getStrides().getValues<int64_t>()))
    conv.strides[i] = v;
  for (auto [i, v] : llvm::enumerate(op.getDilations().getValues<int64_t>()))
    conv.dilations[i] = v;
  conv.width = kernel.getTiles()[0];
  conv.fused = usesFusedMultiplyAdd(kernel);
  return conv;
}

/// Emits a depthwise convolution: tasks (image, channel) on threads when
/// asked; in each, the taps' weights broadcast once, then per output row
/// vectors of output columns (the last one masked), each accumulating one
/// multiply-add per tap, in the reference's tap order. Inputs of unit
/// column stride are loaded, others gathered.
class DepthwiseEmitter {
public:
  DepthwiseEmitter(OpBuilder &b, Location loc, const DepthwiseConv &conv,
                   const FusedOps &fusedOps)
      : b(b), loc(loc), conv(conv), fusedOps(fusedOps),
        vectorType(VectorType::get({conv.width}, b.getF32Type())) {}

  void emit(bool parallel) {
    buildTaskLoops(b, loc, {conv.images, conv.channels}, parallel,
                   [&](ValueRange ivs) { emitChannel(ivs[0], ivs[1]); });
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  void emitChannel(Value image, Value channel) {
    SmallVector<Value> weights;
    for (int64_t kh = 0; kh < conv.kernelRows; ++kh)
      for (int64_t kw = 0; kw < conv.kernelColumns; ++kw)
        weights.push_back(vector::BroadcastOp::create(
            b, loc, vectorType,
            memref::LoadOp::create(b, loc, conv.filter,
                                   ValueRange{channel, index(kh), index(kw)})));
    int64_t full = conv.outColumns - conv.outColumns % conv.width;
    buildFor(b, loc, index(0), index(conv.outRows), index(1), [&](Value row) {
      if (full > 0)
        buildFor(b, loc, index(0), index(full), index(conv.width),
                 [&](Value column) {
                   emitVector(image, channel, row, column, conv.width, weights);
                 });
      if (int64_t rest = conv.outColumns % conv.width)
        emitVector(image, channel, row, index(full), rest, weights);
    });
  }

  /// in[image][channel][row][column + 2 * lane] for each lane: the even
  /// lanes of the two vectors from `column`, loaded through masks that stop
  /// at the row's end (the lanes past it are never needed).
  Value loadEvenLanes(Value image, Value channel, Value row, Value column) {
    int64_t width = conv.width;
    int64_t rowLength =
        cast<MemRefType>(conv.input.getType()).getShape().back();
    auto maskType = VectorType::get({width}, b.getI1Type());
    SmallVector<Value, 2> halves;
    for (int64_t half = 0; half < 2; ++half) {
      Value start = arith::AddIOp::create(b, loc, column, index(half * width));
      // Lanes before the row's end: clamp(rowLength - start, 0, width).
      Value left = arith::SubIOp::create(b, loc, index(rowLength), start);
      left = arith::MaxSIOp::create(b, loc, left, index(0));
      left = arith::MinSIOp::create(b, loc, left, index(width));
      Value mask = vector::CreateMaskOp::create(b, loc, maskType, left);
      halves.push_back(loadVector(b, loc, vectorType, conv.input,
                                  {image, channel, row, start}, mask));
    }
    SmallVector<int64_t> even;
    for (int64_t lane = 0; lane < width; ++lane)
      even.push_back(2 * lane);
    return vector::ShuffleOp::create(b, loc, halves[0], halves[1], even);
  }

  /// out[image][channel][row][column : column + valid] over all taps.
  void emitVector(Value image, Value channel, Value row, Value column,
                  int64_t valid, ArrayRef<Value> weights) {
    std::optional<Value> mask;
    if (valid < conv.width)
      mask = firstLanesMask(b, loc, conv.width, valid);
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    auto load = [&](Value memref, ValueRange at) {
      return loadVector(b, loc, vectorType, memref, at, mask);
    };
    SmallVector<Value, 4> outAt = {image, channel, row, column};
    Value acc = fusedOps.prologue
                    ? evaluateFused(b, loc, *fusedOps.prologue, Value(), outAt,
                                    vectorType, mask)
                    : load(conv.output, outAt);
    // Column stride 2: two contiguous vectors, their even lanes. Other
    // strides: gathered lanes, column offsets 0, s, 2s, ... from the first.
    bool deinterleave = conv.strides[1] == 2;
    Value offsets;
    if (conv.strides[1] != 1 && !deinterleave) {
      SmallVector<int32_t> lanes;
      for (int64_t i = 0; i < conv.width; ++i)
        lanes.push_back(static_cast<int32_t>(i * conv.strides[1]));
      auto offsetType = VectorType::get({conv.width}, b.getI32Type());
      offsets = arith::ConstantOp::create(
          b, loc, offsetType,
          DenseElementsAttr::get(offsetType, ArrayRef(lanes)));
    }
    Value inRow0 = arith::MulIOp::create(b, loc, row, index(conv.strides[0]));
    Value inColumn0 =
        arith::MulIOp::create(b, loc, column, index(conv.strides[1]));
    Value allLanes = firstLanesMask(b, loc, conv.width, conv.width);
    for (int64_t kh = 0; kh < conv.kernelRows; ++kh) {
      Value inRow =
          arith::AddIOp::create(b, loc, inRow0, index(kh * conv.dilations[0]));
      for (int64_t kw = 0; kw < conv.kernelColumns; ++kw) {
        Value inColumn = arith::AddIOp::create(b, loc, inColumn0,
                                               index(kw * conv.dilations[1]));
        SmallVector<Value, 4> inAt = {image, channel, inRow, inColumn};
        Value x = deinterleave ? loadEvenLanes(image, channel, inRow, inColumn)
                  : offsets
                      ? vector::GatherOp::create(b, loc, vectorType, conv.input,
                                                 inAt, offsets,
                                                 mask ? *mask : allLanes, zeros)
                            .getResult()
                      : load(conv.input, inAt);
        acc = multiplyAdd(b, loc, x, weights[kh * conv.kernelColumns + kw], acc,
                          conv.fused);
      }
    }
    if (fusedOps.epilogue)
      storeWithEpilogue(b, loc, *fusedOps.epilogue, acc, outAt, mask);
    else
      storeVector(b, loc, acc, conv.output, outAt, mask);
  }
  OpBuilder &b;
  Location loc;
  const DepthwiseConv &conv;
  /// The elementwise ops computed with the kernel (KernelEpilogue.cpp).
  const FusedOps &fusedOps;
  VectorType vectorType;
};

} // namespace

bool dsk::cpu::lowerDepthwiseConv(RewriterBase &rewriter,
                                  linalg::DepthwiseConv2DNchwChwOp op,
                                  KernelAttr kernel,
                                  const ThreadingOptions &options) {
  std::optional<DepthwiseConv> conv = matchDepthwiseConv(op, kernel);
  if (!conv)
    return false;
  FusedOps fused =
      FusedOps::match(op, conv->output, {conv->input, conv->filter});
  rewriter.setInsertionPoint(op);
  int64_t work = conv->images * conv->channels * conv->outRows *
                 conv->outColumns * conv->kernelRows * conv->kernelColumns;
  DepthwiseEmitter emitter(rewriter, op.getLoc(), *conv, fused);
  emitter.emit(options.parallel && work >= options.minParallelFlops &&
               conv->images * conv->channels > 1);
  fused.erase(rewriter);
  rewriter.eraseOp(op);
  return true;
}
