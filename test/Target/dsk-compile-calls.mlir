// A model whose entry calls another function: results cross the call as
// buffers (bufferization.clone after deallocation), and an empty ONNX name
// falls back to "input0" so the metadata stays well formed.

// RUN: dsk-compile %s -o %t.so
// RUN: dsk-run %t.so --info | FileCheck %s --check-prefix=INFO
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.arange(6, dtype=np.float32).reshape(2, 3)); np.save('%t.y.npy', 4 * np.arange(6, dtype=np.float32).reshape(2, 3))"
// RUN: dsk-run %t.so %t.x.npy --expected %t.y.npy | FileCheck %s --check-prefix=OUT

// INFO: 0 input0: f32 [2, 3]
// INFO: 0 y: f32 [2, 3]
// OUT: output 0 'y': PASS (6 elements, max abs error 0)

func.func @double(%v: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = arith.addf %v, %v : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @main_graph(%x: tensor<2x3xf32> {dsk.onnx.name = ""})
    -> (tensor<2x3xf32> {dsk.onnx.name = "y"}) {
  %0 = func.call @double(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = func.call @double(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}
