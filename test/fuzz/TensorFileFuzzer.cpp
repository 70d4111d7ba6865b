//===- TensorFileFuzzer.cpp - dsk-run's .npy and TensorProto readers ------===//
//
// libFuzzer target: any bytes are a tensor file given to dsk-run (an input,
// or the expected output it compares against). The reader must return a
// tensor or throw dsk_run::Error with a message; any other exception, a
// crash, a read out of bounds or an allocation beyond what the file holds
// is a finding. Built with exceptions, like dsk-run.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  try {
    dsk_run::Tensor tensor = dsk_run::readTensorBytes(bytes, "fuzz");
    (void)tensor;
  } catch (const dsk_run::Error &) {
  }
  return 0;
}
