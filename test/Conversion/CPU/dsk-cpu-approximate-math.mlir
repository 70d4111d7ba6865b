// RUN: dsk-opt %s -split-input-file -dsk-cpu-approximate-math | FileCheck %s
// RUN: dsk-opt %s -split-input-file -dsk-cpu-approximate-math="functions=math.exp" | FileCheck %s --check-prefix=EXP

// erf, exp and tanh (scalar or vector) become polynomial approximations:
// FMAs, no math function left; other functions (log) stay.
// CHECK-LABEL: func.func @approximated
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: math.fma
// CHECK: math.log
// With functions=math.exp only exp goes.
// EXP-LABEL: func.func @approximated
// EXP: math.erf
// EXP-NOT: math.exp
// EXP: math.tanh
// EXP: math.log
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @approximated(%x: f32, %v: vector<8xf32>) -> (f32, f32, vector<8xf32>, f32) {
  %0 = math.erf %x : f32
  %1 = math.exp %x : f32
  %2 = math.tanh %v : vector<8xf32>
  %3 = math.log %x : f32
  return %0, %1, %2, %3 : f32, f32, vector<8xf32>, f32
}
}

// -----

// A target without FMA keeps the functions (the approximations' math.fma
// would be fmaf calls there).
// CHECK-LABEL: func.func @no_fma
// CHECK: math.erf
// CHECK: math.exp
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "x86-64", features = ["sse2"]>} {
func.func @no_fma(%x: f32) -> (f32, f32) {
  %0 = math.erf %x : f32
  %1 = math.exp %x : f32
  return %0, %1 : f32, f32
}
}
