// Element types whose layout the runtime and the compiled code must agree on,
// end to end: bool (one byte, 0 or 1), ONNX uint8 (signless i8 marked
// dsk.onnx.unsigned, read unsigned) and a rank-0 i64.
// RUN: rm -rf %t && %python %S/make_models.py %t
// RUN: dsk-compile %s -o %t/dtypes.so
// RUN: dsk-run %t/dtypes.so --info | FileCheck %s --check-prefix=INFO
// RUN: dsk-run %t/dtypes.so %t/dtypes-x.npy %t/dtypes-u.npy %t/dtypes-n.npy \
// RUN:   --expected %t/dtypes-not-x.npy %t/dtypes-uf.npy %t/dtypes-n2.npy \
// RUN:   | FileCheck %s --check-prefix=OUT

// INFO: inputs (3):
// INFO-NEXT: 0 x: bool [5]
// INFO-NEXT: 1 u: u8 [5]
// INFO-NEXT: 2 n: i64 []
// INFO-NEXT: outputs (3):
// INFO-NEXT: 0 not_x: bool [5]
// INFO-NEXT: 1 uf: f32 [5]
// INFO-NEXT: 2 twice: i64 []

// OUT: output 0 'not_x': PASS (5 elements)
// OUT: output 1 'uf': PASS (5 elements, max abs error 0)
// OUT: output 2 'twice': PASS (1 elements
// OUT: 3 outputs matched, 0 mismatched

func.func @main_graph(%x: tensor<5xi1> {dsk.onnx.name = "x"},
                      %u: tensor<5xi8> {dsk.onnx.name = "u", dsk.onnx.unsigned},
                      %n: tensor<i64> {dsk.onnx.name = "n"})
    -> (tensor<5xi1> {dsk.onnx.name = "not_x"},
        tensor<5xf32> {dsk.onnx.name = "uf"},
        tensor<i64> {dsk.onnx.name = "twice"}) {
  %true = arith.constant dense<true> : tensor<5xi1>
  %not = arith.xori %x, %true : tensor<5xi1>
  %uf = arith.uitofp %u : tensor<5xi8> to tensor<5xf32>
  %twice = arith.addi %n, %n : tensor<i64>
  return %not, %uf, %twice : tensor<5xi1>, tensor<5xf32>, tensor<i64>
}
