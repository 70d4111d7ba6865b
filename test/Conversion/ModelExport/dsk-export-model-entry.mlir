// RUN: dsk-opt %s -dsk-export-model=entry=forward | FileCheck %s

// With entry=forward that function is exported; the others stay, among them
// the helper that the entry calls and the importer's usual @main_graph.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures avx,avx2,fma\0Aworkspace 0\0Ainput in i32 1 3\0Aoutput out i32 1 3\0Aend\0A\00")
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.+}}: tensor<4xf32> {dsk.onnx.name = "x"}
// CHECK-LABEL: func.func private @helper(
// CHECK-LABEL: func.func @dsk_model_run_v2(
// CHECK: %[[IN:.+]] = bufferization.to_tensor %{{.+}} restrict : memref<3xi32> to tensor<3xi32>
// CHECK: %[[R:.+]] = call @helper(%[[IN]]) : (tensor<3xi32>) -> tensor<3xi32>
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %{{.+}} : (tensor<3xi32>, memref<3xi32>) -> ()
// CHECK-NOT: @forward
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @main_graph(%x: tensor<4xf32> {dsk.onnx.name = "x"})
    -> (tensor<4xf32> {dsk.onnx.name = "y"}) {
  return %x : tensor<4xf32>
}
func.func private @helper(%v: tensor<3xi32>) -> tensor<3xi32> {
  return %v : tensor<3xi32>
}
func.func @forward(%v: tensor<3xi32> {dsk.onnx.name = "in"})
    -> (tensor<3xi32> {dsk.onnx.name = "out"}) {
  %r = call @helper(%v) : (tensor<3xi32>) -> tensor<3xi32>
  return %r : tensor<3xi32>
}
}
