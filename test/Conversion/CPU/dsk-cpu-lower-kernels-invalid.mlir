// RUN: dsk-opt %s -split-input-file -verify-diagnostics -dsk-cpu-lower-kernels

// dsk.attention_kernel has no loops to fall back to: without a kernel, or
// with tiles the kernel cannot use, it is an error.
func.func @no_kernel(%q: memref<1x1x4x8xf32>) {
  // expected-error @below {{has no #dsk.kernel to lower it with (dsk-select-kernels chooses one)}}
  dsk.attention_kernel %q, %q, %q into %q {scale = 1.0 : f64} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32>
  return
}

// -----

func.func @bad_tiles(%q: memref<1x1x4x8xf32>) {
  // expected-error @below {{cannot be lowered with kernel 'generic.attention_f32' (the f32 attention kernels need buffers of static shapes and tiles [rows, vector width])}}
  dsk.attention_kernel %q, %q, %q into %q {scale = 1.0 : f64, dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4]>} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32>
  return
}

// -----

func.func @wrong_kernel(%q: memref<1x1x4x8xf32>) {
  // expected-error @below {{cannot be lowered with kernel 'generic.gemm_f32'}}
  dsk.attention_kernel %q, %q, %q into %q {scale = 1.0 : f64, dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 8, 256, 4]>} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32>
  return
}
