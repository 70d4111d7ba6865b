//===- Tensor.h - dsk-run's tensors and their files -------------*- C++ -*-===//
//
// The tensors dsk-run reads, fills, prints and writes, the .npy and ONNX
// TensorProto (.pb) files they come from and go to, and the one kind of
// error the tool reports.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_TOOLS_DSK_RUN_TENSOR_H
#define DSK_TOOLS_DSK_RUN_TENSOR_H

#include "dsk/Runtime/Runtime.h"

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dsk_run {

/// A user-facing failure; main() prints it as `dsk-run: error: <message>`.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string &message) {
  throw Error(message);
}

inline std::string quote(const std::string &s) { return "'" + s + "'"; }

inline std::string format(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
inline std::string format(const char *fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return buf;
}

/// The T at `p`, which need not be aligned for T (tensor files pack their
/// data at any offset).
template <typename T> T loadUnaligned(const uint8_t *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

/// Stores `value` at `p`, which need not be aligned for T.
template <typename T> void storeUnaligned(uint8_t *p, T value) {
  std::memcpy(p, &value, sizeof(T));
}

bool isFloat(dsk_dtype t);
bool isSigned(dsk_dtype t);
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
float bf16ToFloat(uint16_t b);
uint16_t floatToBf16(float f);
/// "[2, 3]".
std::string dimsToString(const std::vector<int64_t> &dims);

/// A dense row-major tensor owning 64-byte aligned storage.
struct Tensor {
  dsk_dtype dtype = DSK_DTYPE_INVALID;
  std::vector<int64_t> dims;
  std::unique_ptr<uint8_t, decltype(&std::free)> storage{nullptr, &std::free};
  size_t bytes = 0;

  uint8_t *data() const { return storage.get(); }
  size_t elementSize() const { return dsk_dtype_size(dtype); }
  size_t numElements() const { return bytes / elementSize(); }
  std::string typeString() const {
    return std::string(dsk_dtype_name(dtype)) + " " + dimsToString(dims);
  }

  /// Sets dtype and dims and allocates zeroed storage. `what` names the
  /// tensor for the error on a shape whose size overflows.
  void allocate(dsk_dtype type, std::vector<int64_t> shape,
                const std::string &what) {
    dtype = type;
    dims = std::move(shape);
    bytes = byteSizeOf(dtype, dims, what);
    size_t alloc = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
    storage.reset(static_cast<uint8_t *>(std::aligned_alloc(64, alloc)));
    if (!storage)
      fail(what + ": cannot allocate " + std::to_string(bytes) + " bytes");
    std::memset(storage.get(), 0, alloc);
  }

  static size_t byteSizeOf(dsk_dtype type, const std::vector<int64_t> &shape,
                           const std::string &what) {
    size_t n = dsk_dtype_size(type);
    for (int64_t d : shape) {
      if (d < 0)
        fail(what + ": negative dimension in shape " + dimsToString(shape));
      if (__builtin_mul_overflow(n, static_cast<size_t>(d), &n))
        fail(what + ": shape " + dimsToString(shape) + " is too large");
    }
    return n;
  }

  double asDouble(size_t i) const {
    const uint8_t *p = data() + i * elementSize();
    switch (dtype) {
    case DSK_DTYPE_F16:
      return halfToFloat(loadUnaligned<uint16_t>(p));
    case DSK_DTYPE_BF16:
      return bf16ToFloat(loadUnaligned<uint16_t>(p));
    case DSK_DTYPE_F32:
      return loadUnaligned<float>(p);
    case DSK_DTYPE_F64:
      return loadUnaligned<double>(p);
    case DSK_DTYPE_U64:
      return static_cast<double>(asUnsigned(i));
    case DSK_DTYPE_I8:
    case DSK_DTYPE_I16:
    case DSK_DTYPE_I32:
    case DSK_DTYPE_I64:
    case DSK_DTYPE_U8:
    case DSK_DTYPE_U16:
    case DSK_DTYPE_U32:
    case DSK_DTYPE_BOOL:
      return static_cast<double>(asSigned(i));
    case DSK_DTYPE_INVALID:
      break;
    }
    return 0;
  }

  /// Integer and bool elements, exactly (u64 above INT64_MAX: asUnsigned).
  int64_t asSigned(size_t i) const {
    const uint8_t *p = data() + i * elementSize();
    switch (dtype) {
    case DSK_DTYPE_I8:
      return static_cast<int8_t>(*p);
    case DSK_DTYPE_I16:
      return loadUnaligned<int16_t>(p);
    case DSK_DTYPE_I32:
      return loadUnaligned<int32_t>(p);
    case DSK_DTYPE_I64:
      return loadUnaligned<int64_t>(p);
    default:
      return static_cast<int64_t>(asUnsigned(i));
    }
  }

  uint64_t asUnsigned(size_t i) const {
    const uint8_t *p = data() + i * elementSize();
    switch (elementSize()) {
    case 1:
      return *p;
    case 2:
      return loadUnaligned<uint16_t>(p);
    case 4:
      return loadUnaligned<uint32_t>(p);
    default:
      return loadUnaligned<uint64_t>(p);
    }
  }

  std::string elementString(size_t i) const {
    if (isFloat(dtype))
      return format(dtype == DSK_DTYPE_F64 ? "%.10g" : "%.7g", asDouble(i));
    if (dtype == DSK_DTYPE_BOOL)
      return asUnsigned(i) ? "true" : "false";
    if (isSigned(dtype))
      return std::to_string(asSigned(i));
    return std::to_string(asUnsigned(i));
  }
};

/// Reads a .npy or .pb tensor; the format is taken from the file's content.
Tensor readTensorFile(const std::string &path);

/// The tensor in `bytes`, a .npy file (by its magic, or when `npyByName`)
/// or else a TensorProto; `name` names it in errors. Every malformed file is
/// an Error: the bytes come from the user (and from the tensor-file fuzz
/// target).
Tensor readTensorBytes(const std::string &bytes, const std::string &name,
                       bool npyByName = false);
/// Writes `t` as a .npy file (dtypes NumPy has: not bf16).
void writeNpy(const Tensor &t, const std::string &path);
/// Writes `t` as an ONNX TensorProto named `name`.
void writePb(const Tensor &t, const std::string &name, const std::string &path);

} // namespace dsk_run

#endif // DSK_TOOLS_DSK_RUN_TENSOR_H
