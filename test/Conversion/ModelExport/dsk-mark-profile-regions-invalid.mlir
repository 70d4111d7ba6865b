// RUN: dsk-opt %s -split-input-file -verify-diagnostics -dsk-mark-profile-regions

// expected-error @below {{the module has no @dsk_model_metadata_v2 text (dsk-export-model makes it)}}
module {
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    return
  }
}

// -----

module {
  // expected-error @below {{the metadata has no 'workspace' line for the region lines to follow}}
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Aend\0A\00") {addr_space = 0 : i32}
}

// -----

// expected-error @below {{the module is already marked for profiling (it has @dsk_model_profile_hook_v2)}}
module {
  llvm.mlir.global external @dsk_model_profile_hook_v2() {addr_space = 0 : i32} : !llvm.ptr
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Akind cpu\0Aworkspace 0\0Aend\0A\00") {addr_space = 0 : i32}
}
