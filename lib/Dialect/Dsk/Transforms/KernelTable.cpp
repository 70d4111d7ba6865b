//===- KernelTable.cpp - which kernel computes an op on a target ----------===//

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace dsk;

namespace {

template <typename OpTy> bool isOp(Operation *op) { return isa<OpTy>(op); }

/// Whether the f32 GEMM kernels (packed constant weights, register-blocked
/// microkernel) compute `op`: an f32 dsk.matmul whose right-hand side is a
/// constant matrix, so that it can be packed at compile time.
bool matchesGemmF32(Operation *op, std::string &whyNot) {
  auto matmul = cast<MatmulOp>(op);
  auto isF32 = [](Value value) {
    return value && getElementTypeOrSelf(value.getType()).isF32();
  };
  if (!isF32(matmul.getLhs()) || !isF32(matmul.getRhs()) ||
      !isF32(matmul.getResult()) ||
      (matmul.getBias() && !isF32(matmul.getBias()))) {
    whyNot = "not f32";
    return false;
  }
  if (getQuantEncoding(matmul.getRhs().getType())) {
    whyNot = "quantized rhs";
    return false;
  }
  if (matmul.getTransposeLhs()) {
    whyNot = "transposed lhs";
    return false;
  }
  auto rhsType = cast<RankedTensorType>(matmul.getRhs().getType());
  auto lhsType = cast<RankedTensorType>(matmul.getLhs().getType());
  if (!lhsType.hasStaticShape() || !rhsType.hasStaticShape() ||
      !matmul.getType().hasStaticShape()) {
    whyNot = "dynamic shape";
    return false;
  }
  if (rhsType.getRank() != 2) {
    whyNot = "rhs has batch dimensions";
    return false;
  }
  if (!matchPattern(matmul.getRhs(), m_Constant())) {
    whyNot = "rhs is not a constant";
    return false;
  }
  return true;
}

/// Whether every value is an f32 tensor of static shape; `whyNot` says
/// which it is not.
bool areStaticF32Tensors(ValueRange values, std::string &whyNot) {
  for (Value value : values) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.getElementType().isF32()) {
      whyNot = "not f32 tensors";
      return false;
    }
    if (!type.hasStaticShape()) {
      whyNot = "dynamic shape";
      return false;
    }
  }
  return true;
}

/// Whether the f32 convolution kernels compute `op`: a 2-D NCHW
/// convolution (any strides and dilations; the importer pads the input)
/// of f32 tensors with static shapes and a constant filter.
bool matchesConv2dF32(Operation *op, std::string &whyNot) {
  auto conv = cast<linalg::Conv2DNchwFchwOp>(op);
  Value filter = conv.getInputs()[1];
  if (!areStaticF32Tensors(conv->getOperands(), whyNot))
    return false;
  if (!matchPattern(filter, m_Constant())) {
    whyNot = "filter is not a constant";
    return false;
  }
  return true;
}

/// Whether the channels-in-lanes convolution kernels, with vectors of
/// `width` f32, compute `op`: a convolution the position-lane kernels also
/// compute whose output positions fill vectors worse than its channels do
/// (P / ceil(P / width) / width < F / ceil(F / width) / width). Elsewhere the
/// position-lane kernels are the better choice: their output stores need no
/// transposition.
bool matchesConv2dChannelsF32(Operation *op, int64_t width,
                              std::string &whyNot) {
  if (!matchesConv2dF32(op, whyNot))
    return false;
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(op->getResultTypes()[0]).getShape();
  int64_t channels = shape[1], positions = shape[2] * shape[3];
  auto padded = [&](int64_t size) { return llvm::alignTo(size, width); };
  if (positions * static_cast<int64_t>(padded(channels)) >=
      channels * static_cast<int64_t>(padded(positions))) {
    whyNot = "output positions fill the vectors as well as the channels";
    return false;
  }
  return true;
}

/// Whether the f32 depthwise kernels compute `op`: a 2-D NCHW depthwise
/// convolution (any strides and dilations) of f32 tensors with static
/// shapes; the filter may be any tensor (it is read, not packed).
bool matchesDepthwiseConv2dF32(Operation *op, std::string &whyNot) {
  return areStaticF32Tensors(op->getOperands(), whyNot);
}

/// Whether the f32 attention kernels compute `op`: a dsk.attention of f32
/// tensors with static shapes whose mask, if any, is an f32 tensor.
bool matchesAttentionF32(Operation *op, std::string &whyNot) {
  Value mask = cast<AttentionOp>(op).getMask();
  if (mask && !getElementTypeOrSelf(mask).isF32()) {
    whyNot = "mask is not f32";
    return false;
  }
  return areStaticF32Tensors(op->getOperands(), whyNot);
}

/// An attention row: blocks of MR query rows and `vectorWidth` keys.
KernelRow attentionRow(StringRef name, ArrayRef<std::string> features,
                       int64_t vectorWidth) {
  KernelRow row;
  row.name = name.str();
  row.requiredFeatures.assign(features.begin(), features.end());
  row.handles = isOp<AttentionOp>;
  row.matches = matchesAttentionF32;
  row.tiles = {4, vectorWidth};
  return row;
}

/// A depthwise row: vectors of `vectorWidth` f32.
KernelRow depthwiseRow(StringRef name, ArrayRef<std::string> features,
                       int64_t vectorWidth) {
  KernelRow row;
  row.name = name.str();
  row.requiredFeatures.assign(features.begin(), features.end());
  row.handles = isOp<linalg::DepthwiseConv2DNchwChwOp>;
  row.matches = matchesDepthwiseConv2dF32;
  row.tiles = {vectorWidth};
  return row;
}

/// A pooling row (2-D max and sum pools): vectors of `vectorWidth` f32.
KernelRow poolRow(StringRef name, ArrayRef<std::string> features,
                  int64_t vectorWidth) {
  KernelRow row = depthwiseRow(name, features, vectorWidth);
  row.handles = [](Operation *op) {
    return isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op);
  };
  row.matches = [](Operation *op, std::string &whyNot) {
    return areStaticF32Tensors(op->getOperands(), whyNot);
  };
  return row;
}

/// A GEMM row: MR rows of NR = `vectorsPerRow` vectors of `vectorWidth` f32
/// each, K blocked by KC so that a KC x NR panel of the packed weights stays
/// in the L1 cache.
KernelRow gemmF32Row(StringRef name, ArrayRef<std::string> features,
                     int64_t rows, int64_t vectorsPerRow, int64_t vectorWidth,
                     bool (*handles)(Operation *),
                     bool (*matches)(Operation *, std::string &)) {
  KernelRow row;
  row.name = name.str();
  row.handles = handles;
  row.requiredFeatures.assign(features.begin(), features.end());
  row.matches = matches;
  row.tiles = {rows, vectorsPerRow * vectorWidth, 256, vectorWidth};
  return row;
}

/// A channels-in-lanes convolution row: MR positions, NR = `vectorsPerRow`
/// vectors of `vectorWidth` channels, K blocks of `kBlock`. Each K block
/// loads, transposes and stores a tile's accumulators once, so longer
/// blocks pay while the MR x KC sliver of patches stays in L1.
KernelRow channelsConvRow(StringRef name, ArrayRef<std::string> features,
                          int64_t positions, int64_t vectorsPerRow,
                          int64_t vectorWidth, int64_t kBlock) {
  KernelRow row =
      gemmF32Row(name, features, positions, vectorsPerRow, vectorWidth,
                 isOp<linalg::Conv2DNchwFchwOp>, nullptr);
  row.matches = [vectorWidth](Operation *op, std::string &whyNot) {
    return matchesConv2dChannelsF32(op, vectorWidth, whyNot);
  };
  row.tiles[2] = kBlock;
  return row;
}

std::string describeShapes(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto print = [&](Type type) { os << describeType(type); };
  os << "(";
  llvm::interleaveComma(op->getOperandTypes(), os, print);
  os << " -> ";
  llvm::interleaveComma(op->getResultTypes(), os, print);
  os << ")";
  return text;
}

std::string describeLocation(Location loc) {
  if (std::optional<StringRef> node = getNodeName(loc))
    return ("node '" + *node + "'").str();
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    return (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
            llvm::Twine(file.getLine()))
        .str();
  return "unknown location";
}

} // namespace

KernelTable::KernelTable() {
  // Widest vectors first; the generic row runs on any CPU (128-bit vectors,
  // which LLVM legalizes for whatever the target has).
  rows.push_back(gemmF32Row(kernels::kGemmF32Avx512, {"avx512f"}, 12, 2, 16,
                            isOp<MatmulOp>, matchesGemmF32));
  rows.push_back(gemmF32Row(kernels::kGemmF32Avx2, {"avx2", "fma"}, 6, 2, 8,
                            isOp<MatmulOp>, matchesGemmF32));
  rows.push_back(gemmF32Row(kernels::kGemmF32Generic, {}, 4, 2, 4,
                            isOp<MatmulOp>, matchesGemmF32));
  // Convolutions, per target: channels in the lanes when the output
  // positions fill vectors worse than the channels (MR positions a power of
  // two, for the tiles' transposition), else positions in the lanes with
  // rows of output channels, whose counts are multiples of 8 in most
  // networks, so MR is 8 (AVX-512) or 4 (AVX2) rather than the GEMM's 12 or
  // 6, which would leave a thin tail sliver. Both have MR x NR/width
  // accumulators.
  // AVX-512: K blocks of 512 (a 16 KB sliver) were 1.5-3% faster than 256
  // on ResNet-50's late layers, 1024 slower; AVX2's rows stay at 256 (512
  // was 1-6% slower).
  rows.push_back(channelsConvRow(kernels::kConv2dChannelsF32Avx512, {"avx512f"},
                                 8, 2, 16, 512));
  rows.push_back(gemmF32Row(kernels::kConv2dF32Avx512, {"avx512f"}, 8, 2, 16,
                            isOp<linalg::Conv2DNchwFchwOp>, matchesConv2dF32));
  rows.push_back(channelsConvRow(kernels::kConv2dChannelsF32Avx2,
                                 {"avx2", "fma"}, 4, 3, 8, 256));
  rows.push_back(gemmF32Row(kernels::kConv2dF32Avx2, {"avx2", "fma"}, 4, 3, 8,
                            isOp<linalg::Conv2DNchwFchwOp>, matchesConv2dF32));
  rows.push_back(
      channelsConvRow(kernels::kConv2dChannelsF32Generic, {}, 4, 2, 4, 256));
  rows.push_back(gemmF32Row(kernels::kConv2dF32Generic, {}, 4, 2, 4,
                            isOp<linalg::Conv2DNchwFchwOp>, matchesConv2dF32));
  rows.push_back(
      depthwiseRow(kernels::kDepthwiseConv2dF32Avx512, {"avx512f"}, 16));
  rows.push_back(
      depthwiseRow(kernels::kDepthwiseConv2dF32Avx2, {"avx2", "fma"}, 8));
  rows.push_back(depthwiseRow(kernels::kDepthwiseConv2dF32Generic, {}, 4));
  rows.push_back(poolRow(kernels::kPool2dF32Avx512, {"avx512f"}, 16));
  rows.push_back(poolRow(kernels::kPool2dF32Avx2, {"avx2"}, 8));
  rows.push_back(poolRow(kernels::kPool2dF32Generic, {}, 4));
  rows.push_back(attentionRow(kernels::kAttentionF32Avx512, {"avx512f"}, 16));
  rows.push_back(attentionRow(kernels::kAttentionF32Avx2, {"avx2", "fma"}, 8));
  rows.push_back(attentionRow(kernels::kAttentionF32Generic, {}, 4));
}

KernelTable &KernelTable::get() {
  static KernelTable table;
  return table;
}

bool dsk::isSelectableComputeOp(Operation *op) {
  return isDskComputeOp(op) || isa<linalg::ConvolutionOpInterface>(op);
}

KernelSelection dsk::selectKernel(Operation *op, TargetAttr target) {
  KernelSelection selection;
  llvm::SmallVector<std::string> reasons;
  for (const KernelRow &row : KernelTable::get().getRows()) {
    if (row.targetKind != target.getKind() || !row.handles(op))
      continue;
    auto missing = llvm::find_if(row.requiredFeatures, [&](StringRef f) {
      return !target.hasFeature(f);
    });
    if (missing != row.requiredFeatures.end()) {
      reasons.push_back(row.name + ": target lacks " + *missing);
      continue;
    }
    std::string whyNot;
    if (!row.matches(op, whyNot)) {
      reasons.push_back(row.name + ": " + whyNot);
      continue;
    }
    MLIRContext *context = op->getContext();
    SmallVector<StringAttr> features =
        llvm::map_to_vector(row.requiredFeatures, [&](const std::string &f) {
          return StringAttr::get(context, f);
        });
    selection.kernel = KernelAttr::get(context, row.name, features, row.tiles);
    return selection;
  }
  selection.reason = reasons.empty() ? "no kernel in the table for this op"
                                     : llvm::join(reasons, "; ");
  return selection;
}

void dsk::printKernelReport(ModuleOp module, llvm::raw_ostream &os) {
  TargetAttr target = getTarget(module);
  module.walk([&](Operation *op) {
    if (!isSelectableComputeOp(op))
      return;
    os << op->getName() << " at " << describeLocation(op->getLoc()) << " "
       << describeShapes(op) << ": ";
    if (auto kernel =
            op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName)) {
      os << kernel.getName() << " tiles [";
      llvm::interleaveComma(kernel.getTiles(), os);
      os << "]\n";
      return;
    }
    os << "reference lowering";
    if (target)
      os << " (" << selectKernel(op, target).reason << ")";
    else
      os << " (no target)";
    os << "\n";
  });
}
