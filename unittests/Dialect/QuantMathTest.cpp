//===- QuantMathTest.cpp - tests of the scalar quantization math ----------===//

#include "dsk/Dialect/Dsk/Utils/QuantMath.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace dsk::quant;

namespace {

TEST(QuantMath, StorageRanges) {
  EXPECT_EQ(storageRange(8, true).min, -128);
  EXPECT_EQ(storageRange(8, true).max, 127);
  EXPECT_EQ(storageRange(8, false).min, 0);
  EXPECT_EQ(storageRange(8, false).max, 255);
  EXPECT_EQ(storageRange(4, true).min, -8);
  EXPECT_EQ(storageRange(4, true).max, 7);
  EXPECT_EQ(storageRange(16, false).max, 65535);
  EXPECT_TRUE(storageRange(4, true).contains(-8));
  EXPECT_FALSE(storageRange(4, true).contains(8));
}

TEST(QuantMath, UniformRoundsHalfToEven) {
  IntRange i8 = storageRange(8, true);
  EXPECT_EQ(quantizeUniform(1.25f, 0.5f, 0, i8), 2);   // 2.5 -> 2
  EXPECT_EQ(quantizeUniform(1.75f, 0.5f, 0, i8), 4);   // 3.5 -> 4
  EXPECT_EQ(quantizeUniform(-1.25f, 0.5f, 0, i8), -2); // -2.5 -> -2
  EXPECT_EQ(quantizeUniform(0.3f, 0.1f, 5, i8), 8);
}

TEST(QuantMath, UniformSaturatesAndHandlesNaN) {
  IntRange u8 = storageRange(8, false);
  EXPECT_EQ(quantizeUniform(1e9f, 0.1f, 128, u8), 255);
  EXPECT_EQ(quantizeUniform(-1e9f, 0.1f, 128, u8), 0);
  EXPECT_EQ(quantizeUniform(std::numeric_limits<float>::infinity(), 1.0f, 0,
                            storageRange(4, true)),
            7);
  EXPECT_EQ(quantizeUniform(std::nanf(""), 0.1f, 128, u8), 128);
}

TEST(QuantMath, UniformRoundTripErrorIsHalfAStep) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  IntRange i8 = storageRange(8, true);
  const float scale = 3.0f / 127.0f;
  for (int i = 0; i < 1000; ++i) {
    float x = dist(rng);
    float y = dequantizeUniform(quantizeUniform(x, scale, 0, i8), scale, 0);
    EXPECT_LE(std::fabs(x - y), scale / 2 + 1e-6f) << x;
  }
}

TEST(QuantMath, ChooseAsymmetricParamsCoversTheRange) {
  IntRange u8 = storageRange(8, false);
  UniformParams p = chooseUniformParams(-1.0f, 3.0f, u8, /*symmetric=*/false);
  EXPECT_NEAR(p.scale, 4.0f / 255.0f, 1e-7f);
  // Zero is exactly representable.
  EXPECT_EQ(dequantizeUniform(quantizeUniform(0.0f, p.scale, p.zeroPoint, u8),
                              p.scale, p.zeroPoint),
            0.0f);
  EXPECT_NEAR(dequantizeUniform(u8.min, p.scale, p.zeroPoint), -1.0f, p.scale);
  EXPECT_NEAR(dequantizeUniform(u8.max, p.scale, p.zeroPoint), 3.0f, p.scale);
}

TEST(QuantMath, ChooseSymmetricParams) {
  IntRange i8 = storageRange(8, true);
  UniformParams p = chooseUniformParams(-2.0f, 0.5f, i8, /*symmetric=*/true);
  EXPECT_EQ(p.zeroPoint, 0);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 127.0f);
  UniformParams u = chooseUniformParams(-1.0f, 1.0f, storageRange(8, false),
                                        /*symmetric=*/true);
  EXPECT_EQ(u.zeroPoint, 128);
  // A positive-only range still contains zero; an empty range gets scale 1.
  EXPECT_EQ(chooseUniformParams(0.0f, 0.0f, i8, false).scale, 1.0f);
}

TEST(QuantMath, Log2Codes) {
  // 4 bits: sign + 3-bit exponent; exponent 7 is zero; magnitudes 2^0..2^-6.
  EXPECT_EQ(log2ZeroCode(4), 7u);
  EXPECT_EQ(quantizeLog2(1.0f, 1.0f, 4), 0u);
  EXPECT_EQ(quantizeLog2(0.3f, 1.0f, 4), 2u);       // log2(1/0.3) = 1.74
  EXPECT_EQ(quantizeLog2(-0.3f, 1.0f, 4), 8u | 2u); // sign bit set
  EXPECT_EQ(quantizeLog2(5.0f, 1.0f, 4), 0u);       // saturates at scale
  EXPECT_EQ(quantizeLog2(0.0f, 1.0f, 4), 7u);
  EXPECT_EQ(quantizeLog2(std::nanf(""), 1.0f, 4), 7u);
  // Below half a step (in the log domain) under 2^-6 the code is zero.
  EXPECT_EQ(quantizeLog2(std::ldexp(1.0f, -7), 1.0f, 4), 7u);
  EXPECT_EQ(quantizeLog2(std::ldexp(1.0f, -6), 1.0f, 4), 6u);
  EXPECT_FLOAT_EQ(dequantizeLog2(2u, 1.0f, 4), 0.25f);
  EXPECT_FLOAT_EQ(dequantizeLog2(8u | 2u, 2.0f, 4), -0.5f);
  EXPECT_EQ(dequantizeLog2(7u, 1.0f, 4), 0.0f);
  EXPECT_EQ(dequantizeLog2(15u, 1.0f, 4), 0.0f);
}

TEST(QuantMath, Log2RoundTripIsIdempotent) {
  for (unsigned bits : {3u, 4u, 8u})
    for (uint64_t code = 0; code < (uint64_t(1) << bits); ++code) {
      float value = dequantizeLog2(code, 0.75f, bits);
      EXPECT_EQ(dequantizeLog2(quantizeLog2(value, 0.75f, bits), 0.75f, bits),
                value)
          << "bits " << bits << " code " << code;
    }
}

TEST(QuantMath, CodebookPicksNearestAndLowestOnTies) {
  const double table[] = {-1.0, -0.25, 0.25, 1.0};
  EXPECT_EQ(quantizeCodebook(-2.0f, table, 4), 0u);
  EXPECT_EQ(quantizeCodebook(0.2f, table, 4), 2u);
  EXPECT_EQ(quantizeCodebook(0.0f, table, 4), 1u); // tie between 1 and 2
  EXPECT_EQ(quantizeCodebook(0.7f, table, 4), 3u);
}

TEST(QuantMath, FitCodebookFindsClusters) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  const float centers[] = {-2.0f, -0.5f, 0.5f, 3.0f};
  std::vector<float> values;
  for (int i = 0; i < 400; ++i)
    values.push_back(centers[i % 4] + noise(rng));
  std::vector<double> table = fitCodebook(values, 4);
  ASSERT_EQ(table.size(), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(table[i], centers[i], 0.01) << i;
}

TEST(QuantMath, FitCodebookWithFewValues) {
  std::vector<double> table = fitCodebook({1.0f, 1.0f}, 3);
  ASSERT_EQ(table.size(), 3u);
  for (double entry : table)
    EXPECT_EQ(entry, 1.0);
  EXPECT_EQ(fitCodebook({}, 2), std::vector<double>(2, 0.0));
}

} // namespace
