// RUN: dsk-opt %s -split-input-file --dsk-cpu-pipeline | FileCheck %s
// RUN: dsk-opt %s -split-input-file --dsk-cpu-pipeline | FileCheck %s --check-prefix=NONLLVM

// The CPU pipeline takes small models all the way to the LLVM dialect, with
// the model ABI's symbols and no op of the dialects on the way (the
// metadata's region lines name them). The models are small enough to stay
// sequential.
// NONLLVM-NOT: {{ dsk\.[a-z_]+ }}
// NONLLVM-NOT: {{^ *(%[^ ]+ = )?linalg\.}}
// NONLLVM-NOT: tensor.
// NONLLVM-NOT: {{^ *(%[^ ]+ = )?memref\.}}
// NONLLVM-NOT: bufferization.
// NONLLVM-NOT: affine.
// NONLLVM-NOT: scf.
// NONLLVM-NOT: cf.
// NONLLVM-NOT: arith.
// NONLLVM-NOT: math.
// NONLLVM-NOT: func.func
// NONLLVM-NOT: func.return
// NONLLVM-NOT: unrealized_conversion_cast
// NONLLVM-NOT: tensor<
// NONLLVM-NOT: memref<
// The library never calls MLIR's runner utilities.
// NONLLVM-NOT: memrefCopy
// NONLLVM-NOT: @main_graph


// Two products and their sum: the first product and the sum are computed
// into the caller's output buffer (buffers[3]); only the second product
// needs a temporary, which dsk-plan-memory puts in the caller's workspace
// (4 x 16 floats): nothing is allocated or freed. Each linalg op is a
// profiling region (dsk-mark-profile-regions), described in the metadata.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace 256\0Aregion linalg.fill - - f32->4x16xf32\0Aregion linalg.generic(reduction) - - 4x8xf32,8x16xf32->4x16xf32\0Aregion linalg.fill - - f32->4x16xf32\0Aregion linalg.generic(reduction) - - 4x8xf32,8x16xf32->4x16xf32\0Aregion linalg.generic(parallel) - - 4x16xf32,4x16xf32->4x16xf32\0Ainput x f32 2 4 8\0Ainput w f32 2 8 16\0Ainput w2 f32 2 8 16\0Aoutput y f32 2 4 16\0Aend\0A\00")
// CHECK-LABEL: llvm.func @dsk_model_run_v2(
// CHECK-SAME: %[[BUFS:[^:]+]]: !llvm.ptr, %[[WS:[^:]+]]: !llvm.ptr) {
// CHECK-NOT: llvm.call @malloc
// CHECK: %[[SLOT:.+]] = llvm.getelementptr %[[BUFS]][3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[Y:.+]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.getelementptr inbounds|nuw %[[Y]][%{{.+}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NOT: llvm.call @malloc
// CHECK: llvm.getelementptr %[[WS]][%{{.+}}] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NOT: llvm.call @malloc
// CHECK-NOT: llvm.call @free
// CHECK: llvm.return
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(%x: tensor<4x8xf32> {dsk.onnx.name = "x"},
                      %w: tensor<8x16xf32> {dsk.onnx.name = "w"},
                      %w2: tensor<8x16xf32> {dsk.onnx.name = "w2"})
    -> (tensor<4x16xf32> {dsk.onnx.name = "y"}) {
  %a = dsk.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %b = dsk.matmul %x, %w2 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %c = arith.addf %a, %b : tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}
}

// -----

// A chain of ops that each can work in place: no temporary at all (a zero
// workspace), and no copy into the output. exp is computed by its
// polynomial approximation (the target has FMA), not a libm call.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace 0\0Aregion linalg.fill - - f32->4x16xf32\0Aregion linalg.generic(reduction) - - 4x8xf32,8x16xf32->4x16xf32\0Aregion linalg.generic(parallel) - - 4x16xf32->4x16xf32\0Ainput x f32 2 4 8\0Ainput w f32 2 8 16\0Aoutput y f32 2 4 16\0Aend\0A\00")
// CHECK-LABEL: llvm.func @dsk_model_run_v2(
// CHECK-NOT: @malloc
// CHECK-NOT: @free
// CHECK-NOT: llvm.intr.memcpy
// CHECK-NOT: llvm.intr.exp
// CHECK: llvm.intr.fma
// CHECK-NOT: @malloc
// CHECK-NOT: @free
// CHECK-NOT: llvm.intr.memcpy
// CHECK: llvm.return
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(%x: tensor<4x8xf32> {dsk.onnx.name = "x"},
                      %w: tensor<8x16xf32> {dsk.onnx.name = "w"})
    -> (tensor<4x16xf32> {dsk.onnx.name = "y"}) {
  %a = dsk.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %e = math.exp %a : tensor<4x16xf32>
  return %e : tensor<4x16xf32>
}
}

// -----

// A slice of an input is a strided copy into the output: it becomes loops
// (above, no memrefCopy), not a call into the runner utilities.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace {{[0-9]+}}\0Aregion linalg.copy - - 4x3xi8->4x3xi8\0Ainput x i8 2 4 8\0Aoutput middle i8 2 4 3\0Aend\0A\00")
// CHECK-LABEL: llvm.func @dsk_model_run_v2(
// CHECK-NOT: llvm.call @{{[^_]}}
// CHECK: llvm.load %{{.+}} : !llvm.ptr -> i8
// CHECK: llvm.store %{{.+}}, %{{.+}} : i8, !llvm.ptr
// CHECK-NOT: llvm.call @{{[^_]}}
// CHECK: llvm.return
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(%x: tensor<4x8xi8> {dsk.onnx.name = "x"})
    -> (tensor<4x3xi8> {dsk.onnx.name = "middle"}) {
  %s = tensor.extract_slice %x[0, 2] [4, 3] [1, 1] : tensor<4x8xi8> to tensor<4x3xi8>
  return %s : tensor<4x3xi8>
}
}
