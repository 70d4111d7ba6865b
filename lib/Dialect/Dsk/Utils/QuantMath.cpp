//===- QuantMath.cpp - scalar quantization arithmetic ---------------------===//

#include "dsk/Dialect/Dsk/Utils/QuantMath.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace dsk::quant {

IntRange storageRange(unsigned bits, bool isSigned) {
  assert(bits >= 1 && bits <= 32 && "storage width out of range");
  if (isSigned)
    return {-(int64_t(1) << (bits - 1)), (int64_t(1) << (bits - 1)) - 1};
  return {0, (int64_t(1) << bits) - 1};
}

int64_t quantizeUniform(float x, float scale, int64_t zeroPoint,
                        IntRange range) {
  // NaN has no meaningful code; map it to the zero point like a zero input.
  if (std::isnan(x))
    return std::clamp<int64_t>(zeroPoint, range.min, range.max);
  float scaled = std::nearbyint(x / scale) + static_cast<float>(zeroPoint);
  scaled = std::clamp(scaled, static_cast<float>(range.min),
                      static_cast<float>(range.max));
  return static_cast<int64_t>(scaled);
}

float dequantizeUniform(int64_t q, float scale, int64_t zeroPoint) {
  return (static_cast<float>(q) - static_cast<float>(zeroPoint)) * scale;
}

UniformParams chooseUniformParams(float min, float max, IntRange range,
                                  bool symmetric) {
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  auto levels = static_cast<double>(range.max - range.min);
  if (symmetric) {
    double bound = std::max(std::fabs(min), std::fabs(max));
    // Signed storage is symmetric around 0 except for its extra negative
    // code; using range.max keeps -bound representable.
    bool isSigned = range.min < 0;
    double steps = isSigned ? static_cast<double>(range.max) : levels / 2.0;
    int64_t zeroPoint = isSigned ? 0 : (range.max + range.min + 1) / 2;
    double scale = bound > 0 ? bound / steps : 1.0;
    return {static_cast<float>(scale), zeroPoint};
  }
  double scale = max > min ? (static_cast<double>(max) - min) / levels : 1.0;
  double zero = static_cast<double>(range.min) - min / scale;
  int64_t zeroPoint =
      std::clamp<int64_t>(std::llround(zero), range.min, range.max);
  return {static_cast<float>(scale), zeroPoint};
}

uint64_t log2ZeroCode(unsigned bits) {
  assert(bits >= 2 && bits <= 16 && "log2 storage width out of range");
  return (uint64_t(1) << (bits - 1)) - 1;
}

uint64_t quantizeLog2(float x, float scale, unsigned bits) {
  uint64_t zeroCode = log2ZeroCode(bits);
  float magnitude = std::fabs(x);
  if (!(magnitude > 0.0f))
    return zeroCode; // zero and NaN
  float ratio = std::log2(scale / magnitude);
  auto maxExponent = static_cast<float>(zeroCode - 1);
  if (ratio > maxExponent + 0.5f)
    return zeroCode;
  float exponent = std::clamp(std::nearbyint(ratio), 0.0f, maxExponent);
  uint64_t sign = std::signbit(x) ? uint64_t(1) << (bits - 1) : 0;
  return sign | static_cast<uint64_t>(exponent);
}

float dequantizeLog2(uint64_t code, float scale, unsigned bits) {
  uint64_t zeroCode = log2ZeroCode(bits);
  uint64_t exponent = code & zeroCode;
  if (exponent == zeroCode)
    return 0.0f;
  float magnitude = std::ldexp(scale, -static_cast<int>(exponent));
  return (code >> (bits - 1)) & 1 ? -magnitude : magnitude;
}

uint64_t quantizeCodebook(float x, const double *table, int64_t numEntries) {
  uint64_t best = 0;
  float bestDistance = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < numEntries; ++i) {
    float distance = std::fabs(x - static_cast<float>(table[i]));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = static_cast<uint64_t>(i);
    }
  }
  return best;
}

std::vector<double> fitCodebook(std::vector<float> values, int64_t numEntries,
                                int iterations) {
  assert(numEntries > 0 && "codebook needs at least one entry");
  std::vector<double> table(static_cast<size_t>(numEntries), 0.0);
  if (values.empty())
    return table;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  for (int64_t i = 0; i < numEntries; ++i) {
    // Seed at the midpoints of equal-count buckets.
    size_t index = static_cast<size_t>((2 * i + 1) * n / (2 * numEntries));
    table[static_cast<size_t>(i)] = values[std::min(index, n - 1)];
  }
  std::vector<double> sums(table.size());
  std::vector<int64_t> counts(table.size());
  for (int iter = 0; iter < iterations; ++iter) {
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (float v : values) {
      uint64_t code = quantizeCodebook(v, table.data(), numEntries);
      sums[code] += v;
      ++counts[code];
    }
    bool changed = false;
    for (size_t i = 0; i < table.size(); ++i) {
      if (counts[i] == 0)
        continue; // An empty cluster keeps its seed.
      double mean = sums[i] / static_cast<double>(counts[i]);
      changed |= mean != table[i];
      table[i] = mean;
    }
    std::sort(table.begin(), table.end());
    if (!changed)
      break;
  }
  return table;
}

} // namespace dsk::quant
