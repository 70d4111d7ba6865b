//===- Passes.td - dsk lowering passes ---------------------*- tablegen -*-===//

#ifndef DSK_CONVERSION_PASSES_TD
#define DSK_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def DskLowerToLinalg : Pass<"dsk-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower every dsk operation to upstream MLIR on tensors";
  let description = [{
    The reference lowering: rewrites every dsk operation into `linalg`,
    `tensor`, `arith`, `math` and `scf` operations on tensors, so that any
    dsk program runs through the upstream CPU pipeline (bufferization,
    `convert-linalg-to-loops`, the LLVM conversions), if slowly. It is the
    semantic baseline that optimised kernels are tested against.

    Quantized tensors become their plain integer storage: the dsk encodings
    are dropped and `ui` storage becomes signless, in function signatures,
    calls, returns and constants too; the encoding's parameters are baked
    into the generated arithmetic. Precision regions become explicit
    `arith.truncf`/`arith.extf` conversions around their inlined bodies, and
    `dsk.dynamic_precision` becomes an `scf.index_switch` on the index that
    its policy computes at run time.

    Aggregated linalg operations (`linalg.softmax`, as the ONNX importer
    emits for Softmax) are decomposed into the generics they stand for.

    Shapes must be static: the pass reports every dsk operation with a
    dynamic dimension and fails.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def DskExportModel : Pass<"dsk-export-model", "mlir::ModuleOp"> {
  let summary = "Wrap the model's entry function in the dsk model ABI";
  let description = [{
    Turns the model's entry function (`@main_graph` from the ONNX importer)
    into what a compiled model library exports (see
    `include/dsk/Runtime/ModelABI.h`):

    - `func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace:
      !llvm.ptr)`: the entry body,
      inlined, reading its inputs from the caller's buffers (one data pointer
      per input, then one per output) and writing every result into the
      caller's output buffer with `bufferization.materialize_in_destination`,
      so that one-shot bufferization (after empty-tensor elimination)
      computes results in place instead of copying them.
      The workspace is for `dsk-plan-memory`, which lays out the
      intermediate buffers in it after bufferization.
    - `llvm.mlir.global @dsk_model_metadata_v2`: the text that tells the
      runtime the inputs' and outputs' names (`dsk.onnx.name`), element types
      (`dsk.onnx.unsigned` marks ONNX-unsigned integers) and shapes, and the
      target the code is compiled for (the module's `dsk.target`, which must
      be a CPU target).

    It runs on tensors, after `dsk-lower-to-linalg`. Shapes must be static
    and element types must be ones the ABI lists; anything else is an error
    that names the input or output.

    Example:

    ```mlir
    func.func @main_graph(%x: tensor<2xf32> {dsk.onnx.name = "x"})
        -> (tensor<2xf32> {dsk.onnx.name = "y"}) { ... }
    ```

    becomes `@dsk_model_run_v2` plus the metadata `dsk-model 2 / kind cpu
    / target ... / features ... / workspace 0 / input x f32 1 2 / output y
    f32 1 2 / end` (dsk-plan-memory fills in the workspace size).
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main_graph\"",
           "The function to export">,
  ];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
  ];
}

def DskPlanMemory : Pass<"dsk-plan-memory", "mlir::ModuleOp"> {
  let summary = "Lay out the model's intermediate buffers in its workspace";
  let description = [{
    Static memory planning for the run function of `dsk-export-model`
    (`@dsk_model_run_v2(%buffers, %workspace)`), after bufferization and
    buffer deallocation. Every statically shaped allocation made in the run
    function's block and freed by one `memref.dealloc` in that block lives
    from the one to the other; the pass gives each such buffer an offset in
    the caller's workspace (largest first, at the lowest offset aligned to
    64 bytes that no buffer live at the same time uses), replaces the
    allocation with a `memref.view` of the workspace and drops the dealloc.
    Buffers with disjoint lifetimes share memory, and a run allocates
    nothing for them. The workspace size (0 when nothing is planned) is
    written into the metadata's `workspace` line.

    A buffer that nothing reads or writes, through any view (a
    destination whose writer a kernel absorbed as its prologue), is erased
    with its views and dealloc.

    Allocations inside loops or conditionals, with dynamic shapes, or
    freed conditionally are left to the allocator.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
  ];
}

def DskMarkProfileRegions : Pass<"dsk-mark-profile-regions", "mlir::ModuleOp"> {
  let summary = "Bracket the model's ops with calls a profiler can hook";
  let description = [{
    Runs on the bufferized module of `dsk-export-model`, before the kernels'
    lowering, while every graph node is still one op: each linalg op,
    `dsk.attention_kernel` and `memref.copy` of the module's functions (not inside a parallel loop) is
    profiling region i, with a call to `@__dsk_profile_mark(i, 0)` before it
    and `(i, 1)` after it. The mark calls the exported hook variable
    `dsk_model_profile_hook_v2` (ModelABI.h), which is NULL unless a profiler
    (`dsk-run --profile`) sets it, so a run costs one load and one branch
    per op. The metadata gets one `region <op> <kernel> <node> <shapes>`
    line per region, after the `workspace` line, in region order: the op
    (`linalg.generic(reduction)` or `(parallel)`, `linalg.matmul`, ...), the
    kernel from its `#dsk.kernel` (or `-`), the node name from its location
    (or `-`), and the operand shapes.

    ```mlir
    linalg.fill ins(%zero : f32) outs(%out : memref<4x8xf32>)
    // becomes
    llvm.call @__dsk_profile_mark(%c0_i32, %c0_i32) : (i32, i32) -> ()
    linalg.fill ins(%zero : f32) outs(%out : memref<4x8xf32>)
    llvm.call @__dsk_profile_mark(%c0_i32, %c1_i32) : (i32, i32) -> ()
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def DskUntieEmptyTensors
    : Pass<"dsk-untie-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Give every use of a tensor.empty its own op";
  let description = [{
    CSE merges the `tensor.empty` ops of equal shape that the importer and
    the lowerings create, so that one op may stand for the destinations of
    hundreds of ops. That means nothing on tensors, but bufferization
    treats them as writers of one buffer: empty-tensor elimination then
    replaces the shared op, and with it every user's destination, by the
    one subset it found (e.g. the caller's output buffer), and one-shot
    bufferization's conflict analysis, quadratic in the writers of a buffer,
    makes every one of them out of place (a 500-layer model took minutes).
    This pass gives each use its own `tensor.empty`, created just before
    the user (or, for a user inside a loop body, next to the original, so
    that no allocation moves into a loop); run it after the last pass that
    may CSE, before empty-tensor elimination and bufferization.

    ```mlir
    %e = tensor.empty() : tensor<4xf32>
    %a = linalg.generic ... outs(%e : tensor<4xf32>)
    %b = linalg.generic ... outs(%e : tensor<4xf32>)
    // becomes
    %e0 = tensor.empty() : tensor<4xf32>
    %a = linalg.generic ... outs(%e0 : tensor<4xf32>)
    %e1 = tensor.empty() : tensor<4xf32>
    %b = linalg.generic ... outs(%e1 : tensor<4xf32>)
    ```
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def DskExpandStridedCopies
    : Pass<"dsk-expand-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Turn copies between non-contiguous memrefs into linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls `memrefCopy` from MLIR's C
    runner utilities whenever either side is not one contiguous block. A
    compiled model library must not depend on those utilities, so this pass
    rewrites such copies into `linalg.copy`, which `convert-linalg-to-loops`
    turns into plain loops. Copies between contiguous buffers stay
    `memref.copy` and become a `memcpy`.

    ```mlir
    memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
    // becomes
    linalg.copy ins(%a : memref<4x4xf32, strided<[8, 1]>>)
                outs(%b : memref<4x4xf32>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DskInterchangeLoops : Pass<"dsk-interchange-loops", "mlir::func::FuncOp"> {
  let summary = "Order the loops of reductions so the innermost one vectorizes";
  let description = [{
    `convert-linalg-to-loops` nests loops in the order of the op's iteration
    dimensions, which for contractions and convolutions puts a reduction
    innermost: `C[i, j] += A[i, k] * B[k, j]` walks `B` with a stride and
    accumulates into one scalar, which LLVM cannot vectorize without
    reassociating floating-point adds.

    For every linalg op with a reduction dimension (named ops are generalized
    first), this pass scores each dimension as an innermost loop, per
    operand that it walks: +2 with unit stride (the operand's last index is
    the dimension, possibly plus others), +1 with a stride of 2 to 4 in the
    last index (strided convolutions and pooling, which LLVM vectorizes as
    interleaved accesses), -2 otherwise. When the best parallel dimension
    scores at most one point below the reduction that is innermost now (a
    parallel loop vectorizes without reassociation), it becomes the
    innermost loop, with the reductions just outside it: matmul `(i, j, k)`
    becomes `(i, k, j)`, and a convolution's output column becomes the
    innermost loop. Row reductions (softmax, layer norm) and `Q K^T` keep
    their reduction innermost, since walking rows would be their only
    alternative.

    The order of evaluation of each reduction is unchanged, so results are
    bit-identical.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DskLinalgToLoops : Pass<"dsk-linalg-to-loops", "mlir::func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops, the outer ones parallel";
  let description = [{
    Lowers every linalg op on memrefs to a loop nest in the op's loop order,
    like `convert-linalg-to-loops`. When `parallel` is set, an op with
    enough work (at least `min-parallel-iterations` iterations in all) gets
    its leading parallel loops as one `scf.parallel`, which
    `convert-scf-to-openmp` turns into an OpenMP worksharing loop: the
    leading loops are taken while they are parallel and their combined trip
    count is below 64, and never the innermost loop, which is left for LLVM
    to vectorize. Reductions are never split, so results are bit-identical
    to the sequential loops.

    When the innermost loop is parallel and reductions enclose it (a
    contraction or convolution after `dsk-interchange-loops`), the innermost
    of those reductions whose trip count `unroll-jam` (or 2) divides is
    unrolled and jammed: each innermost iteration then accumulates several
    products into the same output element, which LLVM keeps in a register
    instead of loading and storing it once per product. Each output
    element still sees its products in the original order.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction", "parallel"]}
        ins(%a, %b : memref<128x768xf32>, memref<768x3072xf32>)
        outs(%c : memref<128x3072xf32>)
    // becomes
    scf.parallel (%i) = (%c0) to (%c128) step (%c1) {
      scf.for %k = %c0 to %c768 step %c1 {
        scf.for %j = %c0 to %c3072 step %c1 { ... }
      }
    }
    ```
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Make the leading parallel loops of large ops scf.parallel">,
    Option<"minParallelIterations", "min-parallel-iterations", "int64_t",
           /*default=*/"32768",
           "Ops with fewer iterations in all stay sequential">,
    Option<"unrollJam", "unroll-jam", "int64_t", /*default=*/"4",
           "Unroll-and-jam factor of the reduction around the innermost "
           "loop (1: none)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
}

def DskCpuPackWeights : Pass<"dsk-cpu-pack-weights", "mlir::ModuleOp"> {
  let summary = "Pack the constant weights of GEMM and convolution kernels";
  let description = [{
    For every `dsk.matmul` whose selected kernel is one of the f32 GEMM
    kernels (`x86.avx512f.gemm_f32`, `x86.avx2.gemm_f32`,
    `generic.gemm_f32`; tiles `[MR, NR, KC, vector width]`), packs the
    constant right-hand side `B` (`K x N`, or `N x K` with `transpose_rhs`) at
    compile time into panels of `NR` columns, `Bp[N/NR][K][NR]` with
    `Bp[j, k, c] = B[k, j * NR + c]` (zero past `N`), so that the kernel
    reads each panel row as `NR / width` aligned vectors. The product
    becomes a `linalg.generic` over `(m, n, k)` on the left-hand side with its
    batch dimensions folded into `m`, reading `Bp[n floordiv NR, k, n mod
    NR]`, accumulating into the bias (broadcast) or zeros, and carrying the
    kernel: `dsk-cpu-lower-kernels` turns it into the microkernel after
    bufferization, and any other lowering of the generic computes the same
    product.

    ```mlir
    %y = dsk.matmul %x, %w {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32",
        requires = ["avx2", "fma"], tiles = [6, 16, 256, 8]>}
        : (tensor<2x4x64xf32>, tensor<64x40xf32>) -> tensor<2x4x40xf32>
    // becomes (Bp: tensor<3x64x16xf32>, a constant)
    %x2 = tensor.collapse_shape %x [[0, 1], [2]] : ... to tensor<8x64xf32>
    %p = linalg.generic {indexing_maps = [(m, n, k) -> (m, k),
                             (m, n, k) -> (n floordiv 16, k, n mod 16),
                             (m, n, k) -> (m, n)], ...}
        ins(%x2, %bp) outs(%zeros) {dsk.kernel = ...}
    %y = tensor.expand_shape %p [[0, 1], [2]] : ... into tensor<2x4x40xf32>
    ```

    For every `linalg.conv_2d_nchw_fchw` whose kernel is one of the f32
    convolution kernels (`*.conv2d_f32`, same tiles), the constant filter
    `W[F][C][KH][KW]`, read as `F x K` with `K = C*KH*KW`, is packed into
    slivers of `MR` output channels, `Wp[F/MR][K][MR]` (zero past `F`), and
    the convolution becomes a GEMM whose left-hand side is the filter:
    `out[n][f][p] += Wp[f floordiv MR][k][f mod MR] * patches[n][k][p]` over
    the output positions `p = oh * OW + ow`. `patches` is the (already
    padded) input itself for a 1x1 filter with unit strides. Otherwise the
    product reads the patches straight from the input `[N][C][IH][IW]`
    (`implicit-patches`, the default): row `k = (c * KH + kh) * KW + kw`,
    column `p` is the input element
    `[n][k floordiv (KH*KW)][(p floordiv OW) * SH + ((k floordiv KW) mod KH)
    * DH][(p mod OW) * SW + (k mod KW) * DW]`, and the kernel packs its
    blocks of patches from there, so that no copy of them is ever made.
    With `implicit-patches=false` the patches `[N][K][OH*OW]` are copied
    first by a `linalg.generic` (im2col). The accumulator is the
    convolution's own init (bias or zeros), and the result is expanded back
    to `[N][F][OH][OW]`. For the kernels with output channels in the lanes
    (`*.conv2d_channels_f32`) the filter is packed the same way in panels of
    `NR` channels, `Wp[F/NR][K][NR]`, read at `(f floordiv NR, k, f mod
    NR)`.

    ```mlir
    // a 3x3 convolution, 8 -> 16 channels, 10x10 padded input, tiles MR = 8
    %y = linalg.generic {indexing_maps = [
          (n, f, p, k) -> (f floordiv 8, k, f mod 8),
          (n, f, p, k) -> (n, k floordiv 9, p floordiv 8 + (k floordiv 3) mod 3,
                           p mod 8 + k mod 3),
          (n, f, p, k) -> (n, f, p)], ...}
        ins(%wp, %input : tensor<2x72x8xf32>, tensor<1x8x10x10xf32>)
        outs(%init : tensor<1x16x64xf32>) {dsk.kernel = ...}
    ```
  }];
  let options = [
    Option<"implicitPatches", "implicit-patches", "bool", /*default=*/"true",
           "Convolutions read their patches from the input instead of a "
           "copy of them (im2col)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def DskCpuApproximateMath : Pass<"dsk-cpu-approximate-math"> {
  let summary = "Replace math functions by vectorizable polynomial approximations";
  let description = [{
    Without a vector math library, LLVM turns `math.erf`, `math.exp` and
    `math.tanh` into calls of libm's scalar `erff`, `expf` and `tanhf`,
    which keep the loops around them (GELU, softmax, sigmoid) scalar. This
    pass rewrites the selected functions (`functions`, op names) with
    MLIR's polynomial approximations (upstream
    `populateMathPolynomialApproximationPatterns`): arithmetic, FMA and
    bit manipulation that vectorize with the rest of the loop body. The
    approximations are accurate to a few ulp of f32 over the whole range
    (special values included); f16/bf16 operands are computed in f32.
    Under a `#dsk.target` without the `fma` feature nothing changes: the
    approximations are chains of `math.fma`, which such a CPU would compute
    by calling `fmaf` per element.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "The math ops to approximate (default: math.erf, math.exp, "
               "math.tanh)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::math::MathDialect",
    "mlir::vector::VectorDialect",
  ];
}

def DskCpuFuseElementwise
    : Pass<"dsk-cpu-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops into one loop nest";
  let description = [{
    On tensors, after `dsk-lower-to-linalg`: an all-parallel
    `linalg.generic` whose result has one use, by a `linalg.generic` that
    reads each of its elements once (a permutation indexing map, no
    broadcast), is fused into that consumer (upstream's fuseElementwiseOps),
    repeatedly, so a chain of elementwise nodes (GELU's divide, erf, add and
    multiplies; LayerNorm's subtract and square into its mean) becomes one
    loop nest that makes one pass over memory. Ops that carry a
    `#dsk.kernel` are neither fused nor fused into: their kernel's lowering
    matches them as selected. A fusion whose body would exceed
    `max-body-ops` operations is not made: each fusion copies both bodies,
    so an unbounded chain of N nodes would cost N^2 copies (and one huge
    loop body); bounded, a chain becomes loop nests of that many ops each.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "int64_t", /*default=*/"256",
           "Most operations in the body of a fused generic">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DskCpuDecomposePad : Pass<"dsk-cpu-decompose-pad"> {
  let summary = "Pad by filling the border and inserting the source";
  let description = [{
    Rewrites every `tensor.pad` of a statically shaped tensor by a value
    defined outside it into `tensor.empty`, a `linalg.fill` of the padding
    value per padded side (a slab spanning the result in every other
    dimension, inserted with `tensor.insert_slice`), and the source inserted
    into the interior. After empty-tensor elimination and bufferization
    the fills and the copy write into one buffer, each element once (the
    corners where two slabs meet twice); the upstream bufferization of
    `tensor.pad` fills the whole buffer before copying the source over it.
  }];
  let dependentDialects = [
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def DskCpuLowerKernels : Pass<"dsk-cpu-lower-kernels", "mlir::func::FuncOp"> {
  let summary = "Generate the selected CPU kernels' code on buffers";
  let description = [{
    Replaces every linalg op on memrefs that carries a CPU kernel this pass
    implements with the kernel's code in the `vector` dialect:

    - f32 GEMM (`*.gemm_f32`, the packed products of `dsk-cpu-pack-weights`):
      the output is split into tasks, blocks of at most `row-block` rows
      (a multiple of `MR`) times groups of panels of at most `column-group`
      columns, split evenly, and split further (halving first the side whose
      split costs less: each extra group of columns reads all of `A` once
      more, each extra block of rows all of `B`) until there are
      `min-tasks` tasks or a task is one tile; the tasks run
      on threads (`scf.parallel` when
      `parallel` is set and the product has at least `min-parallel-flops`
      multiply-adds). Within a task the loops are K blocks of `KC` → slivers
      of `MR` rows → panels of `NR` columns, so the task's `KC x group`
      slab of packed weights stays in L2 while row slivers pass over it and
      each `MR x KC` sliver of `A` stays in L1 while the panels pass under
      it. Each `MR x NR` block of the output is computed by a
      register-blocked microkernel: `MR * NR / width` vector
      accumulators carried through the loop over `k`, one broadcast of an
      `A` element and `NR / width` vector loads of the panel per step, fused
      multiply-adds. Rows that do not fill `MR` get a smaller microkernel of
      the remaining rows; the last panel, when `N` is not a multiple of `NR`,
      reads and writes the output through masks.

    - f32 convolution (`*.conv2d_f32`, the packed-filter GEMM of
      `dsk-cpu-pack-weights`, `C[n][f][p] += Wp[f / MR][k][f % MR] *
      B[n][k][p]`): the same tasks (one more task dimension for the images)
      and microkernel, with the roles swapped: the broadcasts come from the
      packed filter slivers, and the vectors from `B`, whose `KC x NR` block
      is first copied by the task into a buffer of its own (zero-filled past
      `N`), because `B`'s rows lie far apart in memory. Within a K block the
      panels are the outer loop and the slivers the inner, so the copied
      block stays in L1 while every sliver passes over it. The buffers of
      all tasks are one allocation per product. When `B` is the
      convolution's input read through the patches' map, the block is
      copied a tap row (the KW rows of one channel and filter row) at a
      time, `KC` rounded down to whole tap rows, and each vector is one
      masked load per output row it reaches (the even elements of two at
      column stride 2, a gather at larger strides). When that input is a
      padded buffer whose border holds zeros, only its interior is read:
      each tap column's lanes outside it are masked off (worked out once per
      vector), a tap row outside it loads nothing, and the border's fills go
      as for the depthwise kernel. The channels-in-lanes kernel packs its
      patches the same way.

    - f32 convolution with output channels in the lanes
      (`*.conv2d_channels_f32`, `C[n][f][p] += Wp[f / NR][k][f % NR] *
      B[n][k][p]`, tiles `[MR positions, NR channels, KC, width]`): first
      `B` is packed once for all tasks into slivers of `MR` positions,
      `Bp[n][p / MR][k][p % MR]` (zero past `P`), in parallel over the
      slivers. The tasks are blocks of positions times groups of channel
      panels; within a task, K blocks → slivers → panels, and each
      `MR x NR` tile holds positions by vectors of channels: broadcasts
      from the packed sliver, `NR / width` vector loads of the filter panel
      (and a prefetch of the same row one K block ahead, into L2), fused
      multiply-adds. The tile is transposed in registers (log2(MR) rounds
      of two-source shuffles) from the output's `MR`-position vectors of
      each channel on entry and back on exit, so that loads, stores and
      fused elementwise ops stay along the output's positions. The last
      sliver's positions are computed in the smallest power-of-two tile
      that holds them, stored through a mask.

    - f32 depthwise convolution (`*.dwconv2d_f32` on
      `linalg.depthwise_conv_2d_nchw_chw`; tiles `[vector width]`): tasks
      (image, channel) on threads when large; the taps' weights broadcast
      once per task; per output row, vectors of output columns (the last
      masked) accumulate one multiply-add per tap, reading the input with
      vector loads at unit column stride, the even lanes of two vector loads at
      stride 2, and gathers otherwise. When the input is a padded buffer
      whose border holds zeros (`dsk-cpu-decompose-pad`'s fills, before
      the kernel, around everything else written to it), the kernel reads
      only the interior: the output rows and column vectors whose taps
      reach the border are built one by one, skipping the rows outside and
      loading the columns inside (then moved into their lanes by a shuffle,
      zeros in the others); the rest loop without checks. Zero fills that
      no remaining op reads (no other view of their buffer overlaps them)
      are then erased: the border is never written.

    - f32 max and sum pooling (`*.pool2d_f32` on `linalg.pooling_nchw_max`
      and `linalg.pooling_nchw_sum`; tiles `[vector width]`): the depthwise
      kernel's windows with a maximum (an addition) per tap; a padding
      frame of -inf (of zeros) is skipped in the same way.

    - f32 attention (`*.attention_f32` on `dsk.attention_kernel`; tiles
      `[MR, vector width]`): the key matrix is transposed once into a
      workspace buffer `[B, H, D, Sk]`; tasks (batch, head, block of query
      rows) run on threads when large. A block has up to `MR` rows (fewer
      when the rows' output vectors would not fit in about half the vector
      registers). Keys go by vectors of `width`: the block's scores are one
      vector per row (a broadcast of `q[i][d]` times a vector of `k^T[d]`
      per feature), scaled, masked (f32 mask, causal, past the last key:
      `-inf`); an online softmax keeps each row's running maximum and sum
      of exponentials and rescales the row's output vectors when the
      maximum grows; then each key's weight, broadcast, times the value
      row's vectors is added. The output is the running output divided by
      the running sum. With a causal mask, key blocks wholly after a row
      block's last position are skipped. The scores matrix is never
      materialised. This op has no reference loops to fall back to: one
      the pass cannot lower is an error.

    The GEMM, convolution and depthwise kernels compute the elementwise ops
    around them (`linalg.generic`s whose body is elementwise f32
    arithmetic, and fills): the op just before the kernel that overwrites
    its whole output without reading it (the bias broadcast, a zero fill)
    becomes the accumulators' start (in the first K block), instead of a
    load; the op just after it that reads its output once per element (a
    ReLU, Clip, residual add; also into another buffer, such as the interior
    of the next convolution's padded input) is computed on the accumulators
    in the last K block and stored in that op's output instead, when the
    raw product is a buffer of the function's own that nothing else reads. Their
    other operands are read as scalars per output row (a per-channel bias),
    vectors per column block (a per-column bias), or the same elements of a
    buffer of the output's shape. Ops in between that touch none of their
    buffers (a padded buffer's border fills) do not prevent this. Both ops
    are erased, with their profiling marks.

    Every output element of the GEMM and convolution kernels accumulates its
    products in increasing `k` (tap order for the depthwise kernel), as the
    reference loop nest does, with one rounding per fused multiply-add. The
    attention kernel sums in key blocks, rescaled (softmax is computed in
    another order than the reference's three passes).
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Distribute the panels of large products over threads">,
    Option<"minParallelFlops", "min-parallel-flops", "int64_t",
           /*default=*/"131072",
           "Products with fewer multiply-adds stay sequential (2^17: about 3 us at the FMA peak, several times a fork and join of spinning workers)">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"512",
           "Most rows of one GEMM task (rounded down to a multiple of MR)">,
    Option<"columnGroup", "column-group", "int64_t", /*default=*/"512",
           "Most columns of one GEMM task (rounded down to a multiple of "
           "NR): the KC x column-group slab of packed weights stays in L2">,
    Option<"minTasks", "min-tasks", "int64_t", /*default=*/"8",
           "Large products are split into at least this many tasks where "
           "their tiles allow, so that every thread gets work">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect",
  ];
}

#endif // DSK_CONVERSION_PASSES_TD
