// A .mlir input is parsed instead of imported and goes through the same
// stages. It is compiled for x86-64-v3 and run here, so the host needs AVX2.
// REQUIRES: host-x86_64, host-avx2
// RUN: rm -rf %t && %python %S/make_models.py %t
// RUN: dsk-compile %s --emit=mlir-llvm -target=x86-64-v3 | FileCheck %s --check-prefix=MLIR
// RUN: dsk-compile %s --emit=llvm -O0 -target=x86-64-v3 \
// RUN:   | FileCheck %s --check-prefix=LLVM --implicit-check-not=define
// RUN: dsk-compile %s --emit=obj -O0 -target=x86-64-v3 -o %t/model.o
// RUN: llvm-nm --extern-only --defined-only %t/model.o | FileCheck %s --check-prefix=SYMBOLS
// RUN: dsk-compile %s -target=x86-64-v3 -o %t/model.so
// RUN: llvm-nm --dynamic --defined-only %t/model.so | FileCheck %s --check-prefix=SYMBOLS
// RUN: dsk-run %t/model.so --info | FileCheck %s --check-prefix=INFO
// RUN: dsk-run %t/model.so %t/mlir-x.npy %t/mlir-k.npy \
// RUN:   --expected %t/mlir-y.npy %t/mlir-cube.npy | FileCheck %s --check-prefix=OUT

// After the CPU pipeline: the LLVM dialect, the metadata recording the
// target, the run function, and the integer power's generated helper.
// MLIR-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// MLIR-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 x86-64-v3\0Afeatures {{[a-z0-9,.-]*}}avx2{{[a-z0-9,.-]*}}\0Aworkspace {{[0-9]+}}\0A{{(region [^\\]+\\0A)+}}input x f32 2 2 3\0Ainput k i32 1 3\0Aoutput y f32 2 2 3\0Aoutput cube i32 1 3\0Aend\0A\00")
// MLIR-LABEL: llvm.func @dsk_model_run_v2(%{{.+}}: !llvm.ptr) {
// MLIR-LABEL: llvm.func linkonce_odr @__mlir_math_ipowi_i32(

// LLVM IR: only the ABI's two symbols keep external linkage; the weights and
// the generated helper become internal. Every function is compiled for the
// target CPU.
// LLVM: target triple = "x86_64-{{.+}}"
// LLVM-DAG: @__constant_2x3xf32 = internal constant [2 x [3 x float]]
// LLVM-DAG: @__constant_3xi32 = internal constant [3 x i32]
// LLVM-DAG: @dsk_model_metadata_v2 = constant [{{[0-9]+}} x i8] c"dsk-model 2\0Akind cpu\0Atarget x86_64 x86-64-v3\0A
// LLVM: define void @dsk_model_run_v2(ptr %{{.+}}) #[[ATTRS:[0-9]+]] {
// LLVM: define internal i32 @__mlir_math_ipowi_i32(i32 %{{.+}}, i32 %{{.+}}) #[[ATTRS]] {
// LLVM: attributes #[[ATTRS]] = { {{.*}}"target-cpu"="x86-64-v3"

// Exactly two defined external symbols, in the object and in the library's
// dynamic symbol table.
// SYMBOLS-NOT: {{.}}
// SYMBOLS: {{^[0-9a-f]+ R dsk_model_metadata_v2$}}
// SYMBOLS-NEXT: {{^[0-9a-f]+ B dsk_model_profile_hook_v2$}}
// SYMBOLS-NEXT: {{^[0-9a-f]+ T dsk_model_run_v2$}}
// SYMBOLS-NOT: {{.}}

// INFO: target: x86-64-v3 (features: {{.*}}avx2{{.*}})
// INFO: inputs (2):
// INFO-NEXT: 0 x: f32 [2, 3]
// INFO-NEXT: 1 k: i32 [3]
// INFO-NEXT: outputs (2):
// INFO-NEXT: 0 y: f32 [2, 3]
// INFO-NEXT: 1 cube: i32 [3]

// OUT: output 0 'y': PASS (6 elements
// OUT: output 1 'cube': PASS (3 elements
// OUT: 2 outputs matched, 0 mismatched

func.func @main_graph(%x: tensor<2x3xf32> {dsk.onnx.name = "x"},
                      %k: tensor<3xi32> {dsk.onnx.name = "k"})
    -> (tensor<2x3xf32> {dsk.onnx.name = "y"},
        tensor<3xi32> {dsk.onnx.name = "cube"}) {
  %c = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %y = arith.addf %x, %c : tensor<2x3xf32>
  %three = arith.constant dense<3> : tensor<3xi32>
  %cube = math.ipowi %k, %three : tensor<3xi32>
  return %y, %cube : tensor<2x3xf32>, tensor<3xi32>
}
