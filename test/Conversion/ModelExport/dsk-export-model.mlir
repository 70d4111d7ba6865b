// RUN: dsk-opt %s -split-input-file -dsk-export-model | FileCheck %s

// Every element type the ABI lists. Integers are signless in the IR: the
// importer's dsk.onnx.unsigned marks ONNX-unsigned ones, and builtin unsigned
// types count as unsigned too. Names are percent-encoded (space, '%', a
// non-ASCII byte, a tab); a value without dsk.onnx.name is called after its
// kind and index. Rank 0 has no dimension fields.
// The module's #dsk.target is recorded: arch, cpu and the features.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace 0\0A
// CHECK-SAME: input a f16 1 2\0A
// CHECK-SAME: input b bf16 2 2 3\0A
// CHECK-SAME: input c f32 3 1 2 3\0A
// CHECK-SAME: input d f64 1 1\0A
// CHECK-SAME: input e i8 1 4\0A
// CHECK-SAME: input f i16 1 4\0A
// CHECK-SAME: input g i32 1 4\0A
// CHECK-SAME: input h i64 1 4\0A
// CHECK-SAME: input u8 u8 1 4\0A
// CHECK-SAME: input u16 u16 1 4\0A
// CHECK-SAME: input u32 u32 1 4\0A
// CHECK-SAME: input u64 u64 1 4\0A
// CHECK-SAME: input mask bool 2 2 2\0A
// CHECK-SAME: input scalar f32 0\0A
// CHECK-SAME: input input14 f32 1 0\0A
// CHECK-SAME: output the%20output%25 f32 1 2\0A
// CHECK-SAME: output output1 bool 2 2 2\0A
// CHECK-SAME: output %C3%A9t%C3%A9%09x i64 0\0A
// CHECK-SAME: end\0A\00")
// CHECK-LABEL: func.func @dsk_model_run_v2(
// CHECK-NOT: @main_graph
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(
    %a: tensor<2xf16> {dsk.onnx.name = "a"},
    %b: tensor<2x3xbf16> {dsk.onnx.name = "b"},
    %c: tensor<1x2x3xf32> {dsk.onnx.name = "c"},
    %d: tensor<1xf64> {dsk.onnx.name = "d"},
    %e: tensor<4xi8> {dsk.onnx.name = "e"},
    %f: tensor<4xi16> {dsk.onnx.name = "f"},
    %g: tensor<4xi32> {dsk.onnx.name = "g"},
    %h: tensor<4xi64> {dsk.onnx.name = "h"},
    %u8: tensor<4xi8> {dsk.onnx.name = "u8", dsk.onnx.unsigned},
    %u16: tensor<4xui16> {dsk.onnx.name = "u16"},
    %u32: tensor<4xi32> {dsk.onnx.name = "u32", dsk.onnx.unsigned},
    %u64: tensor<4xi64> {dsk.onnx.name = "u64", dsk.onnx.unsigned},
    %mask: tensor<2x2xi1> {dsk.onnx.name = "mask"},
    %scalar: tensor<f32> {dsk.onnx.name = "scalar"},
    %empty: tensor<0xf32>)
    -> (tensor<2xf32> {dsk.onnx.name = "the output%"}, tensor<2x2xi1>,
        tensor<i64> {dsk.onnx.name = "été\tx"}) {
  %0 = arith.extf %a : tensor<2xf16> to tensor<2xf32>
  %h0 = arith.constant dense<7> : tensor<i64>
  return %0, %mask, %h0 : tensor<2xf32>, tensor<2x2xi1>, tensor<i64>
}
}

// -----

// The run function: buffers[i] is loaded (inputs first, then outputs), wrapped
// in the descriptor of a dense row-major memref (offset 0, strides from the
// shape), and read as a restrict, non-writable tensor; each result is
// materialized in place into its restrict, writable output buffer. The body
// of the entry function is inlined and the entry function is gone.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace 0\0Ainput x f32 2 2 3\0Ainput s f32 0\0Aoutput y f32 2 2 3\0Aend\0A\00")
// CHECK-LABEL: func.func @dsk_model_run_v2(
// CHECK-SAME: %[[BUFS:[^:]+]]: !llvm.ptr, %{{[^:]+}}: !llvm.ptr) {
// CHECK: %[[SLOT0:.+]] = llvm.getelementptr %[[BUFS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[PTR0:.+]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P0:.+]] = llvm.mlir.poison : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[D1:.+]] = llvm.insertvalue %[[PTR0]], %[[P0]][0]
// CHECK: %[[D2:.+]] = llvm.insertvalue %[[PTR0]], %[[D1]][1]
// CHECK: %[[ZERO:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[D3:.+]] = llvm.insertvalue %[[ZERO]], %[[D2]][2]
// CHECK: %[[THREE:.+]] = llvm.mlir.constant(3 : i64) : i64
// CHECK: %[[D4:.+]] = llvm.insertvalue %[[THREE]], %[[D3]][3, 1]
// CHECK: %[[ONE:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[D5:.+]] = llvm.insertvalue %[[ONE]], %[[D4]][4, 1]
// CHECK: %[[TWO:.+]] = llvm.mlir.constant(2 : i64) : i64
// CHECK: %[[D6:.+]] = llvm.insertvalue %[[TWO]], %[[D5]][3, 0]
// CHECK: %[[STRIDE0:.+]] = llvm.mlir.constant(3 : i64) : i64
// CHECK: %[[D7:.+]] = llvm.insertvalue %[[STRIDE0]], %[[D6]][4, 0]
// CHECK: %[[M0:.+]] = builtin.unrealized_conversion_cast %[[D7]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<2x3xf32>
// CHECK: %[[X:.+]] = bufferization.to_tensor %[[M0]] restrict : memref<2x3xf32> to tensor<2x3xf32>
// A rank-0 buffer's descriptor has no sizes or strides.
// CHECK: %[[SLOT1:.+]] = llvm.getelementptr %[[BUFS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[PTR1:.+]] = llvm.load %[[SLOT1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.mlir.poison : !llvm.struct<(ptr, ptr, i64)>
// CHECK: %[[M1:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64)> to memref<f32>
// CHECK: %[[S:.+]] = bufferization.to_tensor %[[M1]] restrict : memref<f32> to tensor<f32>
// CHECK: %[[SLOT2:.+]] = llvm.getelementptr %[[BUFS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[PTR2:.+]] = llvm.load %[[SLOT2]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[OUT:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<2x3xf32>
// CHECK-NOT: bufferization.to_tensor
// CHECK: %[[SV:.+]] = tensor.extract %[[S]][] : tensor<f32>
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<2x3xf32>)
// CHECK: bufferization.materialize_in_destination %[[Y]] in restrict writable %[[OUT]] : (tensor<2x3xf32>, memref<2x3xf32>) -> ()
// CHECK-NEXT: return{{$}}
// CHECK-NOT: @main_graph
#id = affine_map<(d0, d1) -> (d0, d1)>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(%x: tensor<2x3xf32> {dsk.onnx.name = "x"},
                      %s: tensor<f32> {dsk.onnx.name = "s"})
    -> (tensor<2x3xf32> {dsk.onnx.name = "y"}) {
  %sv = tensor.extract %s[] : tensor<f32>
  %init = tensor.empty() : tensor<2x3xf32>
  %y = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%init : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %sv : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
}

// -----

// A target without a CPU name or features is recorded as generic, none.
// CHECK: @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget aarch64 generic\0Afeatures -\0Aworkspace 0\0Ainput x f32 1 4\0Aoutput y f32 1 4\0Aend\0A\00")
module attributes {dsk.target = #dsk.target<cpu, arch = "aarch64">} {
func.func @main_graph(%x: tensor<4xf32> {dsk.onnx.name = "x"})
    -> (tensor<4xf32> {dsk.onnx.name = "y"}) {
  return %x : tensor<4xf32>
}
}
