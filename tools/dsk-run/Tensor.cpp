//===- Tensor.cpp - dsk-run's tensor files (.npy, ONNX .pb) ---------------===//
//
// Reading and writing .npy (format versions 1-3, NumPy's dtypes) and ONNX
// TensorProto files strictly: every malformed header, unknown dtype, size
// mismatch or out-of-range value is an error that names the file.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"

#include "onnx/onnx-ml.pb.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace dsk_run {

/// memcpy for `count` bytes from a field that may be empty: an empty
/// repeated protobuf field's data() is null, and memcpy from null is
/// undefined even for 0 bytes (found by the tensor-file fuzz target).
static void copyBytes(void *to, const void *from, size_t count) {
  if (count)
    std::memcpy(to, from, count);
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

bool isFloat(dsk_dtype t) {
  return t == DSK_DTYPE_F16 || t == DSK_DTYPE_BF16 || t == DSK_DTYPE_F32 ||
         t == DSK_DTYPE_F64;
}

bool isSigned(dsk_dtype t) {
  return t == DSK_DTYPE_I8 || t == DSK_DTYPE_I16 || t == DSK_DTYPE_I32 ||
         t == DSK_DTYPE_I64;
}

/// The .npy `descr` of each dtype NumPy can express (bf16 has none).
static const char *npyDescr(dsk_dtype t) {
  switch (t) {
  case DSK_DTYPE_F16:
    return "<f2";
  case DSK_DTYPE_F32:
    return "<f4";
  case DSK_DTYPE_F64:
    return "<f8";
  case DSK_DTYPE_I8:
    return "|i1";
  case DSK_DTYPE_I16:
    return "<i2";
  case DSK_DTYPE_I32:
    return "<i4";
  case DSK_DTYPE_I64:
    return "<i8";
  case DSK_DTYPE_U8:
    return "|u1";
  case DSK_DTYPE_U16:
    return "<u2";
  case DSK_DTYPE_U32:
    return "<u4";
  case DSK_DTYPE_U64:
    return "<u8";
  case DSK_DTYPE_BOOL:
    return "|b1";
  case DSK_DTYPE_BF16:
  case DSK_DTYPE_INVALID:
    return nullptr;
  }
  return nullptr;
}

/// ONNX TensorProto data types that dsk models use.
static int onnxType(dsk_dtype t) {
  switch (t) {
  case DSK_DTYPE_F16:
    return onnx::TensorProto::FLOAT16;
  case DSK_DTYPE_BF16:
    return onnx::TensorProto::BFLOAT16;
  case DSK_DTYPE_F32:
    return onnx::TensorProto::FLOAT;
  case DSK_DTYPE_F64:
    return onnx::TensorProto::DOUBLE;
  case DSK_DTYPE_I8:
    return onnx::TensorProto::INT8;
  case DSK_DTYPE_I16:
    return onnx::TensorProto::INT16;
  case DSK_DTYPE_I32:
    return onnx::TensorProto::INT32;
  case DSK_DTYPE_I64:
    return onnx::TensorProto::INT64;
  case DSK_DTYPE_U8:
    return onnx::TensorProto::UINT8;
  case DSK_DTYPE_U16:
    return onnx::TensorProto::UINT16;
  case DSK_DTYPE_U32:
    return onnx::TensorProto::UINT32;
  case DSK_DTYPE_U64:
    return onnx::TensorProto::UINT64;
  case DSK_DTYPE_BOOL:
    return onnx::TensorProto::BOOL;
  case DSK_DTYPE_INVALID:
    return onnx::TensorProto::UNDEFINED;
  }
  return onnx::TensorProto::UNDEFINED;
}

const dsk_dtype kAllDtypes[] = {
    DSK_DTYPE_F16, DSK_DTYPE_BF16, DSK_DTYPE_F32, DSK_DTYPE_F64, DSK_DTYPE_I8,
    DSK_DTYPE_I16, DSK_DTYPE_I32,  DSK_DTYPE_I64, DSK_DTYPE_U8,  DSK_DTYPE_U16,
    DSK_DTYPE_U32, DSK_DTYPE_U64,  DSK_DTYPE_BOOL};

static std::string onnxTypeName(int type) {
  const std::string &name = onnx::TensorProto_DataType_Name(type);
  if (name.empty())
    return std::to_string(type);
  return name + " (" + std::to_string(type) + ")";
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal: normalize the mantissa.
    int shift = 0;
    while (!(mant & 0x400)) {
      mant <<= 1;
      ++shift;
    }
    bits = sign | (uint32_t(113 - shift) << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Rounds to nearest even, as NumPy's float32 -> float16 cast does.
uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000u) // inf or NaN
    return sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0);
  if (absx >= 0x477ff000u) // rounds to at least 65520: overflow to inf
    return sign | 0x7c00;
  if (absx < 0x38800000u) { // subnormal half (or zero)
    if (absx < 0x33000000u)
      return sign;
    uint32_t exp = absx >> 23;
    uint32_t mant = (absx & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - exp; // 14..24
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half & 1)))
      ++half;
    return sign | uint16_t(half);
  }
  uint32_t rounded = absx + 0xfff + ((absx >> 13) & 1);
  return sign | uint16_t((rounded - 0x38000000u) >> 13);
}

float bf16ToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000u)
    return uint16_t((x >> 16) | 0x40);
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

std::string dimsToString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Bool elements must be 0 or 1 (one byte each), as the model ABI requires.
static void checkBools(const Tensor &t, const std::string &path) {
  if (t.dtype != DSK_DTYPE_BOOL)
    return;
  for (size_t i = 0; i < t.bytes; ++i)
    if (t.data()[i] > 1)
      fail(quote(path) + ": bool element " + std::to_string(i) +
           " has byte value " + std::to_string(t.data()[i]) +
           " (expected 0 or 1)");
}

//===----------------------------------------------------------------------===//
// .npy files
//===----------------------------------------------------------------------===//

const char kNpyMagic[] = "\x93NUMPY";

/// The header text for an error message: one line, without its padding,
/// other bytes than printable ASCII escaped, long headers shortened.
static std::string trimmed(const std::string &text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  std::string out;
  for (size_t i = 0; end != std::string::npos && i <= end; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, char(c))
                                   : format("\\x%02x", c);
    if (out.size() > 200)
      return out + "...";
  }
  return out;
}

namespace {

/// A value in the .npy header's Python dict literal.
struct PyValue {
  enum Kind { String, Bool, Tuple, Other } kind = Other;
  std::string str;
  bool boolean = false;
  std::vector<int64_t> ints;
};

/// Parses the header dict `{'descr': '<f4', 'fortran_order': False, 'shape':
/// (2, 3), }`. Only the literals NumPy writes are accepted.
class NpyHeaderParser {
public:
  NpyHeaderParser(const std::string &text, const std::string &path)
      : text(text), path(path) {}

  std::map<std::string, PyValue> parse() {
    std::map<std::string, PyValue> dict;
    skipSpace();
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}') {
        ++pos;
        break;
      }
      PyValue key = parseValue();
      if (key.kind != PyValue::String)
        bad("dict key is not a string");
      skipSpace();
      expect(':');
      skipSpace();
      dict[key.str] = parseValue();
      skipSpace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      expect('}');
      break;
    }
    skipSpace();
    if (pos != text.size())
      bad("unexpected text after the dict");
    return dict;
  }

private:
  [[noreturn]] void bad(const std::string &why) {
    fail(quote(path) + ": bad .npy header (" + why + "): " + trimmed(text));
  }
  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  void skipSpace() {
    while (pos < text.size() &&
           std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }
  void expect(char c) {
    if (peek() != c)
      bad(std::string("expected '") + c + "'");
    ++pos;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }
  int64_t parseInt() {
    size_t start = pos;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      ++pos;
    if (start == pos)
      bad("expected an integer in the shape");
    errno = 0;
    unsigned long long v =
        std::strtoull(text.substr(start, pos - start).c_str(), nullptr, 10);
    if (errno == ERANGE || v > uint64_t(std::numeric_limits<int64_t>::max()))
      bad("dimension out of range");
    if (peek() == 'L') // Python 2 longs
      ++pos;
    return static_cast<int64_t>(v);
  }
  PyValue parseValue() {
    PyValue v;
    char c = peek();
    if (c == '\'' || c == '"') {
      ++pos;
      size_t end = text.find(c, pos);
      if (end == std::string::npos)
        bad("unterminated string");
      v.kind = PyValue::String;
      v.str = text.substr(pos, end - pos);
      pos = end + 1;
    } else if (c == '(') {
      ++pos;
      v.kind = PyValue::Tuple;
      while (true) {
        skipSpace();
        if (peek() == ')') {
          ++pos;
          break;
        }
        v.ints.push_back(parseInt());
        skipSpace();
        if (peek() == ',') {
          ++pos;
          continue;
        }
        expect(')');
        break;
      }
    } else if (consumeWord("True")) {
      v.kind = PyValue::Bool;
      v.boolean = true;
    } else if (consumeWord("False")) {
      v.kind = PyValue::Bool;
    } else if (c == '[') {
      // A structured dtype's field list; skip it, the caller rejects it.
      int depth = 0;
      do {
        if (peek() == '\0')
          bad("unterminated list");
        if (peek() == '[')
          ++depth;
        else if (peek() == ']')
          --depth;
        ++pos;
      } while (depth > 0);
    } else {
      bad("unexpected character");
    }
    return v;
  }

  const std::string &text;
  const std::string &path;
  size_t pos = 0;
};

} // namespace

static dsk_dtype npyDtype(const std::string &descr, const std::string &path) {
  std::string supported;
  for (dsk_dtype t : kAllDtypes) {
    const char *d = npyDescr(t);
    if (!d)
      continue;
    supported += (supported.empty() ? "" : " ") + std::string(d);
    if (descr.size() == 3 && descr.compare(1, 2, d + 1) == 0) {
      char order = descr[0];
      if (order == '<' || order == '|' || order == '=')
        return t;
      if (order == '>' && dsk_dtype_size(t) == 1)
        return t;
      if (order == '>')
        fail(quote(path) + ": big-endian dtype '" + descr +
             "' is not supported; save it little-endian");
    }
  }
  fail(quote(path) + ": unsupported .npy dtype '" + descr +
       "' (supported: " + supported + "; bfloat16 only from .pb)");
}

static Tensor readNpy(const std::string &bytes, const std::string &path) {
  if (bytes.size() < 8 || bytes.compare(0, 6, kNpyMagic) != 0)
    fail(quote(path) + ": not a .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t lenBytes;
  if (major == 1)
    lenBytes = 2;
  else if (major == 2 || major == 3)
    lenBytes = 4;
  else
    fail(quote(path) + ": unsupported .npy format version " +
         std::to_string(major) + "." +
         std::to_string(static_cast<unsigned char>(bytes[7])));
  if (bytes.size() < 8 + lenBytes)
    fail(quote(path) + ": truncated .npy file (no header length)");
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  size_t dataStart = 8 + lenBytes + headerLen;
  if (bytes.size() < dataStart)
    fail(quote(path) + ": truncated .npy file (header of " +
         std::to_string(headerLen) + " bytes, file has " +
         std::to_string(bytes.size()) + ")");
  std::string header = bytes.substr(8 + lenBytes, headerLen);
  auto dict = NpyHeaderParser(header, path).parse();
  for (const auto &[key, value] : dict)
    if (key != "descr" && key != "fortran_order" && key != "shape")
      fail(quote(path) + ": bad .npy header (unknown key '" + key +
           "'): " + trimmed(header));
  auto descr = dict.find("descr");
  auto fortran = dict.find("fortran_order");
  auto shape = dict.find("shape");
  if (descr == dict.end() || fortran == dict.end() || shape == dict.end())
    fail(quote(path) +
         ": bad .npy header (needs descr, fortran_order and shape): " +
         trimmed(header));
  if (descr->second.kind != PyValue::String)
    fail(quote(path) + ": unsupported .npy dtype (structured arrays are not "
                       "supported)");
  if (fortran->second.kind != PyValue::Bool ||
      shape->second.kind != PyValue::Tuple)
    fail(quote(path) +
         ": bad .npy header (fortran_order must be a bool and "
         "shape a tuple): " +
         trimmed(header));
  if (fortran->second.boolean)
    fail(quote(path) + ": fortran_order is True (column-major); only C-order "
                       "arrays are supported (save np.ascontiguousarray(a))");

  Tensor t;
  dsk_dtype dtype = npyDtype(descr->second.str, path);
  size_t need = Tensor::byteSizeOf(dtype, shape->second.ints, quote(path));
  size_t have = bytes.size() - dataStart;
  if (have < need)
    fail(quote(path) + ": truncated .npy file: " + descr->second.str + " " +
         dimsToString(shape->second.ints) + " needs " + std::to_string(need) +
         " data bytes, the file has " + std::to_string(have));
  if (have > need)
    fail(quote(path) + ": .npy file has " + std::to_string(have - need) +
         " unexpected bytes after the data of " + descr->second.str + " " +
         dimsToString(shape->second.ints));
  t.allocate(dtype, shape->second.ints, quote(path));
  copyBytes(t.data(), bytes.data() + dataStart, need);
  checkBools(t, path);
  return t;
}

void writeNpy(const Tensor &t, const std::string &path) {
  std::string shape = "(";
  for (size_t i = 0; i < t.dims.size(); ++i)
    shape += std::to_string(t.dims[i]) + (t.dims.size() == 1 ? "," : "") +
             (i + 1 < t.dims.size() ? ", " : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + npyDescr(t.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy pads so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out)
    fail("cannot write " + quote(path) + ": " + std::strerror(errno));
  out.write(kNpyMagic, 6);
  out.put('\x01');
  out.put('\x00');
  out.put(static_cast<char>(header.size() & 0xff));
  out.put(static_cast<char>(header.size() >> 8));
  out << header;
  out.write(reinterpret_cast<const char *>(t.data()),
            static_cast<std::streamsize>(t.bytes));
  if (!out)
    fail("cannot write " + quote(path) + ": " + std::strerror(errno));
}

//===----------------------------------------------------------------------===//
// ONNX TensorProto (.pb) files
//===----------------------------------------------------------------------===//

/// Copies int32_data into elements of `T`, checking each value's range.
template <typename T>
static void fromInt32Data(const onnx::TensorProto &proto, Tensor &t, int64_t lo,
                          int64_t hi, const std::string &path) {
  for (int i = 0; i < proto.int32_data_size(); ++i) {
    int64_t v = proto.int32_data(i);
    if (v < lo || v > hi)
      fail(quote(path) + ": int32_data[" + std::to_string(i) +
           "] = " + std::to_string(v) + " is out of range for " +
           onnxTypeName(proto.data_type()));
    storeUnaligned(t.data() + size_t(i) * sizeof(T), static_cast<T>(v));
  }
}

static Tensor readPb(const std::string &bytes, const std::string &path) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes))
    fail(quote(path) + ": not a .npy file or an ONNX TensorProto (.pb)");
  if (proto.data_type() == onnx::TensorProto::UNDEFINED)
    fail(quote(path) + ": TensorProto has no data_type (not a .npy file or an "
                       "ONNX TensorProto?)");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL ||
      proto.external_data_size() > 0)
    fail(quote(path) + ": TensorProto '" + trimmed(proto.name()) +
         "' uses external data, which dsk-run does not read; save the tensor "
         "with its data inline");
  if (proto.has_segment())
    fail(quote(path) + ": segmented TensorProto is not supported");
  dsk_dtype dtype = DSK_DTYPE_INVALID;
  for (dsk_dtype t : kAllDtypes)
    if (onnxType(t) == proto.data_type())
      dtype = t;
  if (dtype == DSK_DTYPE_INVALID)
    fail(quote(path) + ": unsupported TensorProto data_type " +
         onnxTypeName(proto.data_type()));
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  Tensor t;
  size_t need = Tensor::byteSizeOf(dtype, dims, quote(path));
  size_t count = need / dsk_dtype_size(dtype);

  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != need)
      fail(quote(path) + ": raw_data has " +
           std::to_string(proto.raw_data().size()) + " bytes, but " +
           onnxTypeName(proto.data_type()) + " " + dimsToString(dims) +
           " needs " + std::to_string(need));
    t.allocate(dtype, dims, quote(path));
    copyBytes(t.data(), proto.raw_data().data(), need);
    checkBools(t, path);
    return t;
  }

  // The typed field ONNX stores this data type in.
  const char *field = "int32_data";
  int have = 0;
  switch (dtype) {
  case DSK_DTYPE_F32:
    field = "float_data", have = proto.float_data_size();
    break;
  case DSK_DTYPE_F64:
    field = "double_data", have = proto.double_data_size();
    break;
  case DSK_DTYPE_I64:
    field = "int64_data", have = proto.int64_data_size();
    break;
  case DSK_DTYPE_U32:
  case DSK_DTYPE_U64:
    field = "uint64_data", have = proto.uint64_data_size();
    break;
  case DSK_DTYPE_F16:
  case DSK_DTYPE_BF16:
  case DSK_DTYPE_I8:
  case DSK_DTYPE_I16:
  case DSK_DTYPE_I32:
  case DSK_DTYPE_U8:
  case DSK_DTYPE_U16:
  case DSK_DTYPE_BOOL:
  case DSK_DTYPE_INVALID:
    field = "int32_data", have = proto.int32_data_size();
    break;
  }
  int others = proto.float_data_size() + proto.double_data_size() +
               proto.int64_data_size() + proto.uint64_data_size() +
               proto.int32_data_size() + proto.string_data_size() - have;
  if (others != 0)
    fail(quote(path) + ": TensorProto of " + onnxTypeName(proto.data_type()) +
         " has values in a field other than " + field);
  if (static_cast<size_t>(have) != count)
    fail(quote(path) + ": " + field + " has " + std::to_string(have) +
         " values, but " + onnxTypeName(proto.data_type()) + " " +
         dimsToString(dims) + " needs " + std::to_string(count));
  t.allocate(dtype, dims, quote(path));
  switch (dtype) {
  case DSK_DTYPE_F32:
    copyBytes(t.data(), proto.float_data().data(), need);
    break;
  case DSK_DTYPE_F64:
    copyBytes(t.data(), proto.double_data().data(), need);
    break;
  case DSK_DTYPE_I64:
    copyBytes(t.data(), proto.int64_data().data(), need);
    break;
  case DSK_DTYPE_U64:
    copyBytes(t.data(), proto.uint64_data().data(), need);
    break;
  case DSK_DTYPE_U32:
    for (int i = 0; i < have; ++i) {
      uint64_t v = proto.uint64_data(i);
      if (v > UINT32_MAX)
        fail(quote(path) + ": uint64_data[" + std::to_string(i) +
             "] = " + std::to_string(v) + " is out of range for UINT32");
      storeUnaligned(t.data() + size_t(i) * 4, static_cast<uint32_t>(v));
    }
    break;
  case DSK_DTYPE_I32:
    copyBytes(t.data(), proto.int32_data().data(), need);
    break;
  case DSK_DTYPE_I16:
    fromInt32Data<int16_t>(proto, t, INT16_MIN, INT16_MAX, path);
    break;
  case DSK_DTYPE_I8:
    fromInt32Data<int8_t>(proto, t, INT8_MIN, INT8_MAX, path);
    break;
  case DSK_DTYPE_U8:
    fromInt32Data<uint8_t>(proto, t, 0, UINT8_MAX, path);
    break;
  case DSK_DTYPE_BOOL:
    fromInt32Data<uint8_t>(proto, t, 0, 1, path);
    break;
  case DSK_DTYPE_U16:
  case DSK_DTYPE_F16:
  case DSK_DTYPE_BF16:
    // 16-bit floats are stored as their bit patterns.
    fromInt32Data<uint16_t>(proto, t, 0, UINT16_MAX, path);
    break;
  case DSK_DTYPE_INVALID:
    break;
  }
  return t;
}

void writePb(const Tensor &t, const std::string &name,
             const std::string &path) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnxType(t.dtype));
  for (int64_t d : t.dims)
    proto.add_dims(d);
  proto.set_raw_data(t.data(), t.bytes);
  std::ofstream out(path, std::ios::binary);
  if (!out || !proto.SerializeToOstream(&out))
    fail("cannot write " + quote(path) + ": " + std::strerror(errno));
}

/// Reads a .npy or .pb tensor; the format is taken from the file's content.
Tensor readTensorFile(const std::string &path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    fail(quote(path) + " is a directory, not a tensor file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot open " + quote(path) + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    fail("cannot read " + quote(path) + ": " + std::strerror(errno));
  std::string bytes = ss.str();
  if (bytes.empty())
    fail(quote(path) + " is empty");
  return readTensorBytes(bytes, path,
                         fs::path(path).extension().string() == ".npy");
}

Tensor readTensorBytes(const std::string &bytes, const std::string &name,
                       bool npyByName) {
  if (bytes.compare(0, 6, kNpyMagic) == 0 || npyByName)
    return readNpy(bytes, name);
  return readPb(bytes, name);
}

} // namespace dsk_run
