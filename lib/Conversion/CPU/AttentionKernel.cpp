//===- AttentionKernel.cpp - the f32 attention kernels --------------------===//
//
// dsk.attention_kernel on buffers: per (batch, head, block of query rows),
// keys in blocks of one vector. The key matrix is transposed once so that
// one vector load gives a key block's values of one feature; the block's
// scores stay in registers; an online softmax (running maximum and sum per
// row) rescales the running output, so the scores matrix is never
// materialised.
//
//===----------------------------------------------------------------------===//

#include "KernelLowerings.h"

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace dsk;
using namespace dsk::cpu;

namespace {

/// The buffers and sizes of one attention: query [B, H, Sq, D], key
/// [B, H, Sk, D], value [B, H, Sk, Dv], output [B, H, Sq, Dv], and the
/// optional f32 mask, which broadcasts to [B, H, Sq, Sk].
struct Attention {
  Value query, key, value, mask, output;
  int64_t batch, heads, queries, keys, depth, valueDepth;
  double scale;
  bool causal;
  /// Query rows per block, keys per block (the vector width), vectors per
  /// output row.
  int64_t rows, width, valueVectors;
  bool fused;
};

/// `buffer`, or a copy of it with the identity layout when it has another
/// one, so that vectors load along its last dimension (the copy is added to
/// `copies`; `copyIn` says whether its contents are needed).
Value contiguous(OpBuilder &b, Location loc, Value buffer, bool copyIn,
                 SmallVectorImpl<Value> &copies) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getLayout().isIdentity())
    return buffer;
  auto copyType = MemRefType::get(type.getShape(), type.getElementType());
  Value copy = memref::AllocOp::create(b, loc, copyType);
  if (copyIn)
    linalg::CopyOp::create(b, loc, buffer, copy);
  copies.push_back(copy);
  return copy;
}

/// The code of one attention; see the file comment.
class AttentionEmitter {
public:
  AttentionEmitter(OpBuilder &b, Location loc, const Attention &a)
      : b(b), loc(loc), a(a),
        vectorType(VectorType::get({a.width}, b.getF32Type())) {}

  void emit(Value keyT, bool parallel) {
    this->keyT = keyT;
    int64_t blocks = llvm::divideCeil(a.queries, a.rows);
    buildTaskLoops(b, loc, {a.batch, a.heads, blocks}, parallel,
                   [&](ValueRange ivs) { emitTask(ivs[0], ivs[1], ivs[2]); });
  }

private:
  /// Running state of R query rows: the maximum and sum of each row's
  /// exponentials so far, and its output vectors (rows x valueVectors).
  struct State {
    SmallVector<Value> max, sum, out;
    SmallVector<Value> flatten() const {
      SmallVector<Value> all(max);
      llvm::append_range(all, sum);
      llvm::append_range(all, out);
      return all;
    }
    static State unflatten(ValueRange all, int64_t rows) {
      State s;
      s.max.assign(all.begin(), all.begin() + rows);
      s.sum.assign(all.begin() + rows, all.begin() + 2 * rows);
      s.out.assign(all.begin() + 2 * rows, all.end());
      return s;
    }
  };

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value splat(Value scalar) {
    return vector::BroadcastOp::create(b, loc, vectorType, scalar);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }

  /// Rows [block * R, ...) of (image, head): full blocks of R rows, and the
  /// last rows one at a time.
  void emitTask(Value image, Value head, Value block) {
    this->image = image;
    this->head = head;
    Value first = arith::MulIOp::create(b, loc, block, index(a.rows));
    if (a.queries % a.rows == 0) {
      emitRows(first, a.rows);
      return;
    }
    Value full =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                              add(first, index(a.rows)), index(a.queries));
    auto ifOp = scf::IfOp::create(b, loc, full, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    emitRows(first, a.rows);
    b.setInsertionPointToStart(ifOp.elseBlock());
    buildFor(b, loc, first, index(a.queries), index(1),
             [&](Value row) { emitRows(row, 1); });
  }

  /// `rows` query rows from `first`: every key block, then the output.
  void emitRows(Value first, int64_t rows) {
    State state;
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    for (int64_t r = 0; r < rows; ++r) {
      state.max.push_back(negInf());
      state.sum.push_back(f32(0));
      for (int64_t v = 0; v < a.valueVectors; ++v)
        state.out.push_back(zeros);
    }
    int64_t fullBlocks = a.keys / a.width;
    int64_t tailKeys = a.keys % a.width;
    // With a causal mask, key blocks wholly after the last row's position
    // have no weight: they are skipped. (Keys after a row's position in the
    // blocks that remain are masked to -inf: a weight of exactly 0, as in
    // the reference, which also sums them.)
    Value blockEnd = index(fullBlocks * a.width);
    if (a.causal) {
      Value needed = add(first, index(rows + a.width - 1));
      needed = arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, needed, index(a.width)),
          index(a.width));
      blockEnd = arith::MinUIOp::create(b, loc, needed, blockEnd);
    }
    auto loop = scf::ForOp::create(
        b, loc, index(0), blockEnd, index(a.width), state.flatten(),
        [&](OpBuilder &nb, Location nl, Value key, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          State next = emitKeyBlock(first, rows, key, a.width,
                                    State::unflatten(carried, rows));
          scf::YieldOp::create(b, loc, next.flatten());
        });
    state = State::unflatten(loop.getResults(), rows);
    if (tailKeys > 0) {
      Value tailKey = index(fullBlocks * a.width);
      if (!a.causal) {
        state = emitKeyBlock(first, rows, tailKey, tailKeys, state);
      } else {
        // The tail block matters only to rows at or after its first key.
        Value reaches = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                              add(first, index(rows)), tailKey);
        SmallVector<Value> flat = state.flatten();
        auto ifOp = scf::IfOp::create(b, loc, ValueRange(flat).getTypes(),
                                      reaches, /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        State next = emitKeyBlock(first, rows, tailKey, tailKeys, state);
        scf::YieldOp::create(b, loc, next.flatten());
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b, loc, flat);
        b.setInsertionPointAfter(ifOp);
        state = State::unflatten(ifOp.getResults(), rows);
      }
    }
    emitOutput(first, rows, state);
  }

  /// The `valid` keys from `key` (a whole vector, or the last few keys).
  State emitKeyBlock(Value first, int64_t rows, Value key, int64_t valid,
                     const State &state) {
    std::optional<Value> keyMask;
    if (valid < a.width)
      keyMask = firstLanesMask(b, loc, a.width, valid);
    SmallVector<Value> scores = emitScores(first, rows, key, keyMask);
    State next;
    for (int64_t r = 0; r < rows; ++r) {
      // maximum, and the exponent's offset: 0 while every score so far is
      // -inf, so that exp(-inf - offset) is 0, not NaN.
      Value blockMax = vector::ReductionOp::create(
          b, loc, vector::CombiningKind::MAXIMUMF, scores[r]);
      Value max = arith::MaximumFOp::create(b, loc, state.max[r], blockMax);
      Value allMasked = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                              max, negInf());
      Value offset = arith::SelectOp::create(b, loc, allMasked, f32(0), max);
      Value rescale = math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, state.max[r], offset));
      Value weights = math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, scores[r], splat(offset)));
      scores[r] = weights;
      auto sum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                             weights);
      sum.setFastmath(arith::FastMathFlags::reassoc);
      next.max.push_back(max);
      next.sum.push_back(arith::AddFOp::create(
          b, loc, arith::MulFOp::create(b, loc, state.sum[r], rescale), sum));
      for (int64_t v = 0; v < a.valueVectors; ++v)
        next.out.push_back(arith::MulFOp::create(
            b, loc, state.out[r * a.valueVectors + v], splat(rescale)));
    }
    // out[r] += weight[r][j] * value[j] for each key j of the block.
    for (int64_t lane = 0; lane < valid; ++lane) {
      Value keyIndex = add(key, index(lane));
      SmallVector<Value> valueRow;
      for (int64_t v = 0; v < a.valueVectors; ++v)
        valueRow.push_back(loadVector(
            b, loc, vectorType, a.value,
            {image, head, keyIndex, index(v * a.width)}, valueMask(v)));
      for (int64_t r = 0; r < rows; ++r) {
        Value weight = splat(vector::ExtractOp::create(
            b, loc, scores[r], ArrayRef<int64_t>{lane}));
        for (int64_t v = 0; v < a.valueVectors; ++v) {
          Value &out = next.out[r * a.valueVectors + v];
          out = multiplyAdd(b, loc, weight, valueRow[v], out, a.fused);
        }
      }
    }
    return next;
  }

  /// The block's scores, one vector per row: scale * (q . k) + mask, -inf
  /// where the causal mask or the block's end excludes the key.
  SmallVector<Value> emitScores(Value first, int64_t rows, Value key,
                                std::optional<Value> keyMask) {
    Value zeros = arith::ConstantOp::create(b, loc, vectorType,
                                            b.getZeroAttr(vectorType));
    SmallVector<Value> init(rows, zeros);
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(a.depth), index(1), init,
        [&](OpBuilder &nb, Location nl, Value d, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value keys = loadVector(b, loc, vectorType, keyT,
                                  {image, head, d, key}, keyMask);
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value q = memref::LoadOp::create(
                b, loc, a.query,
                ValueRange{image, head, add(first, index(r)), d});
            next.push_back(
                multiplyAdd(b, loc, splat(q), keys, acc[r], a.fused));
          }
          scf::YieldOp::create(b, loc, next);
        });
    SmallVector<Value> scores;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = add(first, index(r));
      Value s =
          arith::MulFOp::create(b, loc, loop.getResult(r), splat(f32(a.scale)));
      if (a.mask)
        s = arith::AddFOp::create(b, loc, s, loadMask(row, key, keyMask));
      if (a.causal) {
        // key + lane > row: after the row's position.
        auto indexVector = VectorType::get({a.width}, b.getIndexType());
        Value lanes = vector::StepOp::create(b, loc, indexVector);
        Value keysAt = arith::AddIOp::create(
            b, loc, lanes,
            vector::BroadcastOp::create(b, loc, indexVector, key));
        Value after = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ugt, keysAt,
            vector::BroadcastOp::create(b, loc, indexVector, row));
        s = arith::SelectOp::create(b, loc, after, splat(negInf()), s);
      }
      if (keyMask)
        s = arith::SelectOp::create(b, loc, *keyMask, s, splat(negInf()));
      scores.push_back(s);
    }
    return scores;
  }

  /// The mask's values for `row` and the block's keys, as it broadcasts to
  /// [B, H, Sq, Sk].
  Value loadMask(Value row, Value key, std::optional<Value> keyMask) {
    auto type = cast<MemRefType>(a.mask.getType());
    ArrayRef<int64_t> shape = type.getShape();
    int64_t rank = shape.size();
    Value full[4] = {image, head, row, key};
    SmallVector<Value> at;
    for (int64_t d = 0; d < rank; ++d)
      at.push_back(shape[d] == 1 ? index(0) : full[4 - rank + d]);
    if (rank > 0 && shape.back() != 1)
      return loadVector(b, loc, vectorType, a.mask, at, keyMask);
    return splat(memref::LoadOp::create(b, loc, a.mask, at));
  }

  /// The mask of output vector `v`: the last may be partial.
  std::optional<Value> valueMask(int64_t v) {
    int64_t valid = a.valueDepth - v * a.width;
    if (valid >= a.width)
      return std::nullopt;
    return firstLanesMask(b, loc, a.width, valid);
  }

  /// out[row] = running output / running sum.
  void emitOutput(Value first, int64_t rows, const State &state) {
    for (int64_t r = 0; r < rows; ++r) {
      Value sum = splat(state.sum[r]);
      for (int64_t v = 0; v < a.valueVectors; ++v) {
        Value out = arith::DivFOp::create(
            b, loc, state.out[r * a.valueVectors + v], sum);
        storeVector(b, loc, out, a.output,
                    {image, head, add(first, index(r)), index(v * a.width)},
                    valueMask(v));
      }
    }
  }

  OpBuilder &b;
  Location loc;
  const Attention &a;
  VectorType vectorType;
  Value keyT, image, head;
};

} // namespace

bool dsk::cpu::lowerAttention(RewriterBase &rewriter, AttentionKernelOp op,
                              KernelAttr kernel,
                              const ThreadingOptions &options) {
  ArrayRef<int64_t> tiles = kernel.getTiles();
  if (!op.hasPureBufferSemantics() || tiles.size() != 2 || tiles[0] < 1 ||
      tiles[1] < 1)
    return false;
  for (Value operand : op->getOperands())
    if (!cast<MemRefType>(operand.getType()).hasStaticShape())
      return false;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Attention a;
  // Vectors load along the value's, the output's and the mask's last
  // dimension: those need unit stride there (copies otherwise).
  a.query = op.getQuery();
  a.key = op.getKey();
  SmallVector<Value> copies;
  a.value = contiguous(rewriter, loc, op.getValue(), true, copies);
  a.mask = op.getMask() ? contiguous(rewriter, loc, op.getMask(), true, copies)
                        : Value();
  Value output = op.getInit();
  a.output = contiguous(rewriter, loc, output, false, copies);
  ArrayRef<int64_t> q = cast<MemRefType>(a.query.getType()).getShape();
  ArrayRef<int64_t> v = cast<MemRefType>(a.value.getType()).getShape();
  a.batch = q[0];
  a.heads = q[1];
  a.queries = q[2];
  a.depth = q[3];
  a.keys = v[2];
  a.valueDepth = v[3];
  a.scale = op.getScale().convertToDouble();
  a.causal = op.getCausal();
  a.width = tiles[1];
  a.valueVectors = llvm::divideCeil(a.valueDepth, a.width);
  // Rows share each key vector; their outputs stay in registers: about half
  // the vector registers (32 with AVX-512, 16 otherwise) hold them.
  int64_t outputRegisters = a.width >= 16 ? 16 : 8;
  a.rows = std::clamp<int64_t>(outputRegisters / a.valueVectors, 1, tiles[0]);
  a.fused = usesFusedMultiplyAdd(kernel);

  // key^T [B, H, D, Sk]: a vector of keys per feature.
  auto keyTType = MemRefType::get({a.batch, a.heads, a.depth, a.keys},
                                  rewriter.getF32Type());
  Value keyT = memref::AllocOp::create(rewriter, loc, keyTType);
  linalg::TransposeOp::create(rewriter, loc, a.key, keyT,
                              ArrayRef<int64_t>{0, 1, 3, 2});
  int64_t flops =
      2 * a.batch * a.heads * a.queries * a.keys * (a.depth + a.valueDepth);
  AttentionEmitter(rewriter, loc, a)
      .emit(keyT, options.parallel && flops >= options.minParallelFlops);
  memref::DeallocOp::create(rewriter, loc, keyT);
  if (a.output != output)
    linalg::CopyOp::create(rewriter, loc, a.output, output);
  for (Value copy : copies)
    memref::DeallocOp::create(rewriter, loc, copy);
  rewriter.eraseOp(op);
  return true;
}
