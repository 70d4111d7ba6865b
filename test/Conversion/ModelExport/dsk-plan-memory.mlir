// RUN: dsk-opt %s -split-input-file -dsk-plan-memory | FileCheck %s

// Three temporaries, used at ops 1-2 (%a, 1 KiB), 2-3 (%b, 512 B) and 3-4
// (%c, 1 KiB); the deallocs all come at the end, as buffer deallocation
// leaves them. Largest first: %a at 0; %c is never live with %a and reuses
// offset 0; %b is live with both and goes after them at 1024. The
// workspace is 1536 bytes, recorded in the metadata; the allocs become views
// of the workspace pointer and the deallocs go.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: ("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 1536\0Ainput x f32 1 256\0Aend\0A\00")
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK-SAME: (%{{.+}}: !llvm.ptr, %[[WS_PTR:.+]]: !llvm.ptr)
// CHECK: llvm.insertvalue %[[WS_PTR]]
// CHECK: %[[WS:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<1536xi8>
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.+]] = memref.view %[[WS]][%c0{{.*}}][] : memref<1536xi8> to memref<256xf32>
// CHECK: %[[B:.+]] = memref.view %[[WS]][%c1024{{.*}}][] : memref<1536xi8> to memref<128xf32>
// CHECK: %[[C:.+]] = memref.view %[[WS]][%c0{{.*}}][] : memref<1536xi8> to memref<256xf32>
// CHECK: linalg.fill ins(%{{.+}}) outs(%[[A]]
// CHECK: memref.subview %[[A]]
// CHECK: memref.copy %{{.+}}, %[[B]]
// CHECK: memref.subview %[[C]]
// CHECK: memref.copy %[[B]], %{{.+}}
// CHECK: linalg.fill ins(%{{.+}}) outs(%[[C]]
// CHECK-NOT: memref.dealloc
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Ainput x f32 1 256\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %zero = arith.constant 0.0 : f32
    %a = memref.alloc() : memref<256xf32>
    %b = memref.alloc() : memref<128xf32>
    %c = memref.alloc() : memref<256xf32>
    linalg.fill ins(%zero : f32) outs(%a : memref<256xf32>)
    %a_head = memref.subview %a[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
    memref.copy %a_head, %b : memref<128xf32, strided<[1]>> to memref<128xf32>
    %c_head = memref.subview %c[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
    memref.copy %b, %c_head : memref<128xf32> to memref<128xf32, strided<[1]>>
    linalg.fill ins(%zero : f32) outs(%c : memref<256xf32>)
    memref.dealloc %a : memref<256xf32>
    memref.dealloc %b : memref<128xf32>
    memref.dealloc %c : memref<256xf32>
    return
  }
}

// -----

// A use through a view keeps the buffer live: %a is read through %a2 (a
// collapse_shape) at the last op, so %b, used in between, cannot share
// %a's memory. Allocations the plan cannot place stay: one in a loop, one
// with a dynamic size, and one freed under a condition.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: workspace 128
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK: memref.view %{{.+}}[%c0{{.*}}][] : memref<128xi8> to memref<4x4xf32>
// CHECK: memref.view %{{.+}}[%c64{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: scf.for
// CHECK:   memref.alloc() : memref<8xf32>
// CHECK:   memref.dealloc
// CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<2xf32>
// CHECK: scf.if
// CHECK:   memref.dealloc
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %zero = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %true = arith.constant true
    %a = memref.alloc() : memref<4x4xf32>
    %b = memref.alloc() : memref<16xf32>
    linalg.fill ins(%zero : f32) outs(%a : memref<4x4xf32>)
    %a2 = memref.collapse_shape %a [[0, 1]] : memref<4x4xf32> into memref<16xf32>
    linalg.fill ins(%zero : f32) outs(%b : memref<16xf32>)
    scf.for %i = %c0 to %c4 step %c1 {
      %t = memref.alloc() : memref<8xf32>
      linalg.fill ins(%zero : f32) outs(%t : memref<8xf32>)
      memref.dealloc %t : memref<8xf32>
    }
    %d = memref.alloc(%c4) : memref<?xf32>
    linalg.fill ins(%zero : f32) outs(%d : memref<?xf32>)
    %e = memref.alloc() : memref<2xf32>
    linalg.fill ins(%zero : f32) outs(%e : memref<2xf32>)
    scf.if %true {
      memref.dealloc %e : memref<2xf32>
    }
    memref.copy %b, %a2 : memref<16xf32> to memref<16xf32>
    memref.dealloc %a : memref<4x4xf32>
    memref.dealloc %b : memref<16xf32>
    memref.dealloc %d : memref<?xf32>
    return
  }
}

// -----

// Nothing to place: the workspace is 0 and the workspace pointer unused.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: workspace 0
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK-NOT: memref.view
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    return
  }
}

// -----

// A buffer that nothing reads or writes (a destination whose writer a
// kernel absorbed), even through a view, is erased with its view and
// dealloc instead of taking workspace from its alloc to its dealloc.
// CHECK-LABEL: llvm.mlir.global external constant @dsk_model_metadata_v2
// CHECK-SAME: workspace 1024\0A
// CHECK-LABEL: func.func @dsk_model_run_v2
// CHECK-NOT: memref<4x64xf32>
// CHECK: memref.view {{.+}} to memref<256xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.collapse_shape
// CHECK-NOT: memref.dealloc
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Atarget x86_64 haswell\0Afeatures -\0Aworkspace 0\0Ainput x f32 1 256\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    %zero = arith.constant 0.0 : f32
    %dead = memref.alloc() : memref<4x64xf32>
    %flat = memref.collapse_shape %dead [[0, 1]] : memref<4x64xf32> into memref<256xf32>
    %a = memref.alloc() : memref<256xf32>
    linalg.fill ins(%zero : f32) outs(%a : memref<256xf32>)
    memref.dealloc %dead : memref<4x64xf32>
    memref.dealloc %a : memref<256xf32>
    return
  }
}
