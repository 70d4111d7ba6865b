//===- QuantMath.h - scalar quantization arithmetic -------------*- C++ -*-===//
//
// The scalar definitions of dsk's quantized storage kinds (uniform, log2,
// codebook). The verifier, the lowerings, constant folding and the unit tests
// share them, so that the rounding rules exist in exactly one place on the
// C++ side (python/dsk/reference.py mirrors them for numeric tests).
//
// Deliberately free of MLIR types: the C runtime's tests and tools may use it.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_UTILS_QUANTMATH_H
#define DSK_DIALECT_DSK_UTILS_QUANTMATH_H

#include <cstdint>
#include <vector>

namespace dsk::quant {

/// The closed range of integers representable by a storage type.
struct IntRange {
  int64_t min;
  int64_t max;
  bool contains(int64_t v) const { return v >= min && v <= max; }
};

/// The range of a `bits`-wide signed (two's complement) or unsigned integer.
IntRange storageRange(unsigned bits, bool isSigned);

/// Uniform: `clamp(roundeven(x / scale) + zeroPoint, range)`, computed in
/// float32 like the generated code.
int64_t quantizeUniform(float x, float scale, int64_t zeroPoint,
                        IntRange range);

/// Uniform: `(q - zeroPoint) * scale` in float32.
float dequantizeUniform(int64_t q, float scale, int64_t zeroPoint);

/// Affine parameters that map the real interval [min, max] (widened to
/// contain 0) onto a storage range. Symmetric parameters use zero point 0 (or
/// the range midpoint for unsigned storage) and cover max(|min|, |max|).
struct UniformParams {
  float scale;
  int64_t zeroPoint;
};
UniformParams chooseUniformParams(float min, float max, IntRange range,
                                  bool symmetric);

/// Log2 codes: the top bit is the sign, the remaining `bits - 1` bits are the
/// exponent code; the all-ones exponent code encodes zero.
uint64_t log2ZeroCode(unsigned bits);

/// Log2: nearest power-of-two magnitude `scale * 2^-e` in the log domain, or
/// zero when |x| is below half a step of the smallest magnitude.
uint64_t quantizeLog2(float x, float scale, unsigned bits);

/// Log2: the real value of `code`.
float dequantizeLog2(uint64_t code, float scale, unsigned bits);

/// Codebook: the index of the entry nearest to `x` (lowest index on ties).
uint64_t quantizeCodebook(float x, const double *table, int64_t numEntries);

/// Codebook: a table of `numEntries` values fitted to `values` by Lloyd's
/// algorithm (k-means in one dimension), seeded at evenly spaced quantiles;
/// returned sorted ascending. Fewer distinct inputs than entries give
/// repeated entries.
std::vector<double> fitCodebook(std::vector<float> values, int64_t numEntries,
                                int iterations = 32);

} // namespace dsk::quant

#endif // DSK_DIALECT_DSK_UTILS_QUANTMATH_H
