// RUN: dsk-opt %s -split-input-file -dsk-mark-profile-regions | FileCheck %s

// Every linalg op and memref.copy is a region, numbered in order; its
// metadata line (after the workspace line) names the op (a generic says
// whether it reduces), the kernel, the node and the operand shapes. The
// hook variable is exported and NULL; the mark calls it only when set.
// CHECK-LABEL: llvm.mlir.global external @dsk_model_profile_hook_v2() {addr_space = 0 : i32} : !llvm.ptr {
// CHECK-NEXT:    %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    llvm.return %[[NULL]] : !llvm.ptr
// CHECK-LABEL: llvm.func internal @__dsk_profile_mark(%{{.+}}: i32, %{{.+}}: i32)
// CHECK:         %[[ADDR:.+]] = llvm.mlir.addressof @dsk_model_profile_hook_v2
// CHECK:         %[[HOOK:.+]] = llvm.load %[[ADDR]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[IS_NULL:.+]] = llvm.icmp "eq" %[[HOOK]], %{{.+}} : !llvm.ptr
// CHECK:         llvm.cond_br %[[IS_NULL]], ^[[DONE:.+]], ^[[CALL:bb[0-9]+]]
// CHECK:       ^[[CALL]]:
// CHECK:         llvm.call %[[HOOK]](%{{.+}}, %{{.+}}) : !llvm.ptr, (i32, i32) -> ()
// CHECK:       llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Aregion linalg.fill - /fc/MatMul f32->4x8xf32\0Aregion linalg.generic(reduction) x86.avx512f.gemm_f32 /fc/MatMul 4x16xf32,16x8xf32->4x8xf32\0Aregion linalg.generic(parallel) - - 4x8xf32->4x8xf32\0Aregion memref.copy - my%20node 4x8xf32->4x8xf32\0Ainput x f32 2 4 16\0Aend\0A\00")
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK:         %[[R0:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK:         %[[BEGIN:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK:         llvm.call @__dsk_profile_mark(%[[R0]], %[[BEGIN]])
// CHECK-NEXT:    linalg.fill
// CHECK-NEXT:    %[[END:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT:    llvm.call @__dsk_profile_mark(%[[R0]], %[[END]])
// CHECK:         %[[R1:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK:         llvm.call @__dsk_profile_mark(%[[R1]], %{{.+}})
// CHECK-NEXT:    linalg.generic
// CHECK:         llvm.call @__dsk_profile_mark(%[[R1]], %{{.+}})
// CHECK:         %[[R2:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK:         llvm.call @__dsk_profile_mark(%[[R2]], %{{.+}})
// CHECK-NEXT:    linalg.generic
// CHECK:         %[[R3:.+]] = llvm.mlir.constant(3 : i32) : i32
// CHECK:         llvm.call @__dsk_profile_mark(%[[R3]], %{{.+}})
// CHECK-NEXT:    memref.copy
// CHECK-NEXT:    llvm.mlir.constant(1 : i32)
// CHECK-NEXT:    llvm.call @__dsk_profile_mark(%[[R3]], %{{.+}})
// CHECK-NEXT:    return
#map_a = affine_map<(m, n, k) -> (m, k)>
#map_b = affine_map<(m, n, k) -> (k, n)>
#map_c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Ainput x f32 2 4 16\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %zero = arith.constant 0.0 : f32
    %x = memref.alloc() : memref<4x16xf32>
    %w = memref.alloc() : memref<16x8xf32>
    %y = memref.alloc() : memref<4x8xf32>
    %z = memref.alloc() : memref<4x8xf32>
    linalg.fill ins(%zero : f32) outs(%y : memref<4x8xf32>) loc("/fc/MatMul")
    linalg.generic {indexing_maps = [#map_a, #map_b, #map_c],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w : memref<4x16xf32>, memref<16x8xf32>)
        outs(%y : memref<4x8xf32>)
        attrs = {dsk.kernel = #dsk.kernel<"x86.avx512f.gemm_f32", requires = ["avx512f"], tiles = [12, 32, 256, 16]>} {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } loc("/fc/MatMul")
    linalg.generic {indexing_maps = [#id, #id],
                    iterator_types = ["parallel", "parallel"]}
        ins(%y : memref<4x8xf32>) outs(%z : memref<4x8xf32>) {
    ^bb0(%a: f32, %out: f32):
      %r = arith.maximumf %a, %zero : f32
      linalg.yield %r : f32
    }
    memref.copy %z, %y : memref<4x8xf32> to memref<4x8xf32> loc("my node")
    return
  }
}

// -----

// Ops inside a parallel loop run on the workers: not marked. Ops in a
// sequential loop are, once per iteration. No compute op: the hook and mark
// still exist, and the metadata gains no region line.
// CHECK: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Aregion linalg.fill - - f32->4xf32\0Ainput x f32 1 4\0Aend\0A\00")
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK:       scf.for
// CHECK:         llvm.call @__dsk_profile_mark
// CHECK-NEXT:    linalg.fill
// CHECK-NEXT:    llvm.mlir.constant
// CHECK-NEXT:    llvm.call @__dsk_profile_mark
// CHECK:       scf.parallel
// CHECK-NOT:     llvm.call
// CHECK:         linalg.fill
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Ainput x f32 1 4\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %zero = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %y = memref.alloc() : memref<4xf32>
    scf.for %i = %c0 to %c4 step %c1 {
      linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
    }
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
      linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
      scf.reduce
    }
    return
  }
}

// -----

// dsk.attention_kernel is a region too, with its kernel and its inputs'
// shapes (the mask's included).
// CHECK: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: \0Aregion dsk.attention_kernel generic.attention_f32 /attn 1x1x4x8xf32,1x1x4x8xf32,1x1x4x8xf32,4x4xf32->1x1x4x8xf32\0Ainput
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK:         llvm.call @__dsk_profile_mark
// CHECK-NEXT:    dsk.attention_kernel
// CHECK-NEXT:    llvm.mlir.constant
// CHECK-NEXT:    llvm.call @__dsk_profile_mark
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Ainput x f32 1 4\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %q = memref.alloc() : memref<1x1x4x8xf32>
    %m = memref.alloc() : memref<4x4xf32>
    %o = memref.alloc() : memref<1x1x4x8xf32>
    dsk.attention_kernel %q, %q, %q mask %m into %o {scale = 1.0 : f64, dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<4x4xf32> into memref<1x1x4x8xf32> loc("/attn")
    return
  }
}
