//===- TensorReader.cpp - ONNX tensor payloads with checked sizes ---------===//
//
// Every size in a TensorProto is untrusted: dims can be negative or overflow,
// raw_data can be short, external data can point outside the model's folder
// or past the end of its file, and a declared length can be a petabyte. All of
// these are rejected before anything of that size is allocated.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir;

namespace dsk::onnx_import {

StringRef dataTypeName(int32_t dataType) {
  if (onnx::TensorProto_DataType_IsValid(dataType))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(dataType));
  return "<invalid>";
}

std::optional<ElementType> lookupDataType(MLIRContext *context,
                                          int32_t dataType) {
  Builder b(context);
  auto integer = [&](unsigned width, bool isUnsigned) {
    return ElementType{b.getIntegerType(width), isUnsigned};
  };
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return ElementType{b.getF32Type()};
  case onnx::TensorProto::DOUBLE:
    return ElementType{b.getF64Type()};
  case onnx::TensorProto::FLOAT16:
    return ElementType{b.getF16Type()};
  case onnx::TensorProto::BFLOAT16:
    return ElementType{b.getBF16Type()};
  case onnx::TensorProto::FLOAT8E4M3FN:
    return ElementType{b.getType<Float8E4M3FNType>()};
  case onnx::TensorProto::FLOAT8E4M3FNUZ:
    return ElementType{b.getType<Float8E4M3FNUZType>()};
  case onnx::TensorProto::FLOAT8E5M2:
    return ElementType{b.getType<Float8E5M2Type>()};
  case onnx::TensorProto::FLOAT8E5M2FNUZ:
    return ElementType{b.getType<Float8E5M2FNUZType>()};
  case onnx::TensorProto::BOOL:
    return integer(1, false);
  case onnx::TensorProto::INT8:
    return integer(8, false);
  case onnx::TensorProto::UINT8:
    return integer(8, true);
  case onnx::TensorProto::INT16:
    return integer(16, false);
  case onnx::TensorProto::UINT16:
    return integer(16, true);
  case onnx::TensorProto::INT32:
    return integer(32, false);
  case onnx::TensorProto::UINT32:
    return integer(32, true);
  case onnx::TensorProto::INT64:
    return integer(64, false);
  case onnx::TensorProto::UINT64:
    return integer(64, true);
  case onnx::TensorProto::INT4:
    return integer(4, false);
  case onnx::TensorProto::UINT4:
    return integer(4, true);
  case onnx::TensorProto::INT2:
    return integer(2, false);
  case onnx::TensorProto::UINT2:
    return integer(2, true);
  case onnx::TensorProto::FLOAT4E2M1:
    return ElementType{b.getType<Float4E2M1FNType>()};
  case onnx::TensorProto::FLOAT8E8M0:
    return ElementType{b.getType<Float8E8M0FNUType>()};
  default:
    return std::nullopt;
  }
}

FailureOr<ElementType> convertDataType(MLIRContext *context, int32_t dataType,
                                       EmitErrorFn emitError) {
  if (std::optional<ElementType> element = lookupDataType(context, dataType))
    return *element;
  emitError() << "element type " << dataTypeName(dataType) << " (" << dataType
              << ") is not supported";
  return failure();
}

int32_t dataTypeOf(Type type, bool isUnsigned) {
  // Signedness means something for integers other than bool only.
  bool unsignedInteger =
      isUnsigned && type.isSignlessInteger() && !type.isInteger(1);
  for (int32_t code = onnx::TensorProto_DataType_DataType_MIN;
       code <= onnx::TensorProto_DataType_DataType_MAX; ++code) {
    std::optional<ElementType> element =
        lookupDataType(type.getContext(), code);
    if (element && element->type == type &&
        element->isUnsigned == unsignedInteger)
      return code;
  }
  return 0;
}

FailureOr<int64_t>
TensorReader::elementCount(const google::protobuf::RepeatedField<int64_t> &dims,
                           EmitErrorFn emitError) {
  int64_t count = 1;
  for (int64_t dim : dims) {
    if (dim < 0) {
      emitError() << "tensor has a negative dimension (" << dim << ")";
      return failure();
    }
    if (__builtin_mul_overflow(count, dim, &count)) {
      emitError() << "tensor dimensions overflow int64 when multiplied";
      return failure();
    }
  }
  return count;
}

/// Bytes of `count` elements of `type` as ONNX stores them: whole bytes per
/// element, except 4-bit types, two to a byte.
static FailureOr<uint64_t> storageBytes(Type type, int64_t count,
                                        EmitErrorFn emitError) {
  unsigned bits = type.getIntOrFloatBitWidth();
  uint64_t bytes;
  if (bits == 2 || bits == 4) {
    uint64_t perByte = 8 / bits;
    bytes = (static_cast<uint64_t>(count) + perByte - 1) / perByte;
  } else if (__builtin_mul_overflow(static_cast<uint64_t>(count),
                                    static_cast<uint64_t>((bits + 7) / 8),
                                    &bytes)) {
    emitError() << "tensor byte size overflows";
    return failure();
  }
  return bytes;
}

/// True if `child` (a canonical path) is inside `dir` (a canonical path).
static bool isInside(StringRef child, StringRef dir) {
  if (!child.starts_with(dir))
    return false;
  return child.size() == dir.size() ||
         llvm::sys::path::is_separator(child[dir.size()]);
}

FailureOr<std::string>
TensorReader::readExternal(const onnx::TensorProto &tensor,
                           uint64_t expectedBytes, EmitErrorFn emitError) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    const std::string &key = entry.key(), &value = entry.value();
    if (key == "location") {
      location = value;
      continue;
    }
    if (key != "offset" && key != "length")
      continue; // checksum and unknown keys are informative
    uint64_t number;
    if (StringRef(value).getAsInteger(10, number)) {
      emitError() << "external data " << key << " '" << value
                  << "' is not a non-negative integer";
      return failure();
    }
    if (key == "offset")
      offset = number;
    else
      length = number;
  }
  if (location.empty()) {
    emitError() << "external data has no location";
    return failure();
  }
  if (modelDir.empty()) {
    emitError() << "external data '" << location
                << "' cannot be resolved for a model read from memory";
    return failure();
  }
  if (llvm::sys::path::is_absolute(location)) {
    emitError() << "external data location '" << location
                << "' is absolute; it must be relative to the model's folder";
    return failure();
  }
  for (StringRef component : llvm::make_range(llvm::sys::path::begin(location),
                                              llvm::sys::path::end(location)))
    if (component == "..") {
      emitError() << "external data location '" << location
                  << "' contains '..'";
      return failure();
    }

  // Resolve symlinks on both sides before comparing.
  SmallString<256> dirReal, fileReal, joined(modelDir);
  llvm::sys::path::append(joined, location);
  if (llvm::sys::fs::real_path(modelDir, dirReal) ||
      llvm::sys::fs::real_path(joined, fileReal)) {
    emitError() << "external data file '" << location << "' does not exist";
    return failure();
  }
  if (!isInside(fileReal, dirReal)) {
    emitError() << "external data location '" << location
                << "' resolves outside the model's folder";
    return failure();
  }

  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer, forever; the file type is checked on the open descriptor, and
  // O_NOFOLLOW refuses a symlink swapped in after real_path resolved it.
  int fd =
      ::open(fileReal.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  struct stat info;
  if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    if (fd >= 0)
      ::close(fd);
    emitError() << "external data file '" << location
                << "' is not a readable regular file";
    return failure();
  }
  auto fileSize = static_cast<uint64_t>(info.st_size);
  uint64_t bytes = length.value_or(expectedBytes);
  uint64_t end;
  std::string data;
  if (length && *length != expectedBytes) {
    emitError() << "external data length " << *length
                << " does not match the tensor's " << expectedBytes
                << " bytes (dims x type)";
  } else if (offset > fileSize || __builtin_add_overflow(offset, bytes, &end) ||
             end > fileSize) {
    emitError() << "external data range [" << offset << ", +" << bytes
                << ") is past the end of '" << location << "' (" << fileSize
                << " bytes)";
  } else {
    // The range is inside the file, so this allocation is bounded by it.
    data.resize(bytes);
    uint64_t done = 0;
    while (done < bytes) {
      ssize_t got = ::pread(fd, data.data() + done, bytes - done,
                            static_cast<off_t>(offset + done));
      if (got <= 0)
        break;
      done += static_cast<uint64_t>(got);
    }
    if (done == bytes) {
      ::close(fd);
      return data;
    }
    emitError() << "reading external data '" << location << "' failed";
  }
  ::close(fd);
  return failure();
}

namespace {

/// Little-endian bytes of the elements of a typed repeated field.
template <typename T, typename Field> std::string bytesOf(const Field &field) {
  std::string bytes(field.size() * sizeof(T), '\0');
  for (int i = 0; i < field.size(); ++i) {
    T value = static_cast<T>(field.Get(i));
    std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
  }
  return bytes;
}

} // namespace

FailureOr<DenseElementsAttr> TensorReader::read(const onnx::TensorProto &tensor,
                                                EmitErrorFn emitError) {
  if (tensor.has_segment()) {
    emitError() << "segmented tensors are not supported";
    return failure();
  }
  FailureOr<ElementType> elementType =
      convertDataType(context, tensor.data_type(), emitError);
  if (failed(elementType))
    return failure();
  FailureOr<int64_t> count = elementCount(tensor.dims(), emitError);
  if (failed(count))
    return failure();
  Type type = elementType->type;
  auto shapedType = RankedTensorType::get(
      SmallVector<int64_t>(tensor.dims().begin(), tensor.dims().end()), type);
  // The same bounds as every other tensor of the model (rank, and dims that
  // stay addressable even when another dim is 0).
  if (failed(checkTensorBounds(shapedType, emitError)))
    return failure();
  FailureOr<uint64_t> expectedBytes = storageBytes(type, *count, emitError);
  if (failed(expectedBytes))
    return failure();

  // The payload as ONNX's little-endian bytes, from wherever it lives.
  std::string bytes;
  unsigned bits = type.getIntOrFloatBitWidth();
  auto wrongCount = [&](StringRef field, int64_t got) {
    emitError() << field << " holds " << got << " values but the dims call for "
                << *count << " " << dataTypeName(tensor.data_type())
                << " elements";
    return failure();
  };
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::string> external =
        readExternal(tensor, *expectedBytes, emitError);
    if (failed(external))
      return failure();
    bytes = std::move(*external);
  } else if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != *expectedBytes) {
      emitError() << "raw_data has " << tensor.raw_data().size()
                  << " bytes but the dims and type call for " << *expectedBytes;
      return failure();
    }
    bytes = tensor.raw_data();
  } else {
    // Typed fields: the ONNX spec says which field holds which type.
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (tensor.float_data_size() != *count)
        return wrongCount("float_data", tensor.float_data_size());
      bytes = bytesOf<float>(tensor.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      if (tensor.double_data_size() != *count)
        return wrongCount("double_data", tensor.double_data_size());
      bytes = bytesOf<double>(tensor.double_data());
      break;
    case onnx::TensorProto::INT64:
      if (tensor.int64_data_size() != *count)
        return wrongCount("int64_data", tensor.int64_data_size());
      bytes = bytesOf<int64_t>(tensor.int64_data());
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      if (tensor.uint64_data_size() != *count)
        return wrongCount("uint64_data", tensor.uint64_data_size());
      bytes = bits == 32 ? bytesOf<uint32_t>(tensor.uint64_data())
                         : bytesOf<uint64_t>(tensor.uint64_data());
      break;
    case onnx::TensorProto::INT4:
    case onnx::TensorProto::UINT4:
    case onnx::TensorProto::FLOAT4E2M1:
    case onnx::TensorProto::INT2:
    case onnx::TensorProto::UINT2: {
      // Sub-byte values are packed into bytes, one byte per int32_data
      // entry, low bits first.
      int64_t perByte = 8 / bits;
      int64_t words = (*count + perByte - 1) / perByte;
      if (tensor.int32_data_size() != words)
        return wrongCount("int32_data", tensor.int32_data_size() * perByte);
      bytes = bytesOf<uint8_t>(tensor.int32_data());
      break;
    }
    default: {
      // int32_data holds every other integer type, bool, and the bits of
      // 16- and 8-bit floats, one element per entry.
      if (tensor.int32_data_size() != *count)
        return wrongCount("int32_data", tensor.int32_data_size());
      switch ((bits + 7) / 8) {
      case 1:
        bytes = bytesOf<uint8_t>(tensor.int32_data());
        break;
      case 2:
        bytes = bytesOf<uint16_t>(tensor.int32_data());
        break;
      default:
        bytes = bytesOf<uint32_t>(tensor.int32_data());
        break;
      }
    }
    }
  }

  // Sub-byte and boolean elements are not stored byte-per-element by both
  // sides alike: build them element by element.
  if (bits == 1) {
    SmallVector<bool> values;
    values.reserve(*count);
    for (char byte : bytes)
      values.push_back(byte != 0);
    return DenseElementsAttr::get(shapedType, values);
  }
  if (bits == 2 || bits == 4) {
    // Unpack, low bits first; MLIR keeps one element per byte.
    int64_t perByte = 8 / bits;
    unsigned mask = (1u << bits) - 1;
    SmallVector<APInt> codes;
    codes.reserve(*count);
    for (int64_t i = 0; i < *count; ++i) {
      auto byte = static_cast<uint8_t>(bytes[i / perByte]);
      codes.push_back(APInt(bits, (byte >> ((i % perByte) * bits)) & mask));
    }
    if (auto floatType = dyn_cast<FloatType>(type)) {
      SmallVector<APFloat> values;
      values.reserve(*count);
      for (const APInt &code : codes)
        values.push_back(APFloat(floatType.getFloatSemantics(), code));
      return DenseElementsAttr::get(shapedType, values);
    }
    return DenseElementsAttr::get(shapedType, codes);
  }
  bool isSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(
          shapedType, ArrayRef<char>(bytes.data(), bytes.size()), isSplat)) {
    emitError() << "tensor payload does not match its type";
    return failure();
  }
  return DenseElementsAttr::getFromRawBuffer(
      shapedType, ArrayRef<char>(bytes.data(), bytes.size()));
}

} // namespace dsk::onnx_import
