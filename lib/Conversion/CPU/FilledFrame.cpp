//===- FilledFrame.cpp - padded buffers whose border kernels skip ---------===//
//
// dsk-cpu-decompose-pad turns a convolution's or pool's padding into a
// buffer whose border slabs are filled with the padding value (zero, or
// -inf for a max pool) and whose interior receives the data. A kernel for
// which that value is the identity of its reduction reads the interior
// only (its taps outside it change nothing), after which nothing reads the
// border and its fills are dead stores, erased here. Filling the border
// costs one cache line per row and column slab, cold because the interior
// was written earlier: MobileNetV2's pads spent 0.5 ms in them.
//
//===----------------------------------------------------------------------===//

#include "KernelLowerings.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

/// A box of elements of a buffer: offsets and sizes per dimension.
struct Box {
  SmallVector<int64_t, 4> offsets, sizes;

  bool contains(const Box &other) const {
    for (auto [o, s, oo, os] :
         llvm::zip_equal(offsets, sizes, other.offsets, other.sizes))
      if (oo < o || oo + os > o + s)
        return false;
    return true;
  }
  bool overlaps(const Box &other) const {
    for (auto [o, s, oo, os] :
         llvm::zip_equal(offsets, sizes, other.offsets, other.sizes))
      if (oo >= o + s || o >= oo + os)
        return false;
    return true;
  }
  bool isEmpty() const { return llvm::is_contained(sizes, 0); }
  /// Grows this box to hold `other` too.
  void enclose(const Box &other) {
    for (auto [o, s, oo, os] :
         llvm::zip_equal(offsets, sizes, other.offsets, other.sizes)) {
      int64_t end = std::max(o + s, oo + os);
      o = std::min(o, oo);
      s = end - o;
    }
  }
};

/// The box a subview of unit strides and static offsets and sizes selects,
/// in the coordinates of its source.
std::optional<Box> boxOf(memref::SubViewOp subview) {
  if (!llvm::all_of(subview.getStaticStrides(),
                    [](int64_t stride) { return stride == 1; }) ||
      subview.getSourceType().getRank() != subview.getType().getRank() ||
      ShapedType::isDynamicShape(subview.getStaticOffsets()) ||
      ShapedType::isDynamicShape(subview.getStaticSizes()))
    return std::nullopt;
  return Box{SmallVector<int64_t, 4>(subview.getStaticOffsets()),
             SmallVector<int64_t, 4>(subview.getStaticSizes())};
}

/// Whether `op` is a fill of buffers whose value is a constant that
/// `isFrameValue` accepts.
bool isFrameFill(Operation *op,
                 function_ref<bool(const APFloat &)> isFrameValue) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  FloatAttr value;
  return fill && fill.hasPureBufferSemantics() &&
         matchPattern(fill.getInputs()[0], m_Constant(&value)) &&
         isFrameValue(value.getValue());
}

/// A buffer's views, split into those only filled (by fills that `isFill`
/// accepts) and the others.
struct Views {
  SmallVector<std::pair<memref::SubViewOp, Box>> filled, others;
};

/// The views of the allocation `buffer` when every use of it, but
/// `reader`'s and its deallocation, is a subview of a static box.
std::optional<Views> viewsOf(Value buffer, Operation *reader,
                             function_ref<bool(Operation *)> isFill) {
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  Views views;
  for (Operation *user : buffer.getUsers()) {
    if (user == reader || isa<memref::DeallocOp>(user))
      continue;
    auto subview = dyn_cast<memref::SubViewOp>(user);
    std::optional<Box> box = subview ? boxOf(subview) : std::nullopt;
    if (!box)
      return std::nullopt;
    bool onlyFilled =
        !subview->use_empty() && llvm::all_of(subview->getUsers(), isFill);
    (onlyFilled ? views.filled : views.others).push_back({subview, *box});
  }
  return views;
}

} // namespace

std::optional<FilledFrame>
dsk::cpu::matchFilledFrame(Value input, Operation *reader,
                           function_ref<bool(const APFloat &)> isFrameValue) {
  if (!isStaticF32Memref(input, 4) ||
      !cast<MemRefType>(input.getType()).getLayout().isIdentity())
    return std::nullopt;
  std::optional<Views> views = viewsOf(input, reader, [&](Operation *op) {
    return isFrameFill(op, isFrameValue);
  });
  if (!views || views->others.empty())
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<MemRefType>(input.getType()).getShape();
  // The data: the bounding box of the views not only frame-filled, whole in
  // the images and channels.
  Box data = views->others.front().second;
  for (auto &[view, box] : views->others)
    data.enclose(box);
  if (data.offsets[0] != 0 || data.offsets[1] != 0 ||
      data.sizes[0] != shape[0] || data.sizes[1] != shape[1])
    return std::nullopt;
  // The frame is written before the reader and never over the data (whose
  // writes could then come in either order).
  for (auto &[view, box] : views->filled) {
    if (box.overlaps(data))
      return std::nullopt;
    for (Operation *fill : view->getUsers())
      if (fill->getBlock() != reader->getBlock() ||
          !fill->isBeforeInBlock(reader))
        return std::nullopt;
  }
  // Each slab of the frame around the data lies in one filled box.
  int64_t top = data.offsets[2], left = data.offsets[3];
  int64_t rows = data.sizes[2], columns = data.sizes[3];
  auto slab = [&](int64_t row, int64_t height, int64_t column, int64_t width) {
    return Box{{0, 0, row, column}, {shape[0], shape[1], height, width}};
  };
  for (const Box &frame :
       {slab(0, top, 0, shape[3]),
        slab(top + rows, shape[2] - top - rows, 0, shape[3]),
        slab(top, rows, 0, left),
        slab(top, rows, left + columns, shape[3] - left - columns)}) {
    if (frame.isEmpty())
      continue;
    if (llvm::none_of(views->filled,
                      [&](auto &view) { return view.second.contains(frame); }))
      return std::nullopt;
  }
  return FilledFrame{top, left, rows, columns};
}

Value dsk::cpu::buildFrameInterior(OpBuilder &b, Location loc, Value input,
                                   const FilledFrame &frame) {
  ArrayRef<int64_t> shape = cast<MemRefType>(input.getType()).getShape();
  return memref::SubViewOp::create(
      b, loc, input, ArrayRef<int64_t>{0, 0, frame.top, frame.left},
      ArrayRef<int64_t>{shape[0], shape[1], frame.rows, frame.columns},
      ArrayRef<int64_t>{1, 1, 1, 1});
}

void dsk::cpu::eraseUnreadFills(RewriterBase &rewriter, Operation *root) {
  SmallVector<memref::AllocOp> allocs;
  root->walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  for (memref::AllocOp alloc : allocs) {
    std::optional<Views> views =
        viewsOf(alloc, /*reader=*/nullptr,
                [](Operation *op) { return isa<linalg::FillOp>(op); });
    if (!views)
      continue;
    for (auto &filled : views->filled) {
      if (llvm::any_of(views->others, [&](auto &other) {
            return other.second.overlaps(filled.second);
          }))
        continue;
      memref::SubViewOp view = filled.first;
      for (Operation *fill : llvm::make_early_inc_range(view->getUsers()))
        eraseWithProfileMarks(rewriter, fill);
      rewriter.eraseOp(view);
    }
  }
}
