//===- OnnxMutator.h - structure-aware mutations of ONNX models -*- C++ -*-===//
//
// The custom mutator of the ONNX fuzz targets (OnnxMutator.cpp says what it
// changes and why).
//
//===----------------------------------------------------------------------===//

#ifndef DSK_TEST_FUZZ_ONNXMUTATOR_H
#define DSK_TEST_FUZZ_ONNXMUTATOR_H

#include <cstddef>
#include <cstdint>

namespace dsk::fuzz {

/// Mutates the serialized model in `data` (`size` bytes, room for `maxSize`)
/// in place and returns its new size: one change to the parsed model, or
/// libFuzzer's byte-level mutation. Deterministic in `seed`.
size_t mutateOnnxModel(uint8_t *data, size_t size, size_t maxSize,
                       unsigned seed);

} // namespace dsk::fuzz

#endif // DSK_TEST_FUZZ_ONNXMUTATOR_H
