//===- ChannelsConvKernel.cpp - convolutions with channels in the lanes ---===//
//
// The channels-in-lanes f32 convolution kernels (kernels::kConv2dChannels*):
// the packed product of dsk-cpu-pack-weights with the filter in panels of NR
// output channels becomes tasks of a register-blocked microkernel whose rows
// are MR output positions and whose vectors hold channels. A late layer's
// few positions (7x7) then cost no idle lanes; the price is a transposition
// of each MR x NR tile on its way to and from the NCHW output, in registers.
//
//===----------------------------------------------------------------------===//

#include "ConvPatches.h"
#include "KernelLowerings.h"

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

/// f32 elements per 64-byte cache line.
constexpr int64_t kFloatsPerCacheLine = 16;

/// The operands and sizes of a channels-in-lanes convolution:
/// out[n][f][p] += panels[f / NR][k][f % NR] * patches[n][k][p].
struct ChannelsConv {
  Value panels, patches, out;
  /// How the patches read the convolution's input, when they are not a
  /// matrix [N][K][P] (ConvPatches.h).
  std::optional<PatchGeometry> geometry;
  int64_t batch, channels, positions, k;
  int64_t mr, nr, kc, width;
  bool fused;
};

/// Whether `op` is the packed product of a channels-in-lanes convolution
/// that `kernel` describes, exactly, with buffers the microkernel can
/// address.
std::optional<ChannelsConv> matchChannelsConv(linalg::GenericOp op,
                                              KernelAttr kernel) {
  ArrayRef<int64_t> tiles = kernel.getTiles();
  if (!kernels::isValidChannelsConvTiles(tiles))
    return std::nullopt;
  std::optional<ConvProduct> product = matchConvProduct(op, tiles[1]);
  if (!product)
    return std::nullopt;
  ChannelsConv conv;
  conv.panels = product->filter;
  conv.patches = product->patches;
  conv.out = product->out;
  conv.geometry = product->geometry;
  conv.batch = product->batch;
  conv.channels = product->channels;
  conv.positions = product->positions;
  conv.k = product->k;
  conv.mr = tiles[0];
  conv.nr = tiles[1];
  conv.kc = tiles[2];
  conv.width = tiles[3];
  conv.fused = usesFusedMultiplyAdd(kernel);
  return conv;
}

/// Transposes a tile held in registers between rows (R vectors of W lanes)
/// and columns (W vectors of R lanes), R a power of two that divides W, in
/// log2(R) rounds of two-source shuffles. After round s every vector holds
/// 2^(s+1) consecutive rows of W / 2^(s+1) columns: a round merges two
/// groups of rows that hold the same columns, each output taking half of
/// them.
class TileTransposer {
public:
  TileTransposer(OpBuilder &b, Location loc, int64_t rows, int64_t width)
      : b(b), loc(loc), rows(rows), width(width) {}

  /// W vectors of R lanes: column c of the tile whose rows are `tile`.
  SmallVector<Value> toColumns(ArrayRef<Value> tile) {
    // groups[g][j]: the j-th block of columns of the g-th group of rows.
    SmallVector<SmallVector<Value>> groups;
    for (Value row : tile)
      groups.push_back({row});
    for (int64_t size = 1; size < rows; size *= 2) {
      SmallVector<SmallVector<Value>> merged;
      for (size_t g = 0; g < groups.size(); g += 2) {
        SmallVector<Value> group;
        for (auto [upper, lower] : llvm::zip_equal(groups[g], groups[g + 1])) {
          group.push_back(merge(upper, lower, size, /*half=*/0));
          group.push_back(merge(upper, lower, size, /*half=*/1));
        }
        merged.push_back(std::move(group));
      }
      groups = std::move(merged);
    }
    SmallVector<Value> columns;
    for (Value block : groups.front())
      for (int64_t c = 0; c < width / rows; ++c)
        columns.push_back(
            rows == width ? block
                          : vector::ExtractStridedSliceOp::create(
                                b, loc, block, ArrayRef<int64_t>{c * rows},
                                ArrayRef<int64_t>{rows}, ArrayRef<int64_t>{1})
                                .getResult());
    return columns;
  }

  /// R vectors of W lanes: row r of the tile whose columns are `columns`.
  SmallVector<Value> toRows(ArrayRef<Value> columns) {
    auto vectorType = VectorType::get({width}, b.getF32Type());
    SmallVector<Value> blocks;
    for (int64_t j = 0; j < rows; ++j) {
      Value block = columns[j * (width / rows)];
      if (rows != width) {
        block = arith::ConstantOp::create(b, loc, vectorType,
                                          b.getZeroAttr(vectorType));
        for (int64_t c = 0; c < width / rows; ++c)
          block = vector::InsertStridedSliceOp::create(
              b, loc, columns[j * (width / rows) + c], block,
              ArrayRef<int64_t>{c * rows}, ArrayRef<int64_t>{1});
      }
      blocks.push_back(block);
    }
    SmallVector<SmallVector<Value>> groups = {blocks};
    for (int64_t size = rows / 2; size >= 1; size /= 2) {
      SmallVector<SmallVector<Value>> split;
      for (ArrayRef<Value> group : groups) {
        SmallVector<Value> upper, lower;
        for (size_t j = 0; j < group.size(); j += 2) {
          upper.push_back(unmerge(group[j], group[j + 1], size, /*part=*/0));
          lower.push_back(unmerge(group[j], group[j + 1], size, /*part=*/1));
        }
        split.push_back(std::move(upper));
        split.push_back(std::move(lower));
      }
      groups = std::move(split);
    }
    return llvm::map_to_vector(groups,
                               [](ArrayRef<Value> group) { return group[0]; });
  }

private:
  /// Half `half` of the columns of `upper` and `lower` (groups of `size`
  /// rows each), each column's rows of `upper` then those of `lower`.
  Value merge(Value upper, Value lower, int64_t size, int64_t half) {
    int64_t columns = width / size;
    SmallVector<int64_t> lanes;
    for (int64_t c = half * columns / 2; c < (half + 1) * columns / 2; ++c) {
      for (int64_t r = 0; r < size; ++r)
        lanes.push_back(c * size + r);
      for (int64_t r = 0; r < size; ++r)
        lanes.push_back(width + c * size + r);
    }
    return vector::ShuffleOp::create(b, loc, upper, lower, lanes);
  }

  /// The inverse of merge: from the two halves `first` and `second` (groups
  /// of 2 * `size` rows), the columns of the upper (`part` 0) or lower
  /// (`part` 1) `size` rows.
  Value unmerge(Value first, Value second, int64_t size, int64_t part) {
    int64_t half = width / (2 * size);
    SmallVector<int64_t> lanes;
    for (int64_t c = 0; c < 2 * half; ++c)
      for (int64_t r = 0; r < size; ++r)
        lanes.push_back((c < half ? 0 : width) + (c % half) * 2 * size +
                        part * size + r);
    return vector::ShuffleOp::create(b, loc, first, second, lanes);
  }

  OpBuilder &b;
  Location loc;
  int64_t rows, width;
};

/// Emits the code of one channels-in-lanes convolution in place of its
/// generic, in two phases. First the patches are packed, once for all tasks,
/// into slivers of MR positions, Pp[N][ceil(P/MR)][K][MR] (zero past P): every
/// task reads all of them, so packing them per task would repeat the work
/// for each group of channels. Then the tasks (block of positions x group of
/// channel panels) → K blocks of KC → slivers → panels, each an MR x NR tile
/// of accumulators over the sliver's KC x MR block and the panel's KC x NR
/// slab of the filter (which stays in L2 while the slivers pass over it).
class ChannelsConvEmitter {
public:
  ChannelsConvEmitter(OpBuilder &b, Location loc, const ChannelsConv &conv,
                      const GemmBlocking &blocking, const FusedOps &fusedOps)
      : b(b), loc(loc), conv(conv), blocking(blocking), fusedOps(fusedOps),
        vectorType(VectorType::get({conv.width}, b.getF32Type())) {}

  void emit(bool parallel) {
    int64_t slivers = llvm::divideCeilSigned(conv.positions, conv.mr);
    packed = memref::AllocOp::create(
        b, loc,
        MemRefType::get({conv.batch, slivers, conv.k, conv.mr}, b.getF32Type()),
        b.getI64IntegerAttr(64));
    buildTaskLoops(b, loc, {conv.batch, slivers},
                   parallel && conv.batch * slivers > 1, [&](ValueRange ivs) {
                     image = ivs[0];
                     emitPackSliver(ivs[1]);
                   });
    buildProductTasks(b, loc, conv.batch, blocking, parallel,
                      [&](Value taskImage, Value rowBlock, Value panelGroup) {
                        image = taskImage;
                        emitTask(rowBlock, panelGroup);
                      });
    memref::DeallocOp::create(b, loc, packed);
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  Value min(Value lhs, Value rhs) {
    return arith::MinSIOp::create(b, loc, lhs, rhs);
  }

  /// One task: a block of positions times the panels of one group
  /// (TaskTiles), K blocks outermost.
  void emitTask(Value rowBlock, Value panelGroup) {
    TaskTiles tiles(b, loc, blocking, conv.positions, conv.channels, conv.mr,
                    conv.nr, rowBlock, panelGroup);
    buildFor(b, loc, index(0), index(conv.k), index(conv.kc), [&](Value k0) {
      Value k1 =
          min(arith::AddIOp::create(b, loc, k0, index(conv.kc)), index(conv.k));
      tiles.forEachSliver([&](Value p, int64_t rows) {
        tiles.forEachPanel([&](Value panel, int64_t columns) {
          emitMicrokernel(p, rows, panel, columns, k0, k1);
        });
      });
    });
  }

  /// The positions of a sliver of `rows` positions are computed as the
  /// smallest power of two that holds them (the transposition's tile).
  static int64_t tileRows(int64_t rows) { return llvm::PowerOf2Ceil(rows); }

  /// Copies patches[image][:][sliver * MR : + MR] into the packed slivers,
  /// zero past the last position.
  void emitPackSliver(Value sliver) {
    auto laneType = VectorType::get({conv.mr}, b.getF32Type());
    Value p = arith::MulIOp::create(b, loc, sliver, index(conv.mr));
    // Only the last sliver can be partial: its lanes past P are masked off.
    std::optional<Value> mask;
    if (conv.positions % conv.mr) {
      Value valid = arith::SubIOp::create(b, loc, index(conv.positions), p);
      mask = vector::CreateMaskOp::create(
          b, loc, VectorType::get({conv.mr}, b.getI1Type()),
          ValueRange{min(valid, index(conv.mr))});
    }
    std::optional<PatchLoader> loader;
    std::optional<PatchLoader::Columns> columns;
    if (conv.geometry) {
      loader.emplace(b, loc, *conv.geometry, conv.patches, laneType);
      columns = loader->prepare(p, mask);
    }
    auto store = [&](Value value, Value k) {
      vector::StoreOp::create(b, loc, value, packed,
                              ValueRange{image, sliver, k, index(0)});
    };
    if (loader) {
      // A tap row (KW rows of the patches) at a time.
      int64_t kw = conv.geometry->kernelW;
      buildFor(b, loc, index(0), index(conv.k / kw), index(1), [&](Value g) {
        SmallVector<Value> rows = loader->loadTapRow(*columns, image, g);
        Value k0 = arith::MulIOp::create(b, loc, g, index(kw));
        for (int64_t t = 0; t < kw; ++t)
          store(rows[t], arith::AddIOp::create(b, loc, k0, index(t)));
      });
      return;
    }
    buildFor(b, loc, index(0), index(conv.k), index(1), [&](Value k) {
      store(loadVector(b, loc, laneType, conv.patches, {image, k, p}, mask), k);
    });
  }

  /// out[image][panel * NR : + columns][p : p + rows] += the sliver's block
  /// times the panel over k in [k0, k1): tileRows(rows) x NR/width vector
  /// accumulators, positions by channels, transposed from and to the output
  /// (or the prologue's values, and the epilogue's) per block of `width`
  /// channels.
  void emitMicrokernel(Value p, int64_t rows, Value panel, int64_t columns,
                       Value k0, Value k1) {
    int64_t tile = tileRows(rows);
    int64_t vectors = llvm::divideCeilSigned(columns, conv.width);
    auto laneType = VectorType::get({tile}, b.getF32Type());
    std::optional<Value> mask;
    if (rows < tile)
      mask = firstLanesMask(b, loc, tile, rows);
    TileTransposer transposer(b, loc, tile, conv.width);
    Value sliver = arith::DivUIOp::create(b, loc, p, index(conv.mr));
    Value channel0 = arith::MulIOp::create(b, loc, panel, index(conv.nr));
    // The output element of channel `c` of the panel at the sliver.
    auto at = [&](int64_t c) -> SmallVector<Value, 3> {
      return {image, arith::AddIOp::create(b, loc, channel0, index(c)), p};
    };
    // Channels past the panel's last (a partial panel) are zeros in and
    // unstored out.
    Value zeros =
        arith::ConstantOp::create(b, loc, laneType, b.getZeroAttr(laneType));
    auto initial = [&](bool fromPrologue) {
      SmallVector<Value> accumulators(tile * vectors);
      for (int64_t v = 0; v < vectors; ++v) {
        SmallVector<Value> tileColumns;
        for (int64_t c = v * conv.width; c < (v + 1) * conv.width; ++c)
          tileColumns.push_back(
              c >= columns ? zeros
              : fromPrologue
                  ? evaluateFused(b, loc, *fusedOps.prologue, Value(), at(c),
                                  laneType, mask)
                  : loadVector(b, loc, laneType, conv.out, at(c), mask));
        for (auto [r, row] : llvm::enumerate(transposer.toRows(tileColumns)))
          accumulators[r * vectors + v] = row;
      }
      return accumulators;
    };
    bool singleBlock = conv.k <= conv.kc;
    SmallVector<Value> accumulators = buildBlockInitial(
        b, loc, fusedOps.prologue.has_value(), singleBlock, k0,
        SmallVector<Type>(tile * vectors, vectorType), initial);

    auto step = [&](OpBuilder &nb, Location nl, Value k, ValueRange acc) {
      SmallVector<Value> panelRow;
      for (int64_t v = 0; v < vectors; ++v)
        panelRow.push_back(
            vector::LoadOp::create(nb, nl, vectorType, conv.panels,
                                   ValueRange{panel, k,
                                              arith::ConstantIndexOp::create(
                                                  nb, nl, v * conv.width)}));
      // The same row of the next K block's slab, into L2 (locality 1): the
      // first sliver of a block reads the whole slab from memory, the others
      // from L2, so fetching it during the previous block spreads the
      // memory traffic over all slivers' work.
      if (conv.k > conv.kc) {
        Value ahead = arith::MinSIOp::create(
            nb, nl,
            arith::AddIOp::create(
                nb, nl, k, arith::ConstantIndexOp::create(nb, nl, conv.kc)),
            arith::ConstantIndexOp::create(nb, nl, conv.k - 1));
        for (int64_t c = 0; c < conv.nr; c += kFloatsPerCacheLine)
          memref::PrefetchOp::create(
              nb, nl, conv.panels,
              ValueRange{panel, ahead,
                         arith::ConstantIndexOp::create(nb, nl, c)},
              /*isWrite=*/false, /*localityHint=*/1, /*isDataCache=*/true);
      }
      SmallVector<Value> next;
      for (int64_t r = 0; r < tile; ++r) {
        Value element = memref::LoadOp::create(
            nb, nl, packed,
            ValueRange{image, sliver, k,
                       arith::ConstantIndexOp::create(nb, nl, r)});
        Value broadcast =
            vector::BroadcastOp::create(nb, nl, vectorType, element);
        for (int64_t v = 0; v < vectors; ++v)
          next.push_back(multiplyAdd(nb, nl, broadcast, panelRow[v],
                                     acc[r * vectors + v], conv.fused));
      }
      scf::YieldOp::create(nb, nl, next);
    };
    auto loop =
        scf::ForOp::create(b, loc, k0, k1, index(1), accumulators, step);

    auto store = [&](bool withEpilogue) {
      for (int64_t v = 0; v < vectors; ++v) {
        SmallVector<Value> tileRowsOfV;
        for (int64_t r = 0; r < tile; ++r)
          tileRowsOfV.push_back(loop.getResult(r * vectors + v));
        SmallVector<Value> tileColumns = transposer.toColumns(tileRowsOfV);
        for (int64_t c = v * conv.width;
             c < std::min((v + 1) * conv.width, columns); ++c) {
          Value value = tileColumns[c - v * conv.width];
          if (withEpilogue)
            storeWithEpilogue(b, loc, *fusedOps.epilogue, value, at(c), mask);
          else
            storeVector(b, loc, value, conv.out, at(c), mask);
        }
      }
    };
    buildBlockStore(b, loc, fusedOps.epilogue.has_value(), singleBlock, k1,
                    conv.k, store);
  }

  OpBuilder &b;
  Location loc;
  const ChannelsConv &conv;
  const GemmBlocking &blocking;
  const FusedOps &fusedOps;
  VectorType vectorType;
  /// The packed slivers of patches, and the image being emitted.
  Value packed, image;
};

} // namespace

bool dsk::cpu::lowerChannelsConv(RewriterBase &rewriter, linalg::GenericOp op,
                                 KernelAttr kernel,
                                 const ThreadingOptions &options) {
  std::optional<ChannelsConv> conv = matchChannelsConv(op, kernel);
  if (!conv)
    return false;
  bool isLarge = options.parallel &&
                 conv->batch * conv->channels * conv->positions * conv->k >=
                     options.minParallelFlops;
  // Rows are positions, columns channels: each block of positions reads the
  // filter's panels once more, each group of channels the packed patches.
  TaskShape shape{conv->batch,
                  conv->positions,
                  conv->channels,
                  conv->mr,
                  conv->nr,
                  /*rowSplitCost=*/conv->channels,
                  /*columnSplitCost=*/conv->positions};
  GemmBlocking blocking =
      blockTasks(shape, options.rowBlock, options.columnGroup,
                 isLarge ? options.minTasks : 1);
  bool isParallel =
      isLarge && conv->batch * blocking.rowBlocks * blocking.panelGroups > 1;
  FusedOps fused =
      FusedOps::match(op, conv->out, {conv->panels, conv->patches});
  rewriter.setInsertionPoint(op);
  if (conv->geometry)
    readInsideZeroFrame(rewriter, op, conv->patches, *conv->geometry);
  ChannelsConvEmitter(rewriter, op.getLoc(), *conv, blocking, fused)
      .emit(isParallel);
  fused.erase(rewriter);
  rewriter.eraseOp(op);
  return true;
}
