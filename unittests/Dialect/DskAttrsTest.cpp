//===- DskAttrsTest.cpp - tests of the dsk attribute parsers --------------===//
//
// Parses, inspects and re-prints the dsk attributes and encodings through the
// public C++ API, and checks the diagnostics of malformed ones.
//
//===----------------------------------------------------------------------===//

#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <string>

using namespace mlir;
using namespace dsk;

namespace {

class DskAttrsTest : public ::testing::Test {
protected:
  DskAttrsTest() { context.loadDialect<DskDialect>(); }

  /// Parses `text`; on failure records the diagnostic in `lastError`.
  Attribute parse(const std::string &text) {
    lastError.clear();
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      lastError = diag.str();
      return success();
    });
    return parseAttribute(text, &context);
  }

  Type parseTensor(const std::string &text) {
    lastError.clear();
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      lastError = diag.str();
      return success();
    });
    return parseType(text, &context);
  }

  static std::string print(Attribute attr) {
    std::string text;
    llvm::raw_string_ostream os(text);
    attr.print(os);
    return text;
  }

  MLIRContext context;
  std::string lastError;
};

TEST_F(DskAttrsTest, UniformPerTensor) {
  auto attr = dyn_cast_or_null<UniformAttr>(
      parse("#dsk.uniform<scale = 0.1, zero_point = -3>"));
  ASSERT_TRUE(attr) << lastError;
  EXPECT_FALSE(attr.isPerAxis());
  ASSERT_EQ(attr.getScales().size(), 1);
  EXPECT_EQ(attr.getScales()[0], 0.1);
  EXPECT_EQ(attr.getZeroPoints().front(), -3);
}

TEST_F(DskAttrsTest, UniformPerAxisRoundTripsExactly) {
  // 0.1 and 1/3 are not exact in binary: printing must still reparse to the
  // same doubles, hence the same uniqued attribute.
  Attribute attr =
      parse("#dsk.uniform<axis = 1, scales = [0.1, 0.333333333333333315, 2.0], "
            "zero_points = [0, 1, 2]>");
  ASSERT_TRUE(attr) << lastError;
  auto uniform = cast<UniformAttr>(attr);
  EXPECT_EQ(uniform.getAxis(), 1);
  EXPECT_EQ(uniform.getScales()[1], 1.0 / 3.0);
  EXPECT_EQ(parse(print(attr)), attr);
}

TEST_F(DskAttrsTest, UniformErrors) {
  EXPECT_FALSE(parse("#dsk.uniform<scale = -1.0, zero_point = 0>"));
  EXPECT_EQ(lastError, "scales must be finite and positive");
  EXPECT_FALSE(parse("#dsk.uniform<axis = 0, scales = [1.0, 2.0], "
                     "zero_points = [0]>"));
  EXPECT_EQ(lastError, "expected as many zero points as scales (1 vs 2)");
  EXPECT_FALSE(parse("#dsk.uniform<axis = -1, scales = [1.0], "
                     "zero_points = [0]>"));
  EXPECT_EQ(lastError, "quantization axis must be non-negative, got -1");
}

TEST_F(DskAttrsTest, EncodingIsVerifiedAgainstTheTensor) {
  EXPECT_TRUE(parseTensor(
      "tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [0.5, 0.25], "
      "zero_points = [128, 0]>>"))
      << lastError;
  EXPECT_FALSE(
      parseTensor("tensor<3x8xi8, #dsk.uniform<axis = 0, scales = [0.5, 0.25], "
                  "zero_points = [0, 0]>>"));
  EXPECT_EQ(lastError,
            "expected one scale per index of axis 0 (size 3), got 2");
  EXPECT_FALSE(
      parseTensor("tensor<8xi4, #dsk.uniform<scale = 0.5, zero_point = 8>>"));
  EXPECT_EQ(lastError,
            "zero point 8 is out of range for storage type 'i4' [-8, 7]");
  EXPECT_FALSE(parseTensor("tensor<8xf32, #dsk.log2<scale = 1.0>>"));
  EXPECT_EQ(
      lastError,
      "#dsk.log2 storage must be an integer type of 3 to 8 bits, got 'f32'");
  EXPECT_FALSE(parseTensor(
      "tensor<8xi2, #dsk.codebook<values = [0.0, 1.0, 2.0, 3.0, 4.0]>>"));
  EXPECT_EQ(lastError,
            "a codebook of 5 entries does not fit storage type 'i2'");
}

// Rules that the textual syntax cannot violate but C++ builders can.
TEST_F(DskAttrsTest, BuilderOnlyRules) {
  auto emitError = [&] { return mlir::emitError(UnknownLoc::get(&context)); };
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    lastError = diag.str();
    return success();
  });
  auto scales = DenseF64ArrayAttr::get(&context, {0.5, 0.25});
  EXPECT_TRUE(failed(UniformAttr::verify(emitError, std::nullopt, scales,
                                         ArrayRef<int64_t>{0, 0})));
  EXPECT_EQ(lastError, "a per-tensor encoding takes exactly one scale");
  EXPECT_TRUE(failed(Log2Attr::verify(emitError, std::nullopt, scales)));
  EXPECT_EQ(lastError, "a per-tensor encoding takes exactly one scale");

  auto three = DenseF64ArrayAttr::get(&context, {0.0, 1.0, 2.0});
  EXPECT_TRUE(failed(CodebookAttr::verify(emitError, 0, 2, three)));
  EXPECT_EQ(lastError, "codebook values are not a whole number of tables");
  auto four = DenseF64ArrayAttr::get(&context, {0.0, 1.0, 2.0, 3.0});
  EXPECT_TRUE(failed(CodebookAttr::verify(emitError, std::nullopt, 2, four)));
  EXPECT_EQ(lastError, "a per-tensor codebook takes exactly one table");
  EXPECT_TRUE(succeeded(CodebookAttr::verify(emitError, 0, 2, four)));
}

TEST_F(DskAttrsTest, Log2AndCodebook) {
  auto log2 = dyn_cast_or_null<Log2Attr>(
      parse("#dsk.log2<axis = 0, scales = [1.0, 0.5]>"));
  ASSERT_TRUE(log2) << lastError;
  EXPECT_EQ(getQuantAxis(log2), 0);
  EXPECT_EQ(log2.getScales()[1], 0.5);

  auto codebook = dyn_cast_or_null<CodebookAttr>(
      parse("#dsk.codebook<axis = 1, values = [[-1.0, 1.0], [-2.0, 2.0], "
            "[0.0, 0.5]]>"));
  ASSERT_TRUE(codebook) << lastError;
  EXPECT_EQ(codebook.getNumEntries(), 2);
  EXPECT_EQ(codebook.getNumTables(), 3);
  EXPECT_EQ(codebook.getTable(1)[0], -2.0);
  EXPECT_EQ(parse(print(codebook)), codebook);

  EXPECT_FALSE(parse("#dsk.codebook<axis = 0, values = [[1.0, 2.0], [1.0]]>"));
  EXPECT_EQ(lastError, "every codebook table must have 2 entries, got 1");
}

TEST_F(DskAttrsTest, Scales) {
  auto local = cast<ScaleAttr>(parse("#dsk.scale<local, window = 3>"));
  EXPECT_EQ(local.getKind(), ScaleKind::Local);
  EXPECT_EQ(local.getWindow(), 3);
  auto segment = cast<ScaleAttr>(parse("#dsk.scale<segment>"));
  EXPECT_TRUE(segment.usesSegmentIds());
  auto global = cast<ScaleAttr>(parse("#dsk.scale<global, tokens = [0, 5]>"));
  EXPECT_EQ(global.getTokens().size(), 2u);
  EXPECT_EQ(print(global), "#dsk.scale<global, tokens = [0, 5]>");

  EXPECT_FALSE(parse("#dsk.scale<local>"));
  EXPECT_EQ(lastError, "a local scale needs a non-negative window");
  EXPECT_FALSE(parse("#dsk.scale<nearby, window = 1>"));
  EXPECT_EQ(lastError,
            "unknown scale kind 'nearby', expected local, segment or global");
  EXPECT_FALSE(parse("#dsk.scale<local, window = 1, window = 2>"));
  EXPECT_EQ(lastError, "duplicate key 'window'");
}

TEST_F(DskAttrsTest, Policy) {
  auto policy = dyn_cast_or_null<PrecisionPolicyAttr>(
      parse("#dsk.policy<rms(1), thresholds = [0.5, 4.0], choices = [i8, f16, "
            "f32]>"));
  ASSERT_TRUE(policy) << lastError;
  EXPECT_EQ(policy.getStatistic(), SelectorStatistic::Rms);
  EXPECT_EQ(policy.getInput(), 1);
  EXPECT_TRUE(policy.getChoices()[1].isF16());
  EXPECT_FALSE(parse(
      "#dsk.policy<max_abs(0), thresholds = [4.0, 1.0], choices = [i8, f16, "
      "f32]>"));
  EXPECT_EQ(lastError, "thresholds must be strictly increasing");
}

TEST_F(DskAttrsTest, TargetAndKernel) {
  auto cpu = dyn_cast_or_null<TargetAttr>(
      parse("#dsk.target<cpu, arch = \"x86_64\", cpu = \"znver5\", "
            "features = [\"avx512f\", \"avx512vnni\"]>"));
  ASSERT_TRUE(cpu) << lastError;
  EXPECT_EQ(cpu.getKind(), TargetKind::CPU);
  EXPECT_EQ(cpu.getChip(), "znver5");
  EXPECT_TRUE(cpu.hasFeature("avx512vnni"));
  EXPECT_FALSE(cpu.hasFeature("avx512bf16"));

  auto gpu = dyn_cast_or_null<TargetAttr>(
      parse("#dsk.target<gpu, chip = \"sm_90\", ptx = 80>"));
  ASSERT_TRUE(gpu) << lastError;
  EXPECT_EQ(gpu.getArch(), "nvptx64");
  EXPECT_EQ(gpu.getPtxVersion(), 80);
  EXPECT_EQ(parse(print(gpu)), gpu);

  EXPECT_FALSE(parse("#dsk.target<gpu, chip = \"gfx90a\">"));
  EXPECT_EQ(lastError,
            "a gpu target needs a chip of the form sm_NN, got 'gfx90a'");
  EXPECT_FALSE(parse("#dsk.target<gpu, features = [\"a\"]>"));
  EXPECT_EQ(lastError, "unknown key 'features' in #dsk.target<gpu> (expected "
                       "chip, ptx)");

  auto kernel = dyn_cast_or_null<KernelAttr>(parse(
      "#dsk.kernel<\"x86.gemm\", requires = [\"avx2\"], tiles = [8, 4]>"));
  ASSERT_TRUE(kernel) << lastError;
  EXPECT_EQ(kernel.getName(), "x86.gemm");
  EXPECT_EQ(kernel.getTiles()[1], 4);
  EXPECT_FALSE(parse("#dsk.kernel<\"k\", tiles = [0]>"));
  EXPECT_EQ(lastError, "kernel tile sizes must be positive");
}

} // namespace
