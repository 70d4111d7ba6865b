// RUN: dsk-opt %s -split-input-file -dsk-plan-memory -verify-diagnostics

// expected-error @+1 {{the module needs a @dsk_model_run_v2(buffers, workspace) of one block, as dsk-export-model makes it}}
module {
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr) {
    return
  }
}

// -----

// expected-error @+1 {{the module has no @dsk_model_metadata_v2 text (dsk-export-model makes it)}}
module {
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    return
  }
}

// -----

module {
  // expected-error @+1 {{the metadata has no 'workspace 0' line to fill in}}
  llvm.mlir.global external constant @dsk_model_metadata_v2("dsk-model 2\0Aend\0A\00") {addr_space = 0 : i32}
  func.func @dsk_model_run_v2(%buffers: !llvm.ptr, %workspace: !llvm.ptr) {
    return
  }
}
