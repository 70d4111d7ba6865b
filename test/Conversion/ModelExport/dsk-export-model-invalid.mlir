// RUN: dsk-opt %s -dsk-export-model -split-input-file -verify-diagnostics

// expected-error @+1 {{the model has no entry function @main_graph}}
module {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// A declaration is not an entry function.
// expected-error @+1 {{the model has no entry function @main_graph}}
module {
  func.func private @main_graph(%x: tensor<2xf32>) -> tensor<2xf32>
}

// -----

// expected-error @+1 {{the module already defines @dsk_model_run_v2}}
module {
  func.func @dsk_model_run_v2(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
  func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// expected-error @+1 {{the module already defines @dsk_model_metadata_v2}}
module {
  llvm.mlir.global external constant @dsk_model_metadata_v2("x")
  func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
// expected-error @+1 {{the entry function must have a single block to be exported}}
func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
  cf.br ^next
^next:
  return %x : tensor<2xf32>
}
}

// -----

module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
// Every input and output that the ABI cannot carry is reported, by index and
// name (dsk.onnx.name, or the kind and index without one).
// expected-error @+11 {{input 0 ('x') has type 'f32'; a compiled model's inputs and outputs are ranked tensors}}
// expected-error @+10 {{input 1 ('input1') has type 'tensor<*xf32>'; a compiled model's inputs and outputs are ranked tensors}}
// expected-error @+9 {{input 2 ('input2') has type 'memref<2xf32>'; a compiled model's inputs and outputs are ranked tensors}}
// expected-error @+8 {{input 3 ('tokens') has the dynamic shape 'tensor<?x2xf32>'; compiling needs static shapes (give symbolic dimensions a size with dsk-compile --dim NAME=SIZE)}}
// expected-error @+7 {{input 4 ('input4') has the encoded type 'tensor<4xf32, "enc">', which the model ABI cannot carry}}
// expected-error @+6 {{input 5 ('input5') has element type 'complex<f32>', which the model ABI does not support}}
// expected-error @+5 {{input 6 ('input6') has element type 'i4', which the model ABI does not support}}
// expected-error @+4 {{input 7 ('input7') has element type 'f8E4M3FN', which the model ABI does not support}}
// expected-error @+3 {{input 8 ('input8') has element type 'index', which the model ABI does not support}}
// expected-error @+2 {{output 0 ('logits') has the dynamic shape 'tensor<2x?xf32>'; compiling needs static shapes (give symbolic dimensions a size with dsk-compile --dim NAME=SIZE)}}
// expected-error @+1 {{output 1 ('output1') has element type 'i128', which the model ABI does not support}}
func.func @main_graph(%x: f32 {dsk.onnx.name = "x"}, %unranked: tensor<*xf32>,
                      %buffer: memref<2xf32>,
                      %dynamic: tensor<?x2xf32> {dsk.onnx.name = "tokens"},
                      %encoded: tensor<4xf32, "enc">,
                      %complex: tensor<2xcomplex<f32>>, %i4: tensor<2xi4>,
                      %f8: tensor<2xf8E4M3FN>, %index: tensor<2xindex>)
    -> (tensor<2x?xf32> {dsk.onnx.name = "logits"}, tensor<3xi128>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %dynamic, %c0 : tensor<?x2xf32>
  %0 = tensor.empty(%n) : tensor<2x?xf32>
  %1 = tensor.empty() : tensor<3xi128>
  return %0, %1 : tensor<2x?xf32>, tensor<3xi128>
}
}

// -----

// expected-error @+1 {{the module needs a CPU #dsk.target in its 'dsk.target' attribute (dsk-compile sets it from -target)}}
module {
  func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// expected-error @+1 {{the module needs a CPU #dsk.target in its 'dsk.target' attribute (dsk-compile sets it from -target)}}
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_80">} {
  func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}
